"""WeasyPrint's confined URL fetcher: the snapshot's images, the book templates, nothing else.

Chapter HTML names book images as BOOK_ORIGIN + "images/..." (a reserved
.invalid host that is never contacted) and the design's files as
TEMPLATE_ORIGIN + name. Every other URL (file:, http(s):, data:, ftp:, a path
outside templates/book/) is refused and noted, so a render cannot read the
server's files or reach the network, and there are no redirects to follow.
"""
import mimetypes

from weasyprint.urls import URLFetcher, URLFetcherResponse

from .chapter_html import BOOK_ORIGIN, TEMPLATES

TEMPLATE_ORIGIN = "https://templates.invalid/"


class Refused(Exception):
    """A URL the render may not read."""


class ConfinedFetcher(URLFetcher):
    """Serve ``images`` ({"images/x.png": bytes}) and templates/book/ files; refuse the rest.

    ``refused`` lists every URL turned away, for the render report.
    """

    def __init__(self, images):
        super().__init__(allowed_protocols=("https",), allow_redirects=False)
        self.images = images
        self.refused = []

    def fetch(self, url, headers=None):
        """Return the response for an allowed URL; raise Refused for any other."""
        body = None
        if url.startswith(BOOK_ORIGIN):
            body = self.images.get(url[len(BOOK_ORIGIN):])
        elif url.startswith(TEMPLATE_ORIGIN):
            body = _template_file(url[len(TEMPLATE_ORIGIN):])
        if body is None:
            self.refused.append(url[:200])
            raise Refused(f"{url[:200]} is outside the book")
        mime = mimetypes.guess_type(url)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})


def _template_file(name):
    root = TEMPLATES.resolve()
    path = (root / name).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path.read_bytes()


def template_text(name):
    """Return the text of templates/book/<name>."""
    return (TEMPLATES / name).read_text("utf-8")

