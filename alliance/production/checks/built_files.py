"""Pre-publication checks on built files: PDF fonts, PDF page boxes, image resolution, EPUBCheck.

Each function takes a file and returns a list of prepub.Finding (empty when the
file passes). They read the file with the tools a printer would use: pdffonts
and pdfimages (poppler-utils), pikepdf, EPUBCheck.
"""
import subprocess

import pikepdf

from .findings import ERROR, Finding
from ...publishing.epubcheck_run import check_epub

MIN_PPI = 300
BOX_TOLERANCE_PT = 0.5
MM_TO_PT = 72 / 25.4
MAX_LISTED = 20  # a 300-page book with one wrong setting would otherwise list 300 findings
TOOL_TIMEOUT = 300


def _run(args):
    """Return the stdout of a poppler tool; a Finding-worthy RuntimeError when it fails."""
    done = subprocess.run(args, capture_output=True, text=True, timeout=TOOL_TIMEOUT,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()[:300]}")
    return done.stdout


def _table(output):
    """Return the rows (token lists) of a poppler listing after its '----' rule."""
    lines = output.splitlines()
    start = next((i + 1 for i, line in enumerate(lines) if line.startswith("---")), len(lines))
    return [line.split() for line in lines[start:] if line.strip()]


def pdf_fonts(path):
    """Return an error Finding for every font of the PDF at ``path`` that is not embedded."""
    findings = []
    for row in _table(_run(["pdffonts", str(path)])):
        # name type(words) encoding emb sub uni object-number generation
        if len(row) >= 7 and row[-5] != "yes":
            findings.append(Finding(ERROR, "Font %(font)s is not embedded", {"font": row[0]},
                                    where=path.name))
    return findings


def pdf_boxes(path, profile):
    """Return error Findings where the PDF's pages do not have the profile's boxes.

    MediaBox must be the trim size plus twice the bleed and TrimBox the trim size,
    offset by the bleed, within half a point. A screen profile (no bleed) may
    leave TrimBox out.
    """
    trim = (profile.width_mm * MM_TO_PT, profile.height_mm * MM_TO_PT)
    bleed = profile.bleed_mm * MM_TO_PT
    media = (trim[0] + 2 * bleed, trim[1] + 2 * bleed)
    findings, wrong = [], 0
    with pikepdf.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            problem = _page_box_problem(page, media, trim, bleed)
            if problem is None:
                continue
            wrong += 1
            if wrong <= MAX_LISTED:
                template, params = problem
                findings.append(Finding(ERROR, template, {**params, "page": number},
                                        where=f"{path.name} p. {number}"))
        pages = len(pdf.pages)
    if wrong > MAX_LISTED:
        findings.append(Finding(ERROR, "%(count)d of %(pages)d pages have wrong boxes",
                                {"count": wrong, "pages": pages}, where=path.name))
    return findings


def _box(page, name):
    value = page.obj.get(name)
    if value is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in value)
    return min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0)


def _near(a, b):
    return abs(a - b) <= BOX_TOLERANCE_PT


def _size_mm(width, height):
    return f"{width / MM_TO_PT:.1f}×{height / MM_TO_PT:.1f} mm"


def _page_box_problem(page, media, trim, bleed):
    """Return (template, params) naming what is wrong with one page's boxes, or None."""
    mbox = _box(page, "/MediaBox")
    if not (_near(mbox[2], media[0]) and _near(mbox[3], media[1])):
        return ("Page %(page)d: MediaBox is %(actual)s, the profile wants %(expected)s",
                {"actual": _size_mm(*mbox[2:]), "expected": _size_mm(*media)})
    tbox = _box(page, "/TrimBox")
    if tbox is None:
        if bleed == 0:
            return None
        return "Page %(page)d has no TrimBox", {}
    if not (_near(tbox[2], trim[0]) and _near(tbox[3], trim[1])):
        return ("Page %(page)d: TrimBox is %(actual)s, the profile wants %(expected)s",
                {"actual": _size_mm(*tbox[2:]), "expected": _size_mm(*trim)})
    if not (_near(tbox[0] - mbox[0], bleed) and _near(tbox[1] - mbox[1], bleed)):
        return ("Page %(page)d: TrimBox is not centred in the bleed of %(bleed)s mm",
                {"bleed": f"{bleed / MM_TO_PT:g}"})
    return None


def image_resolution(path):
    """Return an error Finding for each raster image printed at under 300 ppi in the PDF."""
    findings, low = [], 0
    for row in _table(_run(["pdfimages", "-list", str(path)])):
        # page num type width height color comp bpc enc interp object ID x-ppi y-ppi size ratio
        if len(row) < 14 or row[2] != "image":
            continue  # masks belong to an image already listed
        ppi = min(int(row[12]), int(row[13]))
        if ppi >= MIN_PPI:
            continue
        low += 1
        if low <= MAX_LISTED:
            findings.append(Finding(
                ERROR, "Image of %(width)s×%(height)s px on page %(page)s prints at "
                "%(ppi)d dpi; at least %(min)d is needed",
                {"width": row[3], "height": row[4], "page": row[0], "ppi": ppi, "min": MIN_PPI},
                where=f"{path.name} p. {row[0]}"))
    if low > MAX_LISTED:
        findings.append(Finding(ERROR, "%(count)d images print under %(min)d dpi",
                                {"count": low, "min": MIN_PPI}, where=path.name))
    return findings


def epubcheck(path):
    """Return an error Finding per EPUBCheck error (fatal included) of the EPUB at ``path``."""
    errors, _warnings = check_epub(path)
    findings = [Finding(ERROR, "EPUBCheck: %(message)s", {"message": str(e)}, where=path.name)
                for e in errors[:MAX_LISTED]]
    if len(errors) > MAX_LISTED:
        findings.append(Finding(ERROR, "EPUBCheck found %(count)d errors",
                                {"count": len(errors)}, where=path.name))
    return findings


def tool_versions():
    """Return {tool: version} for the checking tools, for the delivery manifest."""
    versions = {"pikepdf": pikepdf.__version__}
    for tool in ("pdffonts", "pdfimages"):
        try:
            done = subprocess.run([tool, "-v"], capture_output=True, text=True, timeout=30,
                                  check=False)
            versions[tool] = (done.stderr or done.stdout).splitlines()[0].strip()
        except (OSError, IndexError, subprocess.SubprocessError):
            versions[tool] = "unknown"
    return versions
