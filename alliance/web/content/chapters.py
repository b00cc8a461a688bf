"""The book's contents page: editors create, rename, reorder, delete and restore chapters."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...manuscripts import books
from ...manuscripts import chapters as svc
from ...errors import Forbidden, Invalid
from ...extensions import db, manuscript_store
from ...models import BookRole
from ...people.permissions import can_manage_book
from .blueprint import bp


def _managed_book(slug):
    book = books.readable_book(current_user, slug)
    if not can_manage_book(current_user, book):
        raise Forbidden(f"only the editors of {slug} may manage its chapters")
    return book


def _page(book, status=200, error=None, form=None):
    store = manuscript_store()
    return render_template(
        "content/contents.html", book=book, error=error, form=form or {},
        authors=books.members_with_role(book, BookRole.AUTHOR),
        deleted=svc.deleted_chapters(store, book)), status


@bp.get("/books/<slug>/contents")
@login_required
def contents(slug):
    """The chapters in order with their management forms, and the deleted chapters."""
    return _page(_managed_book(slug))


@bp.post("/books/<slug>/contents")
@login_required
def create(slug):
    """Add a chapter: id, title and optional assignees (authors of the book)."""
    book = _managed_book(slug)
    authors = {str(u.id): u for u in books.members_with_role(book, BookRole.AUTHOR)}
    chosen = [authors[i] for i in request.form.getlist("assignees") if i in authors]
    key = (request.form.get("key") or "").strip()
    try:
        chapter = svc.create(manuscript_store(), book, key, request.form.get("title"),
                             chosen, current_user)
    except Invalid as exc:
        return _page(book, 400, _("The chapter was not created: %(why)s", why=exc.message),
                     request.form)
    db.session.commit()
    flash(_("Chapter %(title)s was added.", title=chapter.title))
    return redirect(url_for("content.contents", slug=book.slug))


@bp.post("/books/<slug>/chapters/<key>/rename")
@login_required
def rename(slug, key):
    """Give a chapter a new title."""
    book = _managed_book(slug)
    chapter = books.find_chapter(book, key)
    svc.rename(manuscript_store(), chapter, request.form.get("title"), current_user)
    db.session.commit()
    flash(_("The chapter is now called %(title)s.", title=chapter.title))
    return redirect(url_for("content.contents", slug=book.slug))


@bp.post("/books/<slug>/chapters/<key>/move")
@login_required
def move(slug, key):
    """Move a chapter one place up or down, or to a numbered position (1 = first)."""
    book = _managed_book(slug)
    chapter = books.find_chapter(book, key)
    direction = request.form.get("direction")
    if direction in ("up", "down"):
        position = chapter.position + (-1 if direction == "up" else 1)
    else:
        try:
            position = int(request.form.get("position", "")) - 1
        except ValueError:
            raise Invalid("position must be a number") from None
    svc.move(manuscript_store(), chapter, position, current_user)
    db.session.commit()
    return redirect(url_for("content.contents", slug=book.slug))


@bp.post("/books/<slug>/chapters/<key>/delete")
@login_required
def delete(slug, key):
    """Delete a chapter (a commit; it can be restored from the list of deleted chapters)."""
    book = _managed_book(slug)
    chapter = books.find_chapter(book, key)
    title = chapter.title
    try:
        svc.delete(manuscript_store(), chapter, current_user)
    except Invalid:
        return _page(book, 409, _("Chapter %(title)s has review records (transitions or "
                                  "comments) and cannot be deleted.", title=title))
    db.session.commit()
    flash(_("Chapter %(title)s was deleted. You can restore it below.", title=title))
    return redirect(url_for("content.contents", slug=book.slug))


@bp.post("/books/<slug>/contents/restore")
@login_required
def restore(slug):
    """Bring back a deleted chapter with its text, at the end of the book."""
    book = _managed_book(slug)
    chapter = svc.restore(manuscript_store(), book, request.form.get("key") or "",
                          request.form.get("revision") or "", current_user)
    db.session.commit()
    flash(_("Chapter %(title)s was restored at the end of the book.", title=chapter.title))
    return redirect(url_for("content.contents", slug=book.slug))
