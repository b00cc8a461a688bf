"""Export profiles: trim size, bleed, crop marks and PDF variant.

A profile name is ``<trim>-<medium>``: ``16k-print``, ``a4-screen``. Print
profiles have a 3 mm bleed, crop marks and aim at PDF/X-4; screen profiles have
neither and aim at a tagged PDF (PDF/UA-1) where WeasyPrint can.
"""
from dataclasses import dataclass

from ..errors import Invalid

#: Trim sizes in millimetres (width, height), keyed by the name book.yaml's ``trim`` uses.
TRIMS = {
    "16k": (185, 260),     # 16开
    "da16k": (210, 285),   # 大16开
    "b5": (176, 250),
    "a4": (210, 297),
    "a5": (148, 210),
}
TRIM_LABELS = {"16k": "16开 185×260", "da16k": "大16开 210×285", "b5": "B5 176×250",
               "a4": "A4 210×297", "a5": "A5 148×210"}
MEDIA = ("print", "screen")
PRINT_BLEED_MM = 3


@dataclass(frozen=True)
class Profile:
    """How a PDF is laid out and what kind of file it is."""
    name: str            #: e.g. 16k-print
    trim: str            #: a key of TRIMS
    medium: str          #: print | screen
    width_mm: float      #: trim width
    height_mm: float     #: trim height
    bleed_mm: float      #: 3 for print, 0 for screen
    marks: bool          #: crop marks (print only)
    pdf_variant: str     #: pdf/x-4 for print, pdf/ua-1 for screen ('' for plain PDF)


def get(name):
    """Return the Profile called ``name`` (``<trim>-<medium>``); Invalid for an unknown one."""
    trim, _, medium = (name or "").partition("-")
    if trim not in TRIMS or medium not in MEDIA:
        raise Invalid(f"unknown profile {name!r}: use one of {', '.join(names())}")
    width, height = TRIMS[trim]
    printed = medium == "print"
    return Profile(name, trim, medium, width, height, PRINT_BLEED_MM if printed else 0,
                   printed, "pdf/x-4" if printed else "pdf/ua-1")


def names():
    """Return every profile name, print first."""
    return [f"{trim}-{medium}" for medium in MEDIA for trim in TRIMS]


def default_for(meta):
    """Return the print profile for the trim size book.yaml names (16开 when it names none)."""
    trim = meta.get("trim") if meta.get("trim") in TRIMS else "16k"
    return get(f"{trim}-print")
