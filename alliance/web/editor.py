"""Writing in the browser: the chapter editor, its preview, conflicts, history, diff, restore."""
from flask import (Blueprint, abort, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ..manuscripts import books as svc
from ..manuscripts.authoring import (authors_by_email,
                                     has_conflict_markers,
                                     merge_proposal,
                                     pushers_of,
                                     normalize_newlines,
                                     restore_chapter,
                                     side_by_side)
from ..errors import ChapterInReview, ChapterLocked, Forbidden, Invalid
from ..extensions import db, manuscript_store
from ..models import ChapterState
from ..people.permissions import can_edit_chapter
from ..publishing.markdown import IMAGE_FOLDER, render_html
from ..store import ConcurrentUpdate, Conflict
from .limits import HTML_PREVIEWS, per_person

bp = Blueprint("editor", __name__)

CHAPTER = "/books/<slug>/chapters/<key>"
HISTORY_LIMIT = 10_000  # every revision a chapter will realistically have
MESSAGE_LIMIT = 500


@bp.app_context_processor
def editor_helpers():
    """Let any page (the chapter page) ask whether to offer the editor."""
    return {"editor_may_edit": lambda chapter: can_edit_chapter(current_user, chapter)}


def _chapter(slug, key):
    """The chapter ``key`` of a book the person may read (404 otherwise)."""
    return svc.find_chapter(svc.readable_book(current_user, slug), key)


def _editable(slug, key):
    chapter = _chapter(slug, key)
    if not can_edit_chapter(current_user, chapter):
        raise Forbidden(f"you may not edit chapter {chapter.key}")
    return chapter


def _locked(chapter):
    """Return why the text cannot change now ("approved", "in_review"), or None."""
    if chapter.state == ChapterState.APPROVED:
        return "approved"
    if chapter.state in (ChapterState.SUBMITTED, ChapterState.IN_REVIEW):
        return "in_review"
    return None


def preview_html(book, content, head):
    """Return the sanitized HTML of ``content``, its images taken from the book at ``head``."""
    def image_url(path):
        return url_for("books.image", slug=book.slug, rev=head,
                       name=path.removeprefix(IMAGE_FOLDER))
    return Markup(render_html(content, image_url=image_url))  # sanitized by nh3


AUTO_RETRIES = 3


def _retries():
    try:
        return max(0, int(request.form.get("retry", "0")))
    except ValueError:
        return 0


def _editor_page(chapter, content, base, message="", error=None, status=200, retry=None):
    book = chapter.book
    head = manuscript_store().book(book.slug).resolve()
    return render_template(
        "editor/edit.html", book=book, chapter=chapter, content=content, base=base,
        message=message, error=error, locked=_locked(chapter), retry=retry,
        preview=preview_html(book, content, head),
        draft_key=f"alliance-draft:{book.slug}:{chapter.key}:{current_user.id}",
        saved_draft=session.pop("saved_draft", "")), status


@bp.get(CHAPTER + "/edit")
@login_required
def edit(slug, key):
    """The editor at the book's head; read-only with the reason when the chapter is approved."""
    chapter = _editable(slug, key)
    text = svc.read_chapter(manuscript_store(), chapter)
    return _editor_page(chapter, text.content, text.head)


@bp.post(CHAPTER + "/edit")
@login_required
def save(slug, key):
    """Save from the editor: lands (maybe merged), or shows the conflict; never drops the text."""
    chapter = _editable(slug, key)
    content = normalize_newlines(request.form.get("content", ""))
    base = request.form.get("base_revision", "")
    message = request.form.get("message", "").strip()[:MESSAGE_LIMIT]
    if has_conflict_markers(content):
        return _editor_page(chapter, content, base, message, status=400, error=_(
            "The text still has conflict markers (<<<<<<<, =======, >>>>>>>). Keep what "
            "should stay, delete the marker lines, then save again."))
    try:
        result = svc.save_chapter(manuscript_store(), chapter, current_user, content, base,
                                  message)
    except ChapterInReview:
        return _editor_page(chapter, content, base, message, status=423, error=_(
            "This chapter is with its reviewers, so it was not saved: they must read exactly "
            "the text that was submitted. Your text is still here: copy it, and save it when "
            "the reviewers send the chapter back."))
    except ChapterLocked:
        return _editor_page(chapter, content, base, message, status=423, error=_(
            "This chapter is approved and locked, so it was not saved. Your text is still "
            "here: copy it, and ask an editor to reopen the chapter."))
    except Conflict as exc:
        return _resolution_page(chapter, exc, content, message), 409
    except ConcurrentUpdate:
        # The page sends the same save again by itself a few times (save_retry.js).
        retry = _retries() + 1
        if retry > AUTO_RETRIES:
            return _editor_page(chapter, content, base, message, status=503, error=_(
                "The book is being changed by several people at this moment, so your text was "
                "not saved yet. It is still here: press Save again in a moment."))
        return _editor_page(chapter, content, base, message, status=503, retry=retry, error=_(
            "The book is being changed by several people at this moment. Your text is kept "
            "and will be saved again by itself in a few seconds."))
    except Invalid as exc:  # nested too deeply, say: the text stays on the page
        return _editor_page(chapter, content, base, message, status=400, error=_(
            "The text was not saved: %(why)s", why=exc.message))
    db.session.commit()
    session["saved_draft"] = request.form.get("draft_id", "")[:64]
    if not result.changed:
        flash(_("Nothing changed, so no new revision was made."))
    elif result.merged:
        flash(_("Saved — merged with changes by others."))
    else:
        flash(_("Saved."))
    return redirect(url_for("books.chapter", slug=slug, key=key))


def _resolution_page(chapter, exc, mine, message):
    def text(data):
        return "" if data is None else normalize_newlines(data.decode("utf-8", "replace"))
    theirs = text(exc.theirs)
    proposal = merge_proposal(text(exc.base), mine, theirs,
                              labels=(_("mine"), _("base"), _("theirs")))
    return render_template(
        "editor/resolve.html", book=chapter.book, chapter=chapter,
        rows=side_by_side(theirs, mine), proposal=proposal, base=exc.head, message=message,
        draft_key=f"alliance-draft:{chapter.book.slug}:{chapter.key}:{current_user.id}")


@bp.post(CHAPTER + "/preview")
@per_person(HTML_PREVIEWS)
def preview(slug, key):
    """The sanitized HTML of the posted text, as the pages show it (401 when logged out)."""
    if not current_user.is_authenticated:
        abort(401)  # the editor tells the person; a redirect to the login page would not
    chapter = _chapter(slug, key)
    head = manuscript_store().book(chapter.book.slug).resolve()
    content = normalize_newlines(request.form.get("content", ""))
    return preview_html(chapter.book, content, head)


@bp.get(CHAPTER + "/history")
@login_required
def history(slug, key):
    """Every revision of the chapter: author, school, time, message; pick two to compare."""
    chapter = _chapter(slug, key)
    revisions = manuscript_store().book(chapter.book.slug).log(chapter.path,
                                                               limit=HISTORY_LIMIT)
    return render_template(
        "editor/history.html", book=chapter.book, chapter=chapter, revisions=revisions,
        authors=authors_by_email(revisions), pushers=pushers_of(chapter.book, revisions),
        locked=_locked(chapter),
        can_edit=can_edit_chapter(current_user, chapter))


@bp.get(CHAPTER + "/diff")
@login_required
def diff(slug, key):
    """Two revisions of the chapter side by side, changed lines highlighted by character."""
    chapter = _chapter(slug, key)
    from_rev, to_rev = request.args.get("from"), request.args.get("to")
    if not from_rev or not to_rev:
        raise Invalid("choose two revisions to compare (from and to)")
    store = manuscript_store()
    old = svc.read_chapter(store, chapter, from_rev)
    new = svc.read_chapter(store, chapter, to_rev)
    return render_template("editor/diff.html", book=chapter.book, chapter=chapter,
                           old=old, new=new, rows=side_by_side(old.content, new.content))


@bp.post(CHAPTER + "/restore")
@login_required
def restore(slug, key):
    """Make an old revision's text the chapter's text again, as a new revision."""
    chapter = _chapter(slug, key)
    rev = request.form.get("rev", "")
    result = restore_chapter(manuscript_store(), chapter, current_user, rev)
    db.session.commit()
    if result.changed:
        flash(_("Restored revision %(rev)s as a new revision.", rev=rev[:10]))
    else:
        flash(_("The chapter already has this text; nothing changed."))
    return redirect(url_for("editor.history", slug=slug, key=key))
