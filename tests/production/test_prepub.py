"""The file checks on purpose-built PDFs and EPUBs (fonts, page boxes, image resolution,
EPUBCheck) and how a report names what failed. The checks on real books are in
test_delivery.py."""
import zipfile

import pikepdf
import pytest

from alliance.production.checks import gate, built_files
from alliance.production.checks.findings import ERROR, CheckFailed, CheckResult, Finding, Report
from alliance.publishing import profiles

PT = 72 / 25.4


def _pdf(path, media, trim=None, content=b"", resources=None):
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=media)
    if trim is not None:
        page.obj.TrimBox = pikepdf.Array(trim)
    if content:
        page.obj.Contents = pdf.make_stream(content)
        page.obj.Resources = pikepdf.Dictionary(resources(pdf))
    pdf.save(path)
    return path


def _16k(bleed=3):
    w, h = 185 * PT, 260 * PT
    return (w + 2 * bleed * PT, h + 2 * bleed * PT), [bleed * PT, bleed * PT,
                                                      w + bleed * PT, h + bleed * PT]


def test_page_boxes_match_the_print_profile(tmp_path):
    media, trim = _16k()
    good = _pdf(tmp_path / "good.pdf", media, trim)
    assert built_files.pdf_boxes(good, profiles.get("16k-print")) == []
    [wrong] = built_files.pdf_boxes(good, profiles.get("a4-print"))
    assert wrong.level == ERROR
    assert wrong.message == "Page 1: MediaBox is 191.0×266.0 mm, the profile wants 216.0×303.0 mm"
    [no_trim] = built_files.pdf_boxes(_pdf(tmp_path / "n.pdf", media), profiles.get("16k-print"))
    assert no_trim.message == "Page 1 has no TrimBox"
    off = _pdf(tmp_path / "off.pdf", media, [0, 0, 185 * PT, 260 * PT])
    assert "not centred in the bleed of 3 mm" in built_files.pdf_boxes(
        off, profiles.get("16k-print"))[0].message
    screen = _pdf(tmp_path / "screen.pdf", (185 * PT, 260 * PT))
    assert built_files.pdf_boxes(screen, profiles.get("16k-screen")) == []


def test_a_font_that_is_not_embedded_is_named(tmp_path):
    def fonts(pdf):
        return {"/Font": pikepdf.Dictionary(F1=pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica))}

    path = _pdf(tmp_path / "font.pdf", (200, 200), content=b"BT /F1 12 Tf 20 20 Td (Hi) Tj ET",
                resources=fonts)
    [finding] = built_files.pdf_fonts(path)
    assert finding.message == "Font Helvetica is not embedded" and finding.where == "font.pdf"


@pytest.mark.parametrize("pixels, ppi", [(100, 100), (400, 400)])
def test_images_are_measured_at_their_printed_size(tmp_path, pixels, ppi):
    def image(pdf):
        stream = pdf.make_stream(b"\x80" * (pixels * pixels * 3))
        stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        stream.Width, stream.Height, stream.BitsPerComponent = pixels, pixels, 8
        stream.ColorSpace = pikepdf.Name.DeviceRGB
        return {"/XObject": pikepdf.Dictionary(Im1=stream)}

    # Drawn one inch (72 pt) square: the printed resolution is the pixel count.
    path = _pdf(tmp_path / "img.pdf", (200, 200), content=b"q 72 0 0 72 10 10 cm /Im1 Do Q",
                resources=image)
    findings = built_files.image_resolution(path)
    if ppi >= 300:
        assert findings == []
    else:
        [finding] = findings
        assert finding.message == ("Image of 100×100 px on page 1 prints at 100 dpi; "
                                   "at least 300 is needed")


def test_epubcheck_errors_are_findings(tmp_path):
    path = tmp_path / "broken.epub"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/container.xml",
                    '<?xml version="1.0"?><container version="1.0" '
                    'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
                    '<rootfile full-path="EPUB/missing.opf" '
                    'media-type="application/oebps-package+xml"/></rootfiles></container>')
    findings = built_files.epubcheck(path)
    assert findings and all(f.level == ERROR for f in findings)
    assert any("missing.opf" in f.message for f in findings)
    assert all(f.message.startswith("EPUBCheck: ") for f in findings)


def test_an_unreadable_file_fails_its_check_instead_of_crashing(tmp_path):
    path = tmp_path / "junk.pdf"
    path.write_bytes(b"not a pdf")
    for key in ("pdf_fonts", "pdf_boxes", "image_resolution"):
        result = CheckResult(key, dict(gate.CHECKS)[key])
        gate._file_check(result, {"pdf": [gate.Built("pdf", path, "16k-print")]})
        assert result.status == "failed" and "junk.pdf could not be read" in \
            result.errors[0].message
    result = CheckResult("epubcheck", "EPUBCheck reports no errors")
    gate._file_check(result, {"pdf": []})
    assert result.status == "skipped"


def test_check_failed_names_each_failed_check_and_its_first_finding():
    report = Report("b", "0" * 40, "2026-1", [
        CheckResult("review", "All chapters approved through every review stage"),
        CheckResult("isbn", "ISBN check digit", [Finding(
            ERROR, "ISBN %(isbn)s is not valid: its check digit should be %(digit)s",
            {"isbn": "9787500876545", "digit": "0"}, "book.yaml")]),
        CheckResult("punctuation", "Chinese punctuation", [
            Finding(ERROR, "Repeated punctuation %(text)s", {"text": "。。"}, "a.md:1"),
            Finding(ERROR, "Repeated punctuation %(text)s", {"text": "，，"}, "a.md:2"),
            Finding("warning", "Repeated punctuation %(text)s", {"text": "！！"})]),
    ])
    assert not report.ok and [r.status for r in report.results] == ["passed", "failed", "failed"]
    with pytest.raises(CheckFailed) as refused:
        gate.require(report)
    assert refused.value.message == (
        "pre-publication check failed: ISBN check digit: ISBN 9787500876545 is not valid: its "
        "check digit should be 0 (book.yaml); Chinese punctuation: Repeated punctuation 。。 "
        "(a.md:1) and 1 more")
    assert refused.value.details["checks"] == ["isbn", "punctuation"]
    assert report.as_dict()["checks"][1]["findings"][0]["where"] == "book.yaml"
