"""One WeasyPrint render, confined: an HTML document string to a PDF file.

Runs in the renderer's process or in a pool worker; takes and returns plain
data so it can cross a process boundary.
"""
import logging
import time

from .fetcher import TEMPLATE_ORIGIN, ConfinedFetcher

try:  # Chinese justification patch, when present (alliance/publishing/cjk.py).
    from . import cjk as _cjk
except ImportError:  # pragma: no cover - before cjk.py exists
    _cjk = None

_installed = False


def install():
    """Apply the CJK typesetting patch once per process (no-op without cjk.py)."""
    global _installed
    if not _installed and _cjk is not None:
        _cjk.install()
    _installed = True


def _variant_options(variant):
    if variant == "pdf/ua-1":
        return {"pdf_variant": variant, "pdf_tags": True}
    if variant.startswith("pdf/x"):
        # No CMYK characterization profile ships with the system: the output
        # intent is WeasyPrint's bundled sRGB, which the printer converts from.
        return {"pdf_variant": variant, "output_intent": "srgb"}
    return {"pdf_variant": variant} if variant else {}


def render(document, images, out_path, variant="", drop_last=True, identifier=b"alliance",
           created=None):
    """Render ``document`` (HTML text) to ``out_path``; return a dict of what happened.

    The result has ``pages`` (count written), ``anchors`` ({id: page index}),
    ``blank`` (indexes of blank pages), ``refused`` (URLs refused) and
    ``variant`` (the PDF variant written, '' when it had to fall back to plain PDF).
    With ``drop_last`` the document's last page (the empty page of its final
    forced break) is not written. ``created`` (a W3C date-time, the commit's) is the
    file's creation and modification time; without it WeasyPrint would stamp the clock's.
    """
    from weasyprint import HTML
    started = time.perf_counter()
    install()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fetcher = ConfinedFetcher(images)
    doc = HTML(string=document, base_url=TEMPLATE_ORIGIN, url_fetcher=fetcher).render()
    pages = doc.pages[:-1] if drop_last and len(doc.pages) > 1 else doc.pages
    kept = doc.copy(pages)
    if created:
        kept.metadata.created = kept.metadata.modified = created
    options = {"pdf_identifier": identifier, "uncompressed_pdf": False}
    written = variant
    try:
        kept.write_pdf(out_path, **options, **_variant_options(variant))
    except Exception:  # noqa: BLE001 - an unsupported variant must not lose the export
        written = ""
        kept.write_pdf(out_path, **options)
    anchors = {}
    for index, page in enumerate(pages):
        for name in page.anchors:
            anchors.setdefault(name, index)
    blank = [i for i, page in enumerate(pages)
             if getattr(getattr(page._page_box, "page_type", None), "blank", False)]
    return {"pages": len(pages), "anchors": anchors, "blank": blank,
            "refused": fetcher.refused, "variant": written,
            "seconds": round(time.perf_counter() - started, 2)}
