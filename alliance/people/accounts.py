"""Services for organisations, users and API tokens. They flush; the caller commits.

Every change records an audit event with the person who made it (``actor``;
None when it came from the command line or a seed script).
"""
import re
import secrets
from datetime import timedelta, timezone

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from flask_babel import gettext as _

from . import audit
from ..config import LOCALES
from ..errors import AlreadyExists, Invalid, NotFound
from ..extensions import db
from ..models import ApiToken, Organization, OrgKind, User, utcnow
from ..names import bad_character, check_name

MIN_PASSWORD = 10
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TOKEN_PREFIX = "alc_"
TOKEN_NAME_MAX = 100
NAME_MAX = 200  # organisations and people (the columns' length)
# How fresh a token's "last used" time is kept (see user_for_token).
TOKEN_USE_PRECISION = timedelta(minutes=1)
# audit.py names the security events; a language choice is a plain preference, named here.


def create_org(name, kind, actor=None):
    """Add an organisation of ``kind`` (school or publisher); AlreadyExists if the name is taken."""
    name = check_name(name, _("organisation name"), NAME_MAX)
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
    audit.record(audit.ORG_CREATED, actor, target=name, kind=kind.value)
    return org


def find_org(name):
    """Return the organisation called ``name``; NotFound otherwise."""
    org = db.session.scalar(select(Organization).filter_by(name=(name or "").strip()))
    if org is None:
        raise NotFound(f"no organisation called {name}")
    return org


def list_orgs():
    """Return every organisation: the publisher(s) first, then schools, each by name."""
    return db.session.scalars(select(Organization).order_by(Organization.kind,
                                                            Organization.name)).all()


def check_password_strength(password):
    """Raise Invalid unless ``password`` is long enough to resist guessing."""
    if not password or len(password) < MIN_PASSWORD:
        raise Invalid(f"a password needs at least {MIN_PASSWORD} characters")


def create_user(email, name, org, password, admin=False, actor=None):
    """Add a user of ``org`` with a hashed password; AlreadyExists for a known email."""
    email = (email or "").strip().lower()
    if not _EMAIL.fullmatch(email) or bad_character(email):
        raise Invalid(f"{email!r} is not an e-mail address", field="email")
    name = check_name(name, _("user name"), NAME_MAX)
    if not name:
        raise Invalid("a user needs a name", field="name")
    check_password_strength(password)
    if find_user(email, missing_ok=True):
        raise AlreadyExists(f"a user with e-mail {email} already exists")
    user = User(email=email, name=name, org=org, is_admin=bool(admin))
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(audit.USER_CREATED, actor, target=email, org=org.name, admin=bool(admin))
    return user


def find_user(email, missing_ok=False):
    """Return the user with ``email`` (case-insensitive); NotFound unless ``missing_ok``."""
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None and not missing_ok:
        raise NotFound(f"no user with e-mail {email}")
    return user


def get_user(user_id):
    """Return the user with id ``user_id``; NotFound otherwise."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def list_users():
    """Return every user, by organisation then name."""
    return db.session.scalars(select(User).join(User.org)
                              .order_by(Organization.name, User.name)).all()


def deactivate_user(user, actor):
    """Deactivate ``user``: their sessions and tokens stop working on their next request.

    The session loader and user_for_token both read ``active``, so nothing else
    needs revoking. Nobody may deactivate themselves (an admin could lock the site out).
    """
    if actor is not None and user.id == actor.id:
        raise Invalid("you cannot deactivate your own account")
    if user.active:
        user.active = False
        end_sessions(user)
        audit.record(audit.USER_DEACTIVATED, actor, target=user.email)
    return user


def reactivate_user(user, actor):
    """Let a deactivated ``user`` log in and use their unrevoked tokens again."""
    if not user.active:
        user.active = True
        db.session.flush()
        audit.record(audit.USER_REACTIVATED, actor, target=user.email)
    return user


def end_sessions(user, actor=None, record=False):
    """End every session of ``user`` signed in so far, on every device; flushes.

    Sessions keep the user's session epoch (User.get_id); raising it makes the
    session loader refuse them all. With ``record`` an audit event says so.
    Called on logout, password change and reset, and deactivation.
    """
    user.session_epoch = User.session_epoch + 1  # in SQL: two at once both count
    db.session.flush()
    if record:
        audit.record(audit.SESSIONS_ENDED, actor or user, target=user.email)


def temporary_password():
    """Return a fresh random password, long enough for check_password_strength."""
    return secrets.token_urlsafe(12)  # 16 characters, 96 bits


def reset_password(user, actor):
    """Give ``user`` a new random password and return it; it is shown once and never stored."""
    password = temporary_password()
    user.set_password(password)
    end_sessions(user)
    audit.record(audit.PASSWORD_RESET, actor, target=user.email)
    return password


def change_password(user, current, new):
    """Change ``user``'s own password; Invalid unless ``current`` is right and ``new`` strong."""
    if not user.check_password(current or ""):
        raise Invalid("the current password is wrong", field="current")
    check_password_strength(new)
    user.set_password(new)
    end_sessions(user)
    audit.record(audit.PASSWORD_CHANGED, user, target=user.email)


def set_locale(user, locale):
    """Save ``user``'s language for the pages: one of LOCALES; Invalid otherwise."""
    if locale not in LOCALES:
        raise Invalid(f"language must be one of {', '.join(LOCALES)}")
    if user.locale != locale:
        user.locale = locale
        db.session.flush()
        audit.record(audit.LOCALE_CHANGED, user, target=user.email, locale=locale)


def create_token(user, name="cli", actor=None):
    """Create an API token for ``user``; return the token text, which is never stored."""
    name = check_name(name, _("token name"))
    if not name or len(name) > TOKEN_NAME_MAX:
        raise Invalid(f"a token needs a name of at most {TOKEN_NAME_MAX} characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name, token_hash=ApiToken.hash(token))
    db.session.add(row)
    db.session.flush()
    audit.record(audit.TOKEN_CREATED, actor, target=user.email, token_id=row.id, name=name)
    return token


def list_tokens(user):
    """Return ``user``'s tokens, newest first, revoked ones included (they show as revoked)."""
    return db.session.scalars(select(ApiToken).filter_by(user_id=user.id)
                              .order_by(ApiToken.id.desc())).all()


def revoke_token(user, token_id, actor=None):
    """Revoke ``user``'s own token ``token_id`` at once; NotFound for anyone else's token.

    Revoking twice is harmless and records one event.
    """
    row = db.session.scalar(select(ApiToken).filter_by(id=token_id, user_id=user.id))
    if row is None:
        raise NotFound(f"no token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.flush()
        audit.record(audit.TOKEN_REVOKED, actor or user, target=user.email,
                     token_id=row.id, name=row.name)
    return row


def _aware(moment):
    # SQLite hands back naive datetimes; every time stored here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# Every API call runs it: built once (see books._BOOK_BY_SLUG), the user in the same query.
_TOKEN = (select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash"))
          .options(joinedload(ApiToken.user)))


def user_for_token(token):
    """Return the active user owning the unrevoked ``token`` and mark its use (to the
    minute); else None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = db.session.scalar(_TOKEN, {"token_hash": ApiToken.hash(token)})
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    now = utcnow()
    # Written at most once a minute: the UPDATE would otherwise open a write transaction
    # at the start of every API call and hold SQLite's one write lock through the request.
    if row.last_used_at is None or now - _aware(row.last_used_at) > TOKEN_USE_PRECISION:
        row.last_used_at = now
    return row.user
