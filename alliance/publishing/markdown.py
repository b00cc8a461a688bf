"""Chapter Markdown to safe HTML for the web pages.

Pandoc reads the Markdown with raw HTML, raw attributes and raw TeX turned
off, so markup in a chapter is shown as text; nh3 then keeps only an explicit
allow-list of tags and attributes, in case pandoc ever lets something through.
Images may only come from the book itself. Text nested deeper than
nesting.MAX_DEPTH (which saves refuse) is shown as plain text, so an old revision
or a pushed file of that kind cannot tie pandoc up.
"""
from functools import lru_cache
from urllib.parse import quote, unquote

import nh3

from .nesting import plain_markdown, too_deep
from ..store import StoreError, check_path
from .pandoc_lua import markdown_to_html
IMAGE_FOLDER = "images/"

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
    # unchanged chapter costs no conversion at all.
    return markdown_to_html(markdown_text)


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

    if too_deep(markdown_text):
        markdown_text = plain_markdown(markdown_text)
    return nh3.clean(_pandoc(markdown_text), tags=TAGS, attributes=ATTRIBUTES,
                     attribute_filter=attribute_filter, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer", strip_comments=True)
