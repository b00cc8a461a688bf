"""Finishing the EPUB that a sandboxed pandoc wrote: the book's stylesheet and its cover.

Under ``--sandbox`` pandoc's EPUB writer may read no file at all, not even the
stylesheet named by ``--css`` or the picture named by ``--epub-cover-image``. So
pandoc writes the book with its default stylesheet and no cover, and this module
rewrites the package: the stylesheet's content becomes the book design, and the
cover is added as pandoc adds one (a ``cover-image`` item, an SVG cover page
first in the spine, a guide reference). Only files the platform made are added.
The package is written in a fixed form with the commit's time (reproducible.py),
so an edition rebuilt from its tag is the same file byte for byte.
"""
import html
import re

from . import reproducible

STYLESHEET = "EPUB/styles/stylesheet1.css"
OPF = "EPUB/content.opf"
COVER_IMAGE = "media/alliance-cover.png"
COVER_PAGE = "text/alliance-cover.xhtml"
#: The entries that open the package, in this order; the others follow sorted by name.
FIRST = ("mimetype", "META-INF/container.xml", OPF)

_COVER_XHTML = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" \
lang="{lang}" xml:lang="{lang}">
<head>
  <meta charset="utf-8" />
  <title>{title}</title>
  <link rel="stylesheet" type="text/css" href="../styles/stylesheet1.css" />
</head>
<body id="cover">
<div id="cover-image">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" \
version="1.1" width="100%" height="100%" viewBox="0 0 {width} {height}" \
preserveAspectRatio="xMidYMid">
<image width="{width}" height="{height}" xlink:href="../{image}" />
</svg>
</div>
</body>
</html>
"""


def _png_size(data):
    # The IHDR chunk: width and height as big-endian 32-bit numbers at bytes 16-24.
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _with_cover(opf, lang, title):
    opf = opf.replace("</manifest>", (
        f'  <item id="alliance_cover_xhtml" href="{COVER_PAGE}" '
        'media-type="application/xhtml+xml" properties="svg" />\n'
        f'    <item properties="cover-image" id="alliance_cover_png" href="{COVER_IMAGE}" '
        'media-type="image/png" />\n  </manifest>'), 1)
    opf = re.sub(r"(<spine[^>]*>)", r'\1\n    <itemref idref="alliance_cover_xhtml" />', opf,
                 count=1)
    reference = f'<reference type="cover" title="{html.escape(title)}" href="{COVER_PAGE}" />'
    if "</guide>" in opf:
        return opf.replace("</guide>", f"  {reference}\n  </guide>", 1)
    return opf.replace("</package>", f"  <guide>\n    {reference}\n  </guide>\n</package>", 1)


def finish(path, stylesheet, cover=None, lang="zh-CN", title="", epoch=0):
    """Rewrite the EPUB at ``path``: ``stylesheet`` (bytes) as its stylesheet and, with
    ``cover`` (PNG bytes), that cover. The package is written in the fixed form of
    reproducible.write_zip (mimetype first and uncompressed, every entry with the time
    ``epoch``) and the times pandoc's sandbox stamped in content.opf become ``epoch``'s."""
    entries = reproducible.read_zip(path)
    entries[STYLESHEET] = stylesheet
    opf = reproducible.stamp_sandbox_times(entries[OPF].decode("utf-8"), epoch)
    if cover:
        opf = _with_cover(opf, lang, title)
        width, height = _png_size(cover)
        entries["EPUB/" + COVER_IMAGE] = cover
        entries["EPUB/" + COVER_PAGE] = _COVER_XHTML.format(
            lang=html.escape(lang), title=html.escape(title), width=width, height=height,
            image=COVER_IMAGE).encode("utf-8")
    entries[OPF] = opf.encode("utf-8")
    reproducible.write_zip(path, entries, epoch, first=FIRST, stored=("mimetype",))
