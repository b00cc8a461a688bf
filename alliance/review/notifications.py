"""Notifications: an inbox entry per person and, when SMTP is configured, an e-mail.

Entries are rows added to the caller's transaction. E-mails wait in the session's
outbox as plain texts and are built and sent only after that transaction commits
(mailer.py), so a refused or failed request sends nothing, and neither a mail
server that is down nor a name that cannot go into a header ever fails or loses a
transition: the inbox entry stays, the mail is retried, failures are logged.
"""
import logging

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from . import mailer
from ..extensions import db
from ..models import BookRole, Notification, utcnow

REVIEW_REQUESTED = "review_requested"  # a chapter waits at a stage that is yours
CHANGES_REQUESTED = "changes_requested"
APPROVED = "approved"
REOPENED = "reopened"
COMMENTED = "commented"  # a comment on your chapter, or a reply in your thread


def message(note):
    """Return the entry's one-line text in the current language."""
    chapter = note.chapter.title if note.chapter else ""
    actor = note.actor.name if note.actor else ""
    texts = {
        REVIEW_REQUESTED: lambda: _("%(chapter)s is waiting for your review at %(stage)s.",
                                    chapter=chapter, stage=note.excerpt),
        CHANGES_REQUESTED: lambda: _("%(actor)s asked for changes to %(chapter)s.",
                                     actor=actor, chapter=chapter),
        APPROVED: lambda: _("%(chapter)s was approved by %(actor)s.", chapter=chapter,
                            actor=actor),
        REOPENED: lambda: _("%(actor)s reopened %(chapter)s.", actor=actor, chapter=chapter),
        COMMENTED: lambda: _("%(actor)s commented on %(chapter)s.", actor=actor,
                             chapter=chapter),
    }
    return texts[note.kind]() if note.kind in texts else note.kind


def review_link(chapter):
    """Return the path of the chapter's review page."""
    return f"/books/{chapter.book.slug}/chapters/{chapter.key}/review"


def notify(users, kind, chapter, actor, excerpt=""):
    """Add an inbox entry of ``kind`` for each of ``users`` but the actor; queue e-mails."""
    seen = set()
    for user in users:
        if user is None or user.id in seen or (actor and user.id == actor.id) \
                or not user.active:
            continue
        seen.add(user.id)
        note = Notification(user_id=user.id, kind=kind, book=chapter.book, chapter=chapter,
                            actor=actor, link=review_link(chapter), excerpt=excerpt[:500])
        db.session.add(note)
        db.session.flush()
        _queue_mail(user, note)


def on_transition(row, next_stage):
    """Tell the people a transition concerns: the next reviewer, or the chapter's authors."""
    chapter, actor = row.chapter, row.actor
    if next_stage is not None:
        reviewers = [next_stage.reviewer] if next_stage.reviewer else [
            m.user for m in chapter.book.members if m.role == BookRole.EDITOR]
        notify(reviewers, REVIEW_REQUESTED, chapter, actor, next_stage.name)
    kind = {"request_changes": CHANGES_REQUESTED, "reopen": REOPENED}.get(row.action)
    if row.action == "approve" and row.to_state == "approved":
        kind = APPROVED
    if kind:
        notify(chapter.assignees, kind, chapter, actor, row.comment)


def on_comment(comment, thread):
    """Tell the chapter's authors and everyone in the thread about a new comment or reply."""
    people = list(comment.chapter.assignees) + [thread.author] + [r.author for r in thread.replies]
    notify(people, COMMENTED, comment.chapter, comment.author, comment.body)


# Every page's header shows it: built once (see books._BOOK_BY_SLUG).
_UNREAD = select(func.count(Notification.id)).where(
    Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))


def unread_count(user):
    """Return how many of ``user``'s inbox entries are unread."""
    return db.session.scalar(_UNREAD, {"user_id": user.id})


def inbox(user, limit=200):
    """Return ``user``'s newest entries first."""
    return db.session.scalars(select(Notification).filter_by(user_id=user.id)
                              .order_by(Notification.id.desc()).limit(limit)).all()


def find(user, note_id):
    """Return ``user``'s entry ``note_id``, or None (another person's entries are not found)."""
    return db.session.scalar(select(Notification).filter_by(id=note_id, user_id=user.id))


def mark_read(user, note_id=None, chapter=None):
    """Mark ``user``'s entry ``note_id``, or those about ``chapter``, or (with neither) all
    of them read; return how many."""
    query = select(Notification).filter_by(user_id=user.id, read_at=None)
    if note_id is not None:
        query = query.filter_by(id=note_id)
    if chapter is not None:
        query = query.filter_by(chapter_id=chapter.id)
    notes = db.session.scalars(query).all()
    for note in notes:
        note.read_at = utcnow()
    db.session.flush()
    return len(notes)


def _queue_mail(user, note):
    """Queue the e-mail of ``note`` for ``user``, sent after the commit (mailer.py).

    Only texts are made here; a failure to make them is logged, never raised, so no
    transition fails for its e-mail.
    """
    config = current_app.config
    if not config.get("SMTP_HOST"):
        return
    try:
        with force_locale(user.locale or config["DEFAULT_LOCALE"]):
            text = message(note)
            body = [text, "", note.excerpt, "", _("Open the page:"),
                    config["BASE_URL"].rstrip("/") + note.link]
        mailer.queue(db.session, mailer.Mail(
            config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_FROM"], user.email,
            f"[{note.book.title}] {text}", "\n".join(line for line in body if line is not None)))
    except Exception:  # noqa: BLE001  (the inbox entry stays; the mail is lost, logged)
        logging.getLogger(__name__).exception("could not prepare the e-mail of notification %s",
                                              note.id)
