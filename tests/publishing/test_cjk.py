"""Chinese justification (alliance/publishing/cjk.py): flush right edges, kinsoku, extraction.

Every render here is real WeasyPrint with Noto Serif CJK SC; "before" renders run
in a child process that never installs the patch (install() patches the process).
"""
import glob
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pdfplumber
import pypandoc
import pytest

from alliance.publishing import cjk

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted(glob.glob(str(ROOT / "alliance/demo/content/chapters/*.md")))
MM = 72 / 25.4
SIZE = 10.5
# 185 x 260 mm page; the 143.3 mm measure is 38.8 em: lines never fit whole ems.
PAGE_CSS = """
@page { size: 185mm 260mm; margin: 24mm 20mm 22mm 21.7mm; }
html { font-family: "Noto Serif CJK SC"; font-size: 10.5pt; line-height: 1.75; }
body { margin: 0; }
p { margin: 0; text-indent: 2em; text-align: justify; }
"""
LEFT = 21.7 * MM
RIGHT = (185 - 20) * MM
CLOSING = "，。、；：？！）」』》〉】〕］｝”’…"
OPENING = "（「『《〈【〔［｛“‘"

BASELINE = """
import sys, weasyprint
html, css, out = sys.argv[1:4]
weasyprint.HTML(filename=html).write_pdf(out, stylesheets=[weasyprint.CSS(filename=css)])
"""


def render(tmp_path, name, body, css=PAGE_CSS, patched=True):
    """Render ``body`` (HTML) with ``css`` to tmp_path/name.pdf, with or without the patch."""
    html = tmp_path / f"{name}.html"
    html.write_text(f'<html lang="zh-CN"><meta charset="utf-8"><body>{body}</body></html>', encoding="utf-8")
    style = tmp_path / f"{name}.css"
    style.write_text(css, encoding="utf-8")
    out = tmp_path / f"{name}.pdf"
    if patched:
        import weasyprint
        cjk.install()
        weasyprint.HTML(filename=str(html)).write_pdf(
            out, stylesheets=[weasyprint.CSS(filename=str(style))])
    else:
        subprocess.run([sys.executable, "-c", BASELINE, str(html), str(style), str(out)],
                       check=True, cwd=ROOT)
    return out


def rows(path, size=None):
    """Return the PDF's text lines as (page, top, x0, x1, text), chars grouped by top;
    only chars of font ``size`` when given (drops superscripts, notes, tables)."""
    found = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            by_top = defaultdict(list)
            for char in page.chars:
                if size is None or abs(char["size"] - size) < 0.05:
                    by_top[round(char["top"], 1)].append(char)
            for top in sorted(by_top):
                chars = sorted(by_top[top], key=lambda c: c["x0"])
                found.append((page.page_number, top, chars[0]["x0"], chars[-1]["x1"],
                              "".join(c["text"] for c in chars)))
    return found


def full_lines(lines, left_of, right_of, pitch=SIZE * 1.75):
    """Return (line, right-edge deviation) for each full line of a justified paragraph:
    a paragraph line followed, one line pitch below or atop the next page, by a line
    that starts at the left edge (the paragraph goes on; a new one would be indented)."""
    found = []
    for line, after in zip(lines, lines[1:]):
        page, top, x0, x1, _text = line
        if abs(x0 - left_of(page)) > 0.5 and abs(x0 - left_of(page) - 2 * SIZE) > 0.5:
            continue
        same_page = after[0] == page and abs(after[1] - top - pitch) < 0.6
        next_page = after[0] == page + 1
        if (same_page or next_page) and abs(after[2] - left_of(after[0])) < 0.5:
            found.append((line, right_of(page) - x1))
    return found


def stats(found):
    deviations = [abs(d) for _line, d in found]
    return max(deviations), sum(deviations) / len(deviations)


def demo_paragraphs():
    """The demo book's paragraphs (pandoc HTML, inline markup and note calls kept)."""
    paragraphs = []
    for chapter in CHAPTERS:
        html = pypandoc.convert_file(chapter, "html", format="markdown")
        paragraphs += [re.sub(r'\s(id|href)="[^"]*"', "", p)
                       for p in re.findall(r"<p>(.*?)</p>", html, re.S)]
    return paragraphs


def plain(html):
    # Variation selectors (the "↩︎" of note backlinks) are not extracted.
    return re.sub(r"[\s\ufe0e\ufe0f]+", "", re.sub(r"<[^>]+>", "", html))


def squash(text):
    return re.sub(r"\s+", "", text)


def pdftotext(path):
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture(scope="module")
def demo_pair(tmp_path_factory):
    """The demo paragraphs rendered with the patch and without it."""
    folder = tmp_path_factory.mktemp("cjk-demo")
    body = "".join(f"<p>{p}</p>" for p in demo_paragraphs())
    return (render(folder, "after", body), render(folder, "before", body, patched=False))


