"""The print-ready PDF of the demo book: fonts, boxes, text, contents, chapters, footnotes."""
import re
import subprocess

import pdfplumber
import pikepdf
import pytest

from alliance.publishing import profiles
from alliance.publishing.pdf import render_pdf

MM = 72 / 25.4


@pytest.fixture(scope="module")
def demo_pdf(demo_snapshot, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf")
    out = folder / "book.pdf"
    report = render_pdf(demo_snapshot, profiles.get("16k-print"), out, cache_dir=folder / "cache")
    return out, report, folder / "cache"


def page_texts(path):
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")[:-1]


def squash(text):
    return re.sub(r"\s+", "", text)


def test_every_font_is_embedded(demo_pdf):
    out, report, _cache = demo_pdf
    lines = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert lines, "the book uses fonts"
    for line in lines:
        assert re.search(r"\byes\s+yes\s+yes\b", line), line  # embedded, subset, unicode map
    assert any("NotoSerifCJK" in f for f in report.fonts)
    assert any("Noto-Serif-CJK-SC" in line for line in lines)
    assert any("Noto-Sans-CJK-SC" in line for line in lines)


def test_media_box_is_trim_plus_bleed_and_trim_box_is_trim(demo_pdf):
    out, report, _cache = demo_pdf
    trim = (185 * MM, 260 * MM)
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == report.pages
        for page in pdf.pages:
            media = [float(v) for v in page.mediabox]
            box = [float(v) for v in page.obj.TrimBox]
            assert media[2] - media[0] == pytest.approx(trim[0] + 6 * MM, abs=0.5)
            assert media[3] - media[1] == pytest.approx(trim[1] + 6 * MM, abs=0.5)
            assert box[2] - box[0] == pytest.approx(trim[0], abs=0.5)
            assert box[3] - box[1] == pytest.approx(trim[1], abs=0.5)
        assert "/OutputIntents" in pdf.Root  # the PDF/X output intent survives the merge
    assert report.stats["pdf_variant"] == "pdf/x-4"


def test_chinese_text_extracts(demo_pdf, demo_snapshot):
    out, _report, _cache = demo_pdf
    whole = squash("".join(page_texts(out)))
    assert squash(demo_snapshot.title) in whole
    assert "外卖骑手、快递小哥、网约车司机" in whole
    assert "版次" in whole and "印次" in whole and "主编" in whole and "中国工人出版社" in whole


def chapter_pages(texts, snapshot):
    """Return the 0-based page index where each chapter's heading opens a page."""
    starts = []
    for chapter in snapshot.chapters:
        heading = squash(chapter.text.splitlines()[0].lstrip("# "))
        starts.append(next(i for i, t in enumerate(texts) if squash(t).startswith(heading)))
    return starts


def printed_number(text):
    return int([line for line in text.splitlines() if line.strip()][-1])


def test_chapters_open_on_odd_pages_and_the_contents_point_at_them(demo_pdf, demo_snapshot):
    out, report, _cache = demo_pdf
    texts = page_texts(out)
    starts = chapter_pages(texts, demo_snapshot)
    assert all((i + 1) % 2 == 1 for i in starts), starts
    numbers = [printed_number(texts[i]) for i in starts]
    assert numbers[0] == 1 and all(n % 2 == 1 for n in numbers)
    front = report.stats["front_pages"]
    # Contents entries for chapters are set in the bold sans: their right-hand number is the page.
    listed = []
    with pdfplumber.open(out) as pdf:
        for page in pdf.pages[:front]:
            words = page.extract_words(extra_attrs=["fontname"])
            for word in words:
                if word["text"].isdigit() and word["x0"] > page.width * 0.7:
                    line = [w for w in words if abs(w["top"] - word["top"]) < 2 and w is not word]
                    if line and all("Sans-CJK-SC-Bold" in w["fontname"] for w in line):
                        listed.append(int(word["text"]))
    assert listed == numbers


def test_footnotes_sit_on_the_page_of_their_call(demo_pdf, demo_snapshot):
    out, _report, _cache = demo_pdf
    raw = page_texts(out)
    texts = [squash(t) for t in raw]
    starts = chapter_pages(raw, demo_snapshot) + [len(raw)]
    checked = 0
    for n, chapter in enumerate(demo_snapshot.chapters):
        for match in re.finditer(r"\[\^(\d+)\](?!:)", chapter.text):
            before = squash(re.sub(r"[*_]", "", chapter.text[:match.start()]))[-24:]
            note = re.search(rf"^\[\^{match.group(1)}\]:\s*(.+)$", chapter.text, re.M).group(1)
            note_start = squash(note)[:12]
            pages = [i for i in range(starts[n], starts[n + 1]) if before in texts[i]]
            assert pages, before
            assert note_start in texts[pages[0]], (chapter.key, note_start)
            checked += 1
    assert checked >= 5


def test_figures_and_tables_are_numbered_per_chapter(demo_pdf):
    out, _report, _cache = demo_pdf
    whole = "".join(page_texts(out))
    for label in ("表1-1", "表2-1", "图2-1", "表3-1", "表4-1"):
        assert label in whole
    assert "表1-2" not in whole  # the hand-typed 表1-1 was renumbered, not doubled


def test_a_final_export_has_no_watermark_and_a_proof_has_it_on_every_page(
        demo_pdf, demo_snapshot, tmp_path):
    out, _report, cache = demo_pdf
    assert not any("校样" in t for t in chars_by_page(out))
    proof = tmp_path / "proof.pdf"
    report = render_pdf(demo_snapshot, profiles.get("16k-print"), proof, proof=True,
                        cache_dir=cache)
    texts = chars_by_page(proof)
    assert len(texts) == report.pages
    assert all("校样" in t for t in texts)


def chars_by_page(path):
    # pdftotext leaves out diagonal text such as the watermark; pdfplumber sees every glyph.
    with pdfplumber.open(path) as pdf:
        return ["".join(c["text"] for c in page.chars) for page in pdf.pages]
