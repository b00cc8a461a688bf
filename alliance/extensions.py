"""Flask extensions, created unbound here and bound to an app in create_app()."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base for every model."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def manuscript_store():
    """Return the manuscript store of the current app (its MANUSCRIPTS folder)."""
    from flask import current_app

    from .store import ManuscriptStore
    return ManuscriptStore(current_app.config["MANUSCRIPTS"])
