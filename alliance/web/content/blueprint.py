"""The content pages' blueprint and what it shares: the book page's helpers, the
upload-too-large page."""
from flask import Blueprint, current_app
from flask_babel import gettext as _
from flask_login import current_user

from ...models import ChapterState
from ...people.permissions import can_edit_chapter, can_manage_book

bp = Blueprint("content", __name__)


@bp.app_context_processor
def content_helpers():
    """Let the book page ask whether to offer chapter management and Word import."""
    return {
        "content_may_manage": lambda book: can_manage_book(current_user, book),
        "content_may_import": lambda chapter: (can_edit_chapter(current_user, chapter)
                                               and chapter.state != ChapterState.APPROVED),
    }


@bp.errorhandler(413)
def too_large(exc):
    """An upload over the request limit: say what the limit is, on a page."""
    from ..pages import error_page
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    return error_page(413, _("The file is too large"),
                      _("Files of up to %(mb)s MB can be uploaded. Make the file smaller "
                        "(for example, compress its pictures) and try again.", mb=limit))
