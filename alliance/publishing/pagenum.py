"""Page numbers stamped onto finished pages, built from ten rendered digits.

Rendering a separate page for every number costs as much as a small book, so
WeasyPrint renders the ten digits once per profile (tabular figures, so each
has the same advance, in the body font, embedded like every other glyph) and
each page number is composed from those digit pages as Form XObjects, centred
at the foot of the page. Both documents share the profile's page box, so no
coordinate conversion is needed.
"""
import pdfplumber
import pikepdf

from . import book_html, weasy

FOOT_MM = 11
FONT_PT = 9
MM = 72 / 25.4


def digits_document(profile):
    """Return a document whose page k holds digit k alone, its left edge at the page centre."""
    css = ("@page { margin: 0; } html, body { margin: 0; }"
           f".d {{ position: relative; height: {profile.height_mm}mm; break-after: page; }}"
           f".d span {{ position: absolute; left: {profile.width_mm / 2}mm; bottom: {FOOT_MM}mm;"
           f" font: {FONT_PT}pt 'Noto Serif CJK SC'; font-variant-numeric: tabular-nums; }}")
    # An eleventh page of "00" measures the advance (the glyph box is narrower).
    body = "".join(f'<div class="d"><span>{k}</span></div>' for k in [*range(10), "00"])
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>'
            f"{book_html.page_css(profile)}{css}</style></head><body>{body}</body></html>")


def render_digits(profile, path):
    """Render the digit pages to ``path``; return the digits' advance width in points."""
    weasy.render(digits_document(profile), {}, str(path), "", drop_last=False)
    with pdfplumber.open(path) as pdf:
        first, second = [c for c in pdf.pages[10].chars if c["text"] == "0"][:2]
        return second["x0"] - first["x0"]


class Stamper:
    """Stamps numbers onto pages of ``book`` from the digit pages at ``digits_path``."""

    def __init__(self, book, digits_path, advance):
        self.book = book
        self.advance = advance
        self._source = pikepdf.Pdf.open(digits_path)
        # One local copy of each digit, shared by every page that shows it.
        self.forms = [book.copy_foreign(page.as_form_xobject()) for page in self._source.pages[:10]]

    def stamp(self, page, number):
        """Draw ``number`` centred at the foot of ``page``."""
        text = str(number)
        start = -self.advance * len(text) / 2
        ops = []
        for i, ch in enumerate(text):
            name = page.add_resource(self.forms[int(ch)], pikepdf.Name.XObject,
                                     pikepdf.Name(f"/AllianceDigit{ch}"))
            ops.append(f"q 1 0 0 1 {start + i * self.advance:.3f} 0 cm {name} Do Q")
        page.contents_add(b"q\n", prepend=True)
        page.contents_add(("\nQ\n" + "\n".join(ops) + "\n").encode("ascii"))

    def close(self):
        """Release the digit pages."""
        self._source.close()