def test_install_is_idempotent_and_patches_weasyprint():
    from weasyprint.layout import inline
    from weasyprint.text import line_break
    cjk.install()
    patched = inline.justify_line
    set_text = line_break.Layout.set_text
    cjk.install()
    assert cjk.installed()
    assert inline.justify_line is patched is cjk._justify_line
    assert line_break.Layout.set_text is set_text
    assert set_text.__wrapped__.__module__ == "weasyprint.text.line_break"


def test_install_fails_loudly_when_weasyprint_internals_are_missing(monkeypatch):
    from weasyprint.layout import inline
    monkeypatch.setattr(cjk, "_state", {})
    monkeypatch.delattr(inline, "count_expandable_spaces")
    with pytest.raises(cjk.CJKPatchError, match="count_expandable_spaces"):
        cjk.install()


def test_install_fails_loudly_when_text_align_stops_calling_justify_line(monkeypatch):
    from weasyprint.layout import inline
    monkeypatch.setattr(cjk, "_state", {})
    monkeypatch.setattr(inline, "text_align", lambda context, line, width, last: 0)
    with pytest.raises(cjk.CJKPatchError, match="justify_line"):
        cjk.install()


def test_justified_demo_paragraphs_are_flush_and_were_ragged_without_the_fix(demo_pair):
    after, before = demo_pair
    fixed = full_lines(rows(after, SIZE), lambda p: LEFT, lambda p: RIGHT)
    ragged = full_lines(rows(before, SIZE), lambda p: LEFT, lambda p: RIGHT)
    assert len(fixed) > 100 and abs(len(fixed) - len(ragged)) < 10
    worst, mean = stats(fixed)
    print(f"\nright edge deviation, demo paragraphs: with fix max {worst:.2f} pt mean "
          f"{mean:.2f} pt over {len(fixed)} lines; without fix max {stats(ragged)[0]:.2f} pt "
          f"mean {stats(ragged)[1]:.2f} pt over {len(ragged)} lines")
    assert worst < 1, [(line, d) for line, d in fixed if abs(d) >= 1][:5]
    assert stats(ragged)[0] > 5 and stats(ragged)[1] > 1


def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(demo_pair):
    after, _before = demo_pair
    lines = [text for *_rest, text in rows(after)]
    assert len(lines) > 200
    assert [t for t in lines if t[0] in CLOSING] == []
    assert [t for t in lines if t[-1] in OPENING] == []
    # Doubled dashes and ellipses stay on one line.
    assert [(a, b) for a, b in zip(lines, lines[1:])
            if (a[-1], b[0]) in (("—", "—"), ("…", "…"))] == []


def test_kinsoku_holds_at_many_measures(tmp_path):
    paragraphs = demo_paragraphs()[:12]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    bad = []
    for width in (150.3, 163.9, 177.5, 202.1, 241.7, 293.3):
        css = PAGE_CSS + f"p {{ width: {width}pt; }}"
        for *_rest, text in rows(render(tmp_path, f"w{int(width)}", body, css)):
            if text[0] in CLOSING or text[-1] in OPENING:
                bad.append((width, text))
    assert bad == []


def test_a_note_call_does_not_push_closing_punctuation_to_the_next_line(tmp_path):
    # WeasyPrint alone breaks between "¹" and "，" here; the patch keeps "后¹，" together.
    body = ("<p>“新就业形态”这一概念在党和国家的重要文件中提出后<sup>1</sup>，"
            "逐步成为就业政策和劳动保障政策中的常用表述。</p>")
    css = PAGE_CSS + "p { width: 150.3pt; }"
    starts = [t[0] for *_r, t in rows(render(tmp_path, "note", body, css), SIZE)]
    starts0 = [t[0] for *_r, t in rows(render(tmp_path, "note0", body, css, patched=False), SIZE)]
    assert "，" in starts0
    assert not set(starts) & set(CLOSING)


def test_opportunities_follow_chinese_typesetting_rules():
    assert cjk.is_opportunity("中", "文") and cjk.is_opportunity("中", "A")
    assert cjk.is_opportunity("9", "年") and cjk.is_opportunity("文", "，")
    assert not cjk.is_opportunity("A", "b") and not cjk.is_opportunity("1", "2")
    assert not cjk.is_opportunity("—", "—") and not cjk.is_opportunity("…", "…")
    assert not cjk.is_opportunity(None, "中") and not cjk.is_opportunity("中", " ")
    assert not cjk.is_opportunity("中", "\u2060") and not cjk.is_opportunity("中", "\ufe0f")


