"""The in-app inbox: what happened to your chapters and reviews, with the unread count
shown in every page's header."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..review import notifications
from ..errors import NotFound
from ..extensions import db

bp = Blueprint("inbox", __name__)


@bp.app_context_processor
def unread():
    """Give every page ``inbox_unread``: the signed-in person's unread count (0 otherwise)."""
    if not current_user or not current_user.is_authenticated:
        return {"inbox_unread": 0}
    return {"inbox_unread": notifications.unread_count(current_user)}


@bp.get("/inbox")
@login_required
def index():
    """Your notifications, newest first."""
    return render_template("review/inbox.html", notes=notifications.inbox(current_user),
                           message=notifications.message)


@bp.post("/inbox/<int:note_id>/read")
@login_required
def read(note_id):
    """Mark one of your notifications read and open its page."""
    note = notifications.find(current_user, note_id)
    if note is None:
        raise NotFound(f"no notification {note_id} in your inbox")
    notifications.mark_read(current_user, note_id)
    db.session.commit()
    return redirect(note.link)


@bp.post("/inbox/read")
@login_required
def read_all():
    """Mark all your notifications read."""
    notifications.mark_read(current_user)
    db.session.commit()
    return redirect(url_for("inbox.index"))
