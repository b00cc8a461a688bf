"""Alliance: collaborative textbook publishing for the 全国工会地方教材创新发展联盟."""
import os
from functools import lru_cache
from pathlib import Path

from babel import Locale
from flask import Flask, current_app, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import LOCALES, PROJECT_ROOT, instance_secret, load_config
from .extensions import babel, csrf, db, limiter, login_manager, migrate
MIGRATIONS = str(Path(__file__).parent / "migrations")


def create_app(test_config=None):
    """Build the app from the defaults, ALLIANCE_* settings and ``test_config``."""
    config = load_config()
    if test_config and "ALLIANCE_HOME" in test_config:
        config = load_config({**os.environ, "ALLIANCE_HOME": test_config["ALLIANCE_HOME"]})
    config.update(test_config or {})
    app = Flask(__name__, instance_path=config["INSTANCE_PATH"],
                template_folder=str(PROJECT_ROOT / "templates"))
    app.config.update(config)
    app.config["DATABASE_URL"] = _with_driver(app.config["DATABASE_URL"])
    app.config.update(
        SQLALCHEMY_DATABASE_URI=app.config["DATABASE_URL"],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # SESSION_COOKIE_SECURE comes from ALLIANCE_SESSION_COOKIE_SECURE; the remember cookie follows.
        REMEMBER_COOKIE_SECURE=app.config["SESSION_COOKIE_SECURE"],
        REMEMBER_COOKIE_HTTPONLY=True,
        # Redis shares the login counters between worker processes; memory is per process.
        RATELIMIT_STORAGE_URI=(app.config.get("RATELIMIT_STORAGE_URI")
                               or app.config.get("REDIS_URL") or "memory://"),
        BABEL_DEFAULT_LOCALE=app.config["DEFAULT_LOCALE"],
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        WTF_CSRF_TIME_LIMIT=None,
    )
    if app.config["DATABASE_URL"].startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    elif app.config["DATABASE_URL"].startswith("postgresql"):
        # Times are stored as naive UTC: the session must not convert them to the server's zone.
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {
            "pool_pre_ping": True, "connect_args": {"options": "-c timezone=UTC"}})
    for folder in (app.instance_path, app.config["MANUSCRIPTS"], app.config["EXPORTS"]):
        os.makedirs(folder, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(app.instance_path)

    db.init_app(app)
    from .models.search import include_name  # autogenerate must not drop the search index
    migrate.init_app(app, db, directory=MIGRATIONS, include_name=include_name)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    limiter.init_app(app)

    from .web import security
    security.init_app(app)

    from . import cli, web, api
    web.init_app(app)
    api.init_app(app)
    cli.init_app(app)
    if app.config["PROXY_FIX"]:
        # Behind one reverse proxy: client address, scheme and host come from its headers.
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)
    return app


def _with_driver(url):
    # Alliance installs psycopg (3); SQLAlchemy's default driver for postgresql:// is psycopg2.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def select_locale():
    """Chinese unless the person chose English (session, then their saved setting).

    Returns a babel Locale: Flask-Babel parses a name on every request, and parsing
    one (listing every locale babel knows) was a tenth of a page view.
    """
    chosen = session.get("lang") if request else None
    if chosen not in LOCALES:
        chosen = getattr(current_user, "locale", None) if current_user else None
    if chosen not in LOCALES and request and request.path.startswith("/api/"):
        chosen = request.accept_languages.best_match(LOCALES) or "zh_CN"
    if chosen not in LOCALES:
        chosen = current_app.config["BABEL_DEFAULT_LOCALE"]
    return _babel_locale(chosen)


@lru_cache(maxsize=8)
def _babel_locale(name):
    return Locale.parse(name)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    # WAL lets readers go on while a save writes; foreign keys are off by default in SQLite.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit still
        # survives the process being killed; only a power cut may undo the last few,
        # as it may git's loose objects (git does not sync those by default either).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
