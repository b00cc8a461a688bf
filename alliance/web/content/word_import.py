"""Word import pages: upload a .docx, preview the conversion and its diff, then save it."""
import difflib

from flask import (Response, abort, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ...manuscripts import books
from ...manuscripts import word_import as svc
from ...errors import Invalid, NotFound
from ...extensions import db, manuscript_store
from ...publishing.markdown import IMAGE_FOLDER, render_html
from ...store import Conflict
from ...web.books import IMAGE_CSP, IMAGE_TYPES
from ..limits import WORD_IMPORTS, per_person
from .blueprint import bp

SESSION_KEY = "word_imports"


def _chapter(slug, key):
    book = books.readable_book(current_user, slug)
    chapter = books.find_chapter(book, key)
    svc.check_can_import(current_user, chapter)
    return book, chapter


def _slot(chapter):
    return f"{chapter.book_id}/{chapter.key}"


def _folder():
    return svc.pending_folder(current_app.instance_path)


def _pending(chapter):
    """Return (token, record, Converted) of this person's waiting import, or None."""
    token = session.get(SESSION_KEY, {}).get(_slot(chapter))
    if token is None:
        return None
    try:
        return (token, *svc.load(_folder(), token, chapter, current_user))
    except (NotFound, KeyError, ValueError, OSError):  # expired or damaged: nothing waits
        _forget(chapter)
        return None


def _forget(chapter):
    slots = dict(session.get(SESSION_KEY, {}))
    svc.discard(_folder(), slots.pop(_slot(chapter), None))
    session[SESSION_KEY] = slots


@bp.get("/books/<slug>/chapters/<key>/import")
@login_required
def word_import(slug, key):
    """The upload form, or the preview and diff of a conversion waiting for confirmation."""
    book, chapter = _chapter(slug, key)
    pending = _pending(chapter)
    if pending is None:
        return _upload_page(book, chapter)
    token, record, converted = pending
    current = books.read_chapter(manuscript_store(), chapter).content

    def image_url(path):
        if path in converted.images:
            return url_for("content.import_media", slug=slug, key=key,
                           name=path.removeprefix(IMAGE_FOLDER))
        return url_for("books.image", slug=slug, rev=record["base"],
                       name=path.removeprefix(IMAGE_FOLDER))

    preview = Markup(render_html(converted.markdown, image_url=image_url))  # nh3-sanitized
    diff = list(difflib.unified_diff(current.splitlines(), converted.markdown.splitlines(),
                                     _("current text"), _("imported text"), lineterm=""))
    return render_template("content/import_preview.html", book=book, chapter=chapter,
                           record=record, converted=converted, preview=preview, diff=diff)


def _upload_page(book, chapter, error=None, status=200):
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    return render_template("content/import.html", book=book, chapter=chapter, error=error,
                           limit=limit), status


@bp.post("/books/<slug>/chapters/<key>/import")
@login_required
@per_person(WORD_IMPORTS)
def upload_word(slug, key):
    """Convert an uploaded .docx and keep the result for preview (nothing is saved yet)."""
    book, chapter = _chapter(slug, key)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _upload_page(book, chapter, _("Choose a Word file (.docx) to import."), 400)
    store = manuscript_store()
    repo = store.book(book.slug)
    base = repo.resolve()
    try:
        markdown, media = svc.convert(upload.read())
    except Invalid as exc:
        return _upload_page(book, chapter, _("The file was not imported: %(why)s",
                                             why=exc.message), 400)
    converted = svc.prepare(chapter, markdown, media, set(repo.list_files(base, IMAGE_FOLDER)))
    _forget(chapter)
    token = svc.keep(_folder(), chapter, current_user, base, upload.filename[:200], converted)
    session[SESSION_KEY] = {**session.get(SESSION_KEY, {}), _slot(chapter): token}
    return redirect(url_for("content.word_import", slug=book.slug, key=chapter.key))


@bp.post("/books/<slug>/chapters/<key>/import/confirm")
@login_required
def confirm_import(slug, key):
    """Save the waiting conversion as a new revision (``action=save``) or drop it."""
    book, chapter = _chapter(slug, key)
    pending = _pending(chapter)
    if pending is None:
        flash(_("No imported text is waiting; upload the Word file again."))
        return redirect(url_for("content.word_import", slug=book.slug, key=chapter.key))
    _token, record, converted = pending
    if request.form.get("action") != "save":
        _forget(chapter)
        flash(_("The import was discarded; the chapter did not change."))
        return redirect(url_for("books.chapter", slug=book.slug, key=chapter.key))
    try:
        result = svc.land(manuscript_store(), chapter, current_user, record, converted)
    except Conflict:
        flash(_("The chapter was changed by someone else in the same places since you "
                "started the import. Your import is kept: discard it and import again, "
                "or merge by hand in the editor."))
        return redirect(url_for("content.word_import", slug=book.slug, key=chapter.key))
    db.session.commit()
    _forget(chapter)
    flash(_("The Word file was imported as a new revision.") if not result.merged else
          _("The Word file was imported and merged with changes made meanwhile."))
    return redirect(url_for("books.chapter", slug=book.slug, key=chapter.key))


@bp.get("/books/<slug>/chapters/<key>/import/media/<name>")
@login_required
def import_media(slug, key, name):
    """An image of the waiting conversion, for its preview (only to the person importing)."""
    _book, chapter = _chapter(slug, key)
    pending = _pending(chapter)
    data = pending[2].images.get(IMAGE_FOLDER + name) if pending else None
    mimetype = IMAGE_TYPES.get(name.rpartition(".")[2].lower())
    if data is None or mimetype is None:
        abort(404)
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = IMAGE_CSP
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response
