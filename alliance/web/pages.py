"""What every page shares: the session's user, the HTML error pages, and the template
helpers (language tag, chapter state names, dates)."""
from datetime import datetime, timezone

from flask import render_template, request
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException, InternalServerError

from ..errors import DomainError
from ..extensions import db, login_manager
from ..models import ChapterState, User
from ..store import StoreError
from ..store.errors import BookNotFound, FileNotFound, InvalidPath, InvalidRevision


# Every page loads its user, with the organization the header shows: built once (see
# books._BOOK_BY_SLUG), in one query.
_USER = select(User).where(User.id == bindparam("user_id")).options(joinedload(User.org))


@login_manager.user_loader
def load_user(session_id):
    """Return the active user for a session's "<id>:<epoch>" (User.get_id), or None, which
    logs the session out. A session from before the last logout, password change or
    reset, deactivation or "sign out everywhere" carries an older epoch and is refused.
    A bare "<id>" (a session older than epochs) counts as epoch 0."""
    ident, _sep, epoch = str(session_id).partition(":")
    try:
        ident, epoch = int(ident), int(epoch or 0)
    except ValueError:
        return None
    user = db.session.scalar(_USER, {"user_id": ident})
    if user is None or not user.active or (user.session_epoch or 0) != epoch:
        return None
    return user


def lang_tag():
    """Return the page's language as an HTML lang value: ``zh-CN`` or ``en``."""
    # Babel says zh_Hans_CN for zh_CN (its catalog folder is named so); pages say zh-CN.
    locale = get_locale()
    if locale is None:
        return "zh-CN"
    return f"{locale.language}-{locale.territory}" if locale.territory else locale.language


def state_label(state):
    """Return the translated name of a ChapterState, as people see it in lists."""
    return {
        ChapterState.DRAFT: _("Draft"),
        ChapterState.SUBMITTED: _("Submitted"),
        ChapterState.IN_REVIEW: _("In review"),
        ChapterState.APPROVED: _("Approved"),
    }.get(state, str(state))


def when(value):
    """Format a datetime or ISO 8601 text as a short local date and time ('' for None)."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)  # the database keeps UTC without a zone
    # Digits and dashes only, the same in every language: strftime in the page's time zone
    # is what babel's format_datetime(value, "yyyy-MM-dd HH:mm") gives, at a tenth the cost.
    return value.astimezone(get_timezone()).strftime("%Y-%m-%d %H:%M")


def error_page(status, title, message, detail=None):
    """Return the HTML error page with ``status``."""
    return render_template("errors/error.html", title=title, message=message,
                           detail=detail), status


def _api_path():
    # Unmatched /api/ addresses never reach the API blueprint's handlers: keep them JSON.
    return request.path.startswith("/api/")


def domain_error(exc):
    """A service refused: NotFound, Forbidden, Invalid, ... with the status it carries."""
    titles = {
        404: _("Not found"),
        403: _("Not allowed"),
        409: _("Already exists"),
        423: _("Locked"),
    }
    messages = {
        "not_found": _("There is nothing here, or you may not see it."),
        "forbidden": _("You are not allowed to do this."),
        "locked": _("This chapter is approved and locked; an editor must reopen it first."),
        "in_review": _("This chapter is in review; its text cannot change until the "
                       "reviewers send it back."),
        "exists": _("It already exists."),
        "invalid": _("The request is not valid."),
    }
    return error_page(exc.status, titles.get(exc.status, _("Request not valid")),
                      messages.get(exc.code, exc.message), exc.message)


def store_error(exc):
    """The manuscript store refused a revision, path or book from the request."""
    if isinstance(exc, (FileNotFound, BookNotFound)):
        return error_page(404, _("Not found"),
                          _("This file does not exist at the revision asked for."), str(exc))
    if isinstance(exc, InvalidRevision):
        message = _("This is not a revision of this book. "
                    "Open a revision from the chapter's history, which uses full revision ids.")
    elif isinstance(exc, InvalidPath):
        message = _("This file name is not valid in a book.")
    else:
        message = _("The manuscript store could not do this.")
    return error_page(400, _("Request not valid"), message, str(exc))


def csrf_error(exc):
    """The form's security token is missing or stale: usually a page left open too long."""
    return error_page(400, _("The form has expired"),
                      _("For your security this form can only be sent once from a fresh page. "
                        "Go back, reload the page and try again."))


def http_error(exc):
    """Any other HTTP error (404 for unknown addresses, 405, ...) as a page."""
    if _api_path():
        from ..api.base import error
        if exc.code == 404:
            return error(404, "not_found", _("There is nothing at this address."))
        if exc.code == 405:
            return error(405, "method_not_allowed", _("This address does not accept that method."))
        return error(exc.code, "http_error", exc.description or exc.name)
    if exc.code == 404:
        return error_page(404, _("Not found"), _("There is nothing at this address."))
    return error_page(exc.code, exc.name, exc.description)


def server_error(exc):
    """An unexpected failure: apologise without showing internals."""
    if _api_path():
        from ..api.base import error
        return error(500, "server_error", _("Something went wrong on our side."))
    return error_page(500, _("Something went wrong"),
                      _("Something went wrong on our side. Please try again later."))