MIXED = ("平台企业2023年上线的App“蜂鸟众包”在全国300多个城市运营，日均订单超过1,200万单。"
         "劳动者通过 <em>Wi-Fi</em> 或4G网络接单，平台按照GB/T 19001等标准管理服务质量，"
         "并在<strong>第3章</strong>所述的UAX#14规则下完成结算<sup>2</sup>；"
         "有的骑手每天工作10—12小时，收入波动达到30%以上，需要工会依法维护其权益。") * 3


def test_mixed_chinese_latin_and_digit_lines_are_flush(tmp_path):
    css = PAGE_CSS + "p { width: 301.7pt; }"
    body = f"<p>{MIXED}</p><p>{MIXED}</p>"
    fixed = full_lines(rows(render(tmp_path, "mixed", body, css), SIZE),
                       lambda p: LEFT, lambda p: LEFT + 301.7)
    ragged = full_lines(rows(render(tmp_path, "mixed0", body, css, patched=False), SIZE),
                        lambda p: LEFT, lambda p: LEFT + 301.7)
    assert len(fixed) >= 20
    assert stats(fixed)[0] < 1, [(line, d) for line, d in fixed if abs(d) >= 1]
    assert stats(ragged)[0] > 2


def test_left_aligned_and_latin_paragraphs_are_untouched(tmp_path):
    latin = ("Workers on platforms deliver meals, drive cars and carry parcels; the union "
             "helps them claim fair pay, rest and insurance. ") * 6
    body = (f'<p style="text-align: left">{MIXED}</p>'
            f'<p style="text-align: justify" lang="en">{latin}</p>')

    def positions(path):
        with pdfplumber.open(path) as pdf:
            return [(c["text"], round(c["x0"], 2), round(c["top"], 2))
                    for page in pdf.pages for c in page.chars]

    assert positions(render(tmp_path, "left", body)) == positions(
        render(tmp_path, "left0", body, patched=False))


def test_lines_ended_by_a_forced_break_and_last_lines_stay_unjustified(tmp_path):
    text = "平台经济是以互联网平台为主要载体，以数据为关键生产要素的新型经济形态"
    body = f"<p>{text}<br>{text}2024年</p>"
    lines = rows(render(tmp_path, "br", body), SIZE)
    ends = [x1 for _p, _t, _x0, x1, t in lines if t.endswith(("形态", "年"))]
    assert len(ends) == 2 and all(RIGHT - x1 > 5 for x1 in ends)


def test_extraction_gives_the_characters_in_order_without_spaces(demo_pair, tmp_path):
    after, _before = demo_pair
    text = squash(pdftotext(after))
    position = 0
    for paragraph in demo_paragraphs():
        expected = plain(paragraph)
        found = text.find(expected, position)
        assert found >= 0, expected[:40]
        position = found + len(expected)
    assert "\u2060" not in pdftotext(after)
    # A stretched Chinese line (an unbreakable Latin word is pushed to the next line):
    # 0.19 em between characters, four times the demo's widest; still no spaces.
    line = "平台企业通过数字技术汇集供需信息，实现订单的即时匹配和劳动过程"
    body = f"<p>{line}{'x' * 14}实现订单的即时匹配</p>"
    out = render(tmp_path, "wide", body)
    first = rows(out, SIZE)[0]
    assert first[4] == line and RIGHT - first[3] < 1
    assert pdftotext(out).splitlines()[0] == line


def test_the_demo_books_pdf_has_flush_justified_lines(demo_snapshot, tmp_path):
    try:
        from alliance.publishing.pdf import render_pdf
    except ImportError:
        pytest.skip("alliance/publishing/pdf.py (render_pdf) is not there yet")
    from alliance.publishing import profiles
    profile = profiles.get("16k-print")
    out = tmp_path / "demo.pdf"
    render_pdf(demo_snapshot, profile, out)
    # templates/book/print.css: recto (odd) pages have 22 mm left and 20 mm right
    # margins, versos the mirror; pdfplumber measures from the trim box's corner.
    left_of = lambda page: (22 if page % 2 else 20) * MM  # noqa: E731
    right_of = lambda page: (profile.width_mm - (20 if page % 2 else 22)) * MM  # noqa: E731
    lines = rows(out, SIZE)
    found = full_lines(lines, left_of, right_of)
    assert len(found) > 100
    worst, mean = stats(found)
    print(f"\nright edge deviation, demo book PDF: max {worst:.2f} pt mean {mean:.2f} pt "
          f"over {len(found)} lines")
    assert worst < 1, [(line, d) for line, d in found if abs(d) >= 1][:5]
    texts = [text for *_rest, text in rows(out)]
    assert [t for t in texts if t[0] in CLOSING] == []
    assert [t for t in texts if t[-1] in OPENING] == []
