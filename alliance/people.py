"""Services for organisations, users and API tokens. They flush; the caller commits."""
import re
import secrets

from sqlalchemy import func, select

from .errors import AlreadyExists, Invalid, NotFound
from .extensions import db
from .models import ApiToken, Organization, OrgKind, User, utcnow

MIN_PASSWORD = 10
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TOKEN_PREFIX = "alc_"


def create_org(name, kind):
    """Add an organisation of ``kind`` (school or publisher); AlreadyExists if the name is taken."""
    name = (name or "").strip()
    if not name:
        raise Invalid("an organisation needs a name")
    try:
        kind = OrgKind(kind)
    except ValueError:
        raise Invalid(f"kind must be school or publisher, not {kind!r}") from None
    if db.session.scalar(select(Organization).filter_by(name=name)):
        raise AlreadyExists(f"organisation {name} already exists")
    org = Organization(name=name, kind=kind)
    db.session.add(org)
    db.session.flush()
    return org


def find_org(name):
    """Return the organisation called ``name``; NotFound otherwise."""
    org = db.session.scalar(select(Organization).filter_by(name=(name or "").strip()))
    if org is None:
        raise NotFound(f"no organisation called {name}")
    return org


def check_password_strength(password):
    """Raise Invalid unless ``password`` is long enough to resist guessing."""
    if not password or len(password) < MIN_PASSWORD:
        raise Invalid(f"a password needs at least {MIN_PASSWORD} characters")


def create_user(email, name, org, password, admin=False):
    """Add a user of ``org`` with a hashed password; AlreadyExists for a known email."""
    email = (email or "").strip().lower()
    if not _EMAIL.fullmatch(email):
        raise Invalid(f"{email!r} is not an e-mail address")
    if not (name or "").strip():
        raise Invalid("a user needs a name")
    check_password_strength(password)
    if find_user(email, missing_ok=True):
        raise AlreadyExists(f"a user with e-mail {email} already exists")
    user = User(email=email, name=name.strip(), org=org, is_admin=admin)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def find_user(email, missing_ok=False):
    """Return the user with ``email`` (case-insensitive); NotFound unless ``missing_ok``."""
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None and not missing_ok:
        raise NotFound(f"no user with e-mail {email}")
    return user


def create_token(user, name="cli"):
    """Create an API token for ``user``; return the token text, which is never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, name=name, token_hash=ApiToken.hash(token)))
    db.session.flush()
    return token


def user_for_token(token):
    """Return the active user owning the unrevoked ``token`` and mark its use; else None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = db.session.scalar(select(ApiToken).filter_by(token_hash=ApiToken.hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row.user
