"""The database schema: brought up to the newest migration."""
from flask import current_app


def upgrade_database():
    """Apply every migration (alliance/migrations) to the app's configured database."""
    from flask_migrate import upgrade
    upgrade(directory=current_app.extensions["migrate"].directory)
