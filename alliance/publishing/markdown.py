"""Chapter Markdown to safe HTML for the web pages.

Pandoc reads the Markdown with raw HTML, raw attributes and raw TeX turned
off, so markup in a chapter is shown as text; nh3 then keeps only an explicit
allow-list of tags and attributes, in case pandoc ever lets something through.
Images may only come from the book itself.
"""
import subprocess
from functools import lru_cache
from urllib.parse import quote, unquote

import nh3

from ..store import StoreError, check_path
from .pandoc_run import PandocError, pandoc_path

MARKDOWN = "markdown-raw_html-raw_attribute-raw_tex"
# --sandbox: pandoc may not read or fetch anything while converting.
PANDOC_ARGS = ["--wrap=none", "--sandbox"]
IMAGE_FOLDER = "images/"
# A page view's pandoc: a chapter converts in well under a second and a few MB.
TIMEOUT_S = 30
MEMORY_MB = 512

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
TAGS = _HEADINGS | {
    "p", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "colgroup", "col",
    "figure", "figcaption", "img", "a", "sup", "sub", "section", "hr", "br",
    "span", "div", "dl", "dt", "dd", "del", "ins",
}
ATTRIBUTES = {
    **{h: {"id"} for h in _HEADINGS},
    "img": {"src", "alt", "title"},
    "a": {"href", "id", "role", "class"},
    "section": {"id", "class", "role"},
    "div": {"id", "class"},
    "span": {"id", "class"},
    "pre": {"class"},
    "code": {"class"},
    "li": {"id"},
    "ol": {"start", "type"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
# Links may go to the web, to mail, or within the page (footnotes); never javascript: or data:.
URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=256)
def _pandoc(markdown_text):
    # Keyed by the text alone (a chapter is at most ~100 KB): a page view of an
    # unchanged chapter costs no pandoc process. pandoc is run directly (pypandoc's
    # binary) rather than through pypandoc.convert_text, whose temporary files and
    # checks cost more than the conversion (48 against 33 ms a chapter); a larger
    # allocation area (-A) saves pandoc's runtime another eighth.
    command = [pandoc_path(), "-f", MARKDOWN, "-t", "html5", *PANDOC_ARGS,
               "+RTS", f"-M{MEMORY_MB}m", "-A64m", "-RTS"]
    try:
        done = subprocess.run(command, input=markdown_text.encode("utf-8"),
                              capture_output=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise PandocError(f"pandoc took longer than {TIMEOUT_S} s") from None
    if done.returncode != 0:
        raise PandocError("pandoc failed: " + done.stderr.decode("utf-8", "replace")[:300])
    return done.stdout.decode("utf-8")


def book_image_path(src):
    """Return the book path ``src`` names if it is a file under images/, else None."""
    # Pandoc percent-encodes spaces and the like; the file in Git has the plain name.
    path = unquote(src)
    if not path.startswith(IMAGE_FOLDER):
        return None
    try:
        return check_path(path)
    except StoreError:
        return None


def render_html(markdown_text, image_url=None):
    """Return the sanitized HTML5 fragment for a chapter's Pandoc Markdown.

    No script, event handler, style or raw HTML survives. Every ``img src``
    must be a relative path inside the book's images/ folder; it is passed
    through ``image_url(path)`` (when given) to become a page URL, and any
    other source (http:, data:, absolute paths, ``..``) is dropped.
    """
    if not markdown_text.strip():
        return ""

    def attribute_filter(element, attribute, value):
        if element == "img" and attribute == "src":
            path = book_image_path(value)
            if path is None:
                return None
            return image_url(path) if image_url else quote(path)
        return value

    return nh3.clean(_pandoc(markdown_text), tags=TAGS, attributes=ATTRIBUTES,
                     attribute_filter=attribute_filter, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer", strip_comments=True)
