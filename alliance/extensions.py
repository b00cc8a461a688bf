"""Flask extensions, created unbound here and bound to an app in create_app()."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
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
# No default limits: only the login and failed API authentications are limited, where
# guessing is the threat. Storage comes from RATELIMIT_STORAGE_URI (see create_app).
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def manuscript_store():
    """Return the manuscript store of the current app (its MANUSCRIPTS folder)."""
    from flask import current_app

    from .store import ManuscriptStore
    return ManuscriptStore(current_app.config["MANUSCRIPTS"])
