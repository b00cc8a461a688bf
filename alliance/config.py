"""Configuration: embedded defaults, overridden by ALLIANCE_* environment variables.

ALLIANCE_HOME moves the instance, manuscripts and exports folders together; each
can still be moved on its own (ALLIANCE_MANUSCRIPTS, ALLIANCE_EXPORTS,
ALLIANCE_DATABASE_URL).
"""
import os
import secrets
from pathlib import Path

# The languages of the pages: Simplified Chinese first (the default), then English.
LOCALES = ("zh_CN", "en")

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Settings read from the environment as ALLIANCE_<NAME>, with their types.
_ENV_SETTINGS = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "MANUSCRIPTS": str,
    "EXPORTS": str,
    "SESSION_COOKIE_SECURE": bool,
    "DEFAULT_LOCALE": str,
    "MAX_CONTENT_LENGTH": int,
    "REDIS_URL": str,
    "RATELIMIT_ENABLED": bool,
    "SMTP_HOST": str,
    "SMTP_PORT": int,
    "SMTP_FROM": str,
    "BASE_URL": str,
    "PROXY_FIX": bool,
    "CACHE_MAX_MB": float,
}


def _parse(kind, raw):
    if kind is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return kind(raw)


def load_config(environ=None):
    """Return the configuration dict for an app: defaults, then ALLIANCE_* overrides."""
    environ = os.environ if environ is None else environ
    home = Path(environ.get("ALLIANCE_HOME") or PROJECT_ROOT).resolve()
    instance = home / "instance"
    config = {
        "ALLIANCE_HOME": str(home),
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'alliance.db'}",
        "MANUSCRIPTS": str(home / "manuscripts"),
        "EXPORTS": str(home / "exports"),
        "SECRET_KEY": None,
        "SESSION_COOKIE_SECURE": False,
        "DEFAULT_LOCALE": "zh_CN",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "REDIS_URL": None,
        "RATELIMIT_ENABLED": True,
        "SMTP_HOST": None,  # e-mail notifications are sent only when a host is set
        "SMTP_PORT": 25,
        "SMTP_FROM": "alliance@localhost",
        "BASE_URL": "http://127.0.0.1:5000",  # links in e-mails start with this
        "PROXY_FIX": False,  # trust X-Forwarded-* from one reverse proxy in front
        # Render caches and non-edition export files are pruned to this (alliance gc).
        "CACHE_MAX_MB": 2048,
    }
    for name, kind in _ENV_SETTINGS.items():
        raw = environ.get(f"ALLIANCE_{name}")
        if raw:
            config[name] = _parse(kind, raw)
    return config


def instance_secret(instance_path):
    """Return the instance's persistent secret key, creating it on first use.

    A random key per instance keeps sessions valid across restarts without
    anyone having to configure a secret for the embedded set-up.
    """
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
