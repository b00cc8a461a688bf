"""Images of a book: checked by content, SVG sanitized, committed to images/ in Git.

A PNG or JPEG must decode with Pillow; an SVG must parse (without DTDs or
entities) and is rewritten keeping only drawing elements and attributes: no
script, no event handlers, no foreignObject, no references outside the file.
The extension of the stored name follows the content, never the upload's name.
"""
import io
import re
import unicodedata
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from ..people import audit
from .books import person
from flask_babel import gettext as _

from ..errors import Forbidden, Invalid
from ..extensions import db
from ..people.permissions import can_upload_image
from ..publishing.markdown import IMAGE_FOLDER
from ..store import check_path
from ..publishing.svg import sanitize_svg

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 60_000_000  # about 8000 x 7500: more is a decompression bomb, not a figure
EXTENSIONS = ("png", "jpg", "svg")


@dataclass(frozen=True)
class CheckedImage:
    """An image fit to store: its kind (png, jpg, svg), bytes, and what sanitizing removed."""

    kind: str
    data: bytes
    removed: tuple = ()


def check_image(data, max_bytes=MAX_IMAGE_BYTES):
    """Return a CheckedImage for PNG, JPEG or SVG ``data``; Invalid says why it is refused."""
    if not data:
        raise Invalid(_("the file is empty"))
    if len(data) > max_bytes:
        raise Invalid(_("the image is larger than %(mb)s MB", mb=max_bytes // (1024 * 1024)))
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return CheckedImage("png", _check_raster(data, "PNG"))
    if data.startswith(b"\xff\xd8\xff"):
        return CheckedImage("jpg", _check_raster(data, "JPEG"))
    clean, removed = sanitize_svg(data)
    return CheckedImage("svg", clean, tuple(removed))


def _check_raster(data, expected):
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected:
                raise Invalid(_("the file's content does not match its kind"))
            if image.width * image.height > MAX_PIXELS:
                raise Invalid(_("the image has too many pixels"))
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() does not decode the pixels; a truncated file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        raise Invalid(_("the image is damaged or not a PNG or JPEG file")) from None
    return data


def safe_name(filename, kind):
    """Return an ASCII file name for an upload called ``filename`` holding a ``kind`` image."""
    stem = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode().lower()
    stem = re.sub(r"[^a-z0-9_-]+", "-", stem).strip("-_")[:60] or "image"
    return f"{stem}.{kind}"


def _free_name(existing, name):
    stem, kind = name.rsplit(".", 1)
    candidate, number = name, 1
    while IMAGE_FOLDER + candidate in existing:
        number += 1
        candidate = f"{stem}-{number}.{kind}"
    return candidate


def list_images(store, book):
    """Return the names of the book's images (relative to images/) at the head."""
    files = store.book(book.slug).list_files(folder=IMAGE_FOLDER)
    return [p.removeprefix(IMAGE_FOLDER) for p in files
            if p.rsplit(".", 1)[-1].lower() in EXTENSIONS + ("jpeg",)]


def upload_image(store, book, user, filename, data, max_bytes=MAX_IMAGE_BYTES):
    """Check and add an image to the book in one commit by ``user``; return (path, CheckedImage).

    The name is made safe ASCII and never replaces an existing image: a taken
    name gets a number (fig.png, fig-2.png, ...).
    """
    if not can_upload_image(user, book):
        raise Forbidden(f"you may not add images to {book.slug}")
    image = check_image(data, max_bytes)
    repo = store.book(book.slug)
    head = repo.resolve()
    name = _free_name(set(repo.list_files(head, IMAGE_FOLDER)), safe_name(filename, image.kind))
    path = check_path(IMAGE_FOLDER + name)
    result = repo.save({path: image.data}, head, person(user), f"Add image {name}")
    book.head_revision = result.revision
    db.session.flush()
    audit.record(audit.IMAGE_UPLOADED, user, target=path, book=book,
                 removed=list(image.removed))
    return path, image


def figure_markdown(path, caption, number=None):
    """Return the Markdown of a figure: ``![图2-1　caption](images/x.png)``."""
    label = f"图{number}" if number else "图"
    caption = re.sub(r"[\[\]\r\n]+", " ", caption or "").strip()
    return f"![{label}\u3000{caption}]({path})" if caption else f"![{label}]({path})"
