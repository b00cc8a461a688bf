"""The API's blueprint: Bearer-token authentication, one transaction per request, and
the JSON error answers every route shares."""
from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _

from ..errors import DomainError
from ..extensions import csrf, db, limiter
from ..people.accounts import user_for_token
from ..store import ConcurrentUpdate, Conflict, StoreError
from ..store.errors import BookNotFound, FileNotFound, InvalidPath, InvalidRevision

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _token_refused(response):
    # Only refused tokens count, so a busy client with a good token is never slowed down.
    return response.status_code == 401


def _too_many_failures():
    return _("Too many failed authentications from this address. Wait a minute, then try again.")


# Failed authentications per client address: past 60 in a minute every call from that
# address gets 429 until the minute is over, so guessing tokens gets nowhere. The limiter
# checks before authenticate() runs (app hooks precede blueprint hooks).
limiter.limit("60 per minute", deduct_when=_token_refused, error_message=_too_many_failures)(bp)

# Store errors as (status, code): what went wrong, in the API's terms.
_STORE_ERRORS = {
    InvalidRevision: (400, "invalid_revision"),
    InvalidPath: (400, "invalid_path"),
    FileNotFound: (404, "not_found"),
    BookNotFound: (404, "not_found"),
}


def error(status, code, message, **extra):
    """Return the API's error answer: JSON {error, message, ...} with ``status``."""
    response = jsonify({"error": code, "message": message, **extra})
    response.status_code = status
    return response


@bp.before_request
def authenticate():
    """Every call needs a valid Bearer token; cookies are never looked at here."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    g.user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if g.user is None:
        return error(401, "unauthorized",
                     _("A valid API token is required (Authorization: Bearer TOKEN)."))
    return None


@bp.after_request
def commit(response):
    """One transaction per request: commit what the services flushed when all went well."""
    if response.status_code < 400 or response.status_code == 409:
        db.session.commit()
    else:
        db.session.rollback()
    return response


@bp.errorhandler(DomainError)
def domain_error(exc):
    """A service refused: its status, code and translated message."""
    return error(exc.status, exc.code, _translate(exc), **exc.details)


@bp.errorhandler(Conflict)
def conflict(exc):
    """A save overlapped another: 409 with base, mine and theirs; no text is lost."""
    def text(data):
        return None if data is None else data.decode("utf-8", "replace")
    return error(409, "conflict", _("Someone else changed this chapter since you opened it. "
                                    "Your text is in 'mine': merge it with 'theirs' and save again."),
                 path=exc.path, base=text(exc.base), mine=text(exc.mine),
                 theirs=text(exc.theirs), head=exc.head)


@bp.errorhandler(ConcurrentUpdate)
def busy(_exc):
    """The branch kept moving: 503 busy with Retry-After; nothing was written."""
    response = error(503, "busy", _("The book is being changed by several people at this "
                                    "moment; nothing was saved. Send the same request again."))
    response.headers["Retry-After"] = "1"
    return response


@bp.errorhandler(StoreError)
def store_error(exc):
    """The store refused a revision, path or book from the request."""
    status, code = _STORE_ERRORS.get(type(exc), (400, "invalid"))
    return error(status, code, str(exc))


@bp.errorhandler(404)
def not_found(_exc):
    """An unknown address under the API: JSON, not a page."""
    return error(404, "not_found", _("There is nothing at this address."))


@bp.errorhandler(405)
def not_allowed(_exc):
    """A method the address does not take: JSON, not a page."""
    return error(405, "method_not_allowed", _("This address does not accept that method."))


@bp.errorhandler(413)
def too_large(_exc):
    """A body over the request limit: JSON, not a page."""
    return error(413, "too_large", _("The request is too large."))


def _translate(exc):
    # Known codes get a translated lead; the English detail follows for precision.
    lead = {
        "not_found": _("Not found."),
        "forbidden": _("You are not allowed to do this."),
        "locked": _("This chapter is approved and locked; an editor must reopen it first."),
        "in_review": _("This chapter is in review; its text cannot change until the "
                       "reviewers send it back."),
        "stale": _("The chapter is not at the revision you reviewed; the stage was not passed."),
        "exists": _("It already exists."),
        "invalid": _("The request is not valid."),
    }.get(exc.code)
    return f"{lead} {exc.message}" if lead else exc.message
