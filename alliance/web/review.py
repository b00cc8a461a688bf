"""The review page: the text as submitted, what changed since you last looked, comment threads
in the margin, and the forms that move a chapter through its review stages."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ..manuscripts import books as svc
from ..review import comments, notifications, workflow
from ..errors import Invalid
from ..extensions import db, manuscript_store
from ..models import ReviewerSeen
from ..people.permissions import (can_comment_chapter,
                                  can_pass_stage,
                                  can_reopen_chapter,
                                  can_submit_chapter)
from ..publishing.markdown import IMAGE_FOLDER, render_html
from .pages import error_page, state_label

bp = Blueprint("review", __name__)


def _chapter(slug, key):
    book = svc.readable_book(current_user, slug)
    return book, svc.find_chapter(book, key)


def _here(book, chapter):
    return redirect(url_for("review.page", slug=book.slug, key=chapter.key))


@bp.get("/books/<slug>/chapters/<key>/review")
@login_required
def page(slug, key):
    """The chapter at the revision under review, its changes since your last visit, threads."""
    book, chapter = _chapter(slug, key)
    store = manuscript_store()
    rev = workflow.shown_revision(chapter)
    text = svc.read_chapter(store, chapter, rev).content

    def image_url(path):
        return url_for("books.image", slug=book.slug, rev=rev,
                       name=path.removeprefix(IMAGE_FOLDER))

    placed = comments.place(store, chapter, rev, text)
    lines = comments.lines_of(text)
    by_line = {}
    for item in placed:
        if not item.outdated:
            by_line.setdefault(item.line_start, []).append(item)
    commented = {n for p in placed if not p.outdated
                 for n in range(p.line_start, p.line_end + 1)}
    stage = workflow.current_stage(chapter)
    return render_template(
        "review/page.html", book=book, chapter=chapter, rev=rev, lines=lines,
        html=Markup(render_html(text, image_url=image_url)), by_line=by_line,
        commented=commented, outdated=[p for p in placed if p.outdated],
        diff=_diff_since_last_visit(store, chapter, rev, text),
        stages=workflow.stages(book), stage=stage, history=workflow.transitions(chapter),
        may_submit=can_submit_chapter(current_user, chapter),
        may_review=stage is not None and can_pass_stage(current_user, book, stage.reviewer),
        may_reopen=can_reopen_chapter(current_user, chapter),
        may_comment=can_comment_chapter(current_user, chapter))


def _diff_since_last_visit(store, chapter, rev, text):
    """Return (hunks, since) for what changed since this person last saw the page, and
    remember that they have now seen ``rev``; None on a first visit or when nothing changed."""
    seen = db.session.get(ReviewerSeen, (chapter.id, current_user.id))
    result = None
    if seen is not None and seen.revision != rev:
        old = svc.read_chapter(store, chapter, seen.revision).content
        result = (comments.char_diff_html(old, text), seen.revision)
    if seen is None:
        db.session.add(ReviewerSeen(chapter_id=chapter.id, user_id=current_user.id,
                                    revision=rev))
    else:
        seen.revision = rev
    notifications.mark_read(current_user, chapter=chapter)  # you are looking at it now
    db.session.commit()
    return result


@bp.post("/books/<slug>/chapters/<key>/review")
@login_required
def act(slug, key):
    """Submit, approve, request changes or reopen, with an optional comment."""
    book, chapter = _chapter(slug, key)
    action = request.form.get("action", "")
    # The review form sends the revision its reader saw; a pass is only ever of that text.
    seen = request.form.get("revision") or None
    try:
        workflow.act(manuscript_store(), chapter, current_user, action,
                     request.form.get("comment", ""), seen)
    except workflow.StaleRevision as exc:
        db.session.rollback()
        return error_page(409, _("The chapter has changed"), _(
            "You read revision %(seen)s, but the revision under review is now %(current)s. "
            "The stage was not passed: reload the page and read the chapter again.",
            seen=exc.details["seen"][:10], current=exc.details["current"][:10]))
    except workflow.InvalidTransition:
        db.session.rollback()
        return error_page(409, _("Not possible now"),
                          _("This cannot be done now: the chapter is %(state)s.",
                            state=state_label(chapter.state)))
    db.session.commit()
    flash({"submit": _("The chapter was submitted for review."),
           "approve": _("You approved this stage."),
           "request_changes": _("You asked for changes; the chapter is a draft again."),
           "reopen": _("The chapter was reopened.")}[action])
    return _here(book, chapter)


def _int(name):
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        raise Invalid(f"{name} must be a line number") from None


@bp.post("/books/<slug>/chapters/<key>/comments")
@login_required
def comment(slug, key):
    """Start a comment thread on a range of lines of the revision shown."""
    book, chapter = _chapter(slug, key)
    comments.add_comment(manuscript_store(), chapter, current_user,
                         request.form.get("revision", ""), _int("line_start"),
                         _int("line_end"), request.form.get("body", ""))
    db.session.commit()
    flash(_("Your comment was added."))
    return _here(book, chapter)


@bp.post("/books/<slug>/chapters/<key>/comments/<int:thread_id>/reply")
@login_required
def reply(slug, key, thread_id):
    """Reply in a thread."""
    book, chapter = _chapter(slug, key)
    comments.reply(chapter, thread_id, current_user, request.form.get("body", ""))
    db.session.commit()
    return _here(book, chapter)


@bp.post("/books/<slug>/chapters/<key>/comments/<int:thread_id>/resolve")
@login_required
def resolve(slug, key, thread_id):
    """Mark a thread resolved."""
    book, chapter = _chapter(slug, key)
    comments.resolve(chapter, thread_id, current_user)
    db.session.commit()
    return _here(book, chapter)
