"""A book's images: see them with the Markdown that shows them as figures, upload new ones."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...manuscripts import books
from ...manuscripts import images as svc
from ...errors import Forbidden, Invalid
from ...extensions import db, manuscript_store
from ...people.permissions import can_upload_image
from .blueprint import bp


def _figure_number(book, key):
    """Return 'X-Y' for the next figure of chapter ``key`` (X its place, Y its next figure)."""
    chapter = next((c for c in book.chapters if c.key == key), None)
    if chapter is None:
        return None
    text = books.read_chapter(manuscript_store(), chapter).content
    return f"{book.chapters.index(chapter) + 1}-{text.count('![') + 1}"


@bp.get("/books/<slug>/images")
@login_required
def images(slug):
    """Thumbnails of the book's images and the Markdown to paste for each."""
    book = books.readable_book(current_user, slug)
    return _page(book)


def _page(book, error=None, status=200):
    store = manuscript_store()
    head = store.book(book.slug).resolve()
    added = request.args.get("added")
    names = svc.list_images(store, book)
    snippet = None
    if added in names:
        number = _figure_number(book, request.args.get("chapter"))
        snippet = svc.figure_markdown("images/" + added, request.args.get("caption"), number)
    figures = [(name, svc.figure_markdown("images/" + name, _("Caption"))) for name in names]
    limit = current_app.config.get("IMAGE_MAX_BYTES", svc.MAX_IMAGE_BYTES) // (1024 * 1024)
    return render_template("content/images.html", book=book, head=head, figures=figures,
                           added=added if snippet else None, snippet=snippet, error=error,
                           may_upload=can_upload_image(current_user, book),
                           limit=limit), status


@bp.post("/books/<slug>/images")
@login_required
def upload(slug):
    """Add a PNG, JPEG or SVG (checked by content; SVG sanitized) as one commit."""
    book = books.readable_book(current_user, slug)
    if not can_upload_image(current_user, book):
        raise Forbidden(f"you may not add images to {book.slug}")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(book, _("Choose an image file to upload."), 400)
    limit = current_app.config.get("IMAGE_MAX_BYTES", svc.MAX_IMAGE_BYTES)
    data = upload.read(limit + 1)
    try:
        path, image = svc.upload_image(manuscript_store(), book, current_user,
                                       upload.filename, data, limit)
    except Invalid as exc:
        return _page(book, _("The image was not added: %(why)s", why=exc.message), 400)
    db.session.commit()
    if image.removed:
        flash(_("Unsafe parts of the SVG were removed: %(parts)s",
                parts=", ".join(sorted(set(image.removed)))))
    flash(_("The image was added as %(path)s.", path=path))
    return redirect(url_for("content.images", slug=book.slug,
                            added=path.removeprefix("images/"),
                            caption=request.form.get("caption", "")[:200],
                            chapter=request.form.get("chapter") or None))
