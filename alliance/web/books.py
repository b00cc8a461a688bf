"""Pages for reading books: the dashboard, a book's chapters, a chapter with its history."""
from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from ..manuscripts import books as svc
from ..extensions import manuscript_store
from ..publishing.markdown import IMAGE_FOLDER, render_html

bp = Blueprint("books", __name__)

# Only image types a browser shows as images; anything else in images/ is not served.
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
               "svg": "image/svg+xml"}
# An SVG opened on its own is a document: no scripts, no fetches, only its own styles.
IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'"
# Revision URLs never change content, so browsers may keep them (privately: login needed).
IMMUTABLE = 365 * 24 * 3600
# The chapter page's side list shows the newest revisions; the history page has them all.
SIDE_HISTORY = 20


@bp.get("/")
@login_required
def dashboard():
    """The books the person may read, with how far their chapters are."""
    return render_template("books/dashboard.html", books=svc.visible_books(current_user))


@bp.get("/books/<slug>")
@login_required
def book(slug):
    """A book's chapters in order: state, assignees, last change."""
    book = svc.readable_book(current_user, slug)
    return render_template("books/book.html", book=book)


@bp.get("/books/<slug>/chapters/<key>")
@login_required
def chapter(slug, key):
    """A chapter's text at the head, or at ``?rev=`` (a full commit id), and its history."""
    book = svc.readable_book(current_user, slug)
    chapter = svc.find_chapter(book, key)
    rev = request.args.get("rev") or None
    store = manuscript_store()
    text = svc.read_chapter(store, chapter, rev)

    def image_url(path):
        # Images come from the same commit as the text, so an old revision shows old figures.
        return url_for("books.image", slug=book.slug, rev=text.head,
                       name=path.removeprefix(IMAGE_FOLDER))

    html = Markup(render_html(text.content, image_url=image_url))  # sanitized by nh3
    # One more than shown, to know whether to link to the rest.
    history = store.book(book.slug).log(chapter.path, limit=SIDE_HISTORY + 1)
    return render_template("books/chapter.html", book=book, chapter=chapter, text=text,
                           html=html, history=history[:SIDE_HISTORY], rev=rev,
                           more_history=len(history) > SIDE_HISTORY)


@bp.get("/books/<slug>/files/<rev>/images/<path:name>")
@login_required
def image(slug, rev, name):
    """An image of the book at revision ``rev``, served with a type fixed by its extension."""
    book = svc.readable_book(current_user, slug)
    mimetype = IMAGE_TYPES.get(name.rpartition(".")[2].lower())
    if mimetype is None:
        abort(404)
    data = manuscript_store().book(book.slug).load(IMAGE_FOLDER + name, rev)
    response = Response(data, mimetype=mimetype)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = IMAGE_CSP
    response.cache_control.private = True
    response.cache_control.max_age = IMMUTABLE
    response.cache_control.immutable = True
    return response
