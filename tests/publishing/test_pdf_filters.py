"""The numbering filter (shared by every format) and pandoc's limits."""
import subprocess
import zipfile
from types import SimpleNamespace

import pypandoc
import pytest

from alliance.errors import Invalid
from alliance.publishing import chapter_html
from alliance.publishing.chapter_html import FILTERS, run_pandoc

CHAPTER = """# 第二章　测试

| 甲 | 乙 |
|----|----|
| 1  | 2  |

Table: 表9-9　作者手写了错误的编号

![示意图一](images/a.png)

| 丙 |
|----|
| 3  |

Table: 没有编号的表

![图2-7 也写错了](images/b.png)
"""


def convert(to, folder):
    target = folder / f"out.{to}"
    subprocess.run(
        [pypandoc.get_pandoc_path(), "-f", "markdown", "-t", to, "-o", str(target),
         "--metadata", "chapter-number=2", "--lua-filter", str(FILTERS / "number.lua")],
        input=CHAPTER, capture_output=True, text=True, check=True)
    if to == "docx":
        with zipfile.ZipFile(target) as docx:
            return docx.read("word/document.xml").decode("utf-8")
    return target.read_text("utf-8")


@pytest.mark.parametrize("to", ["html5", "docx", "plain"])
def test_figures_and_tables_are_numbered_in_any_format(to, tmp_path):
    out = convert(to, tmp_path)
    for label in ("表2-1", "表2-2", "图2-1", "图2-2"):
        assert label in out
    assert "表9-9" not in out and "图2-7" not in out


def test_html_numbering_keeps_the_caption_text_and_sets_ids():
    html = run_pandoc(CHAPTER, 2, footnotes_inline=True)
    assert '<table id="tab-2-1">' in html and '<figure id="fig-2-2">' in html
    assert "表2-1</span>　作者手写了错误的编号" in html


def test_footnotes_become_inline_for_print_and_stay_apart_for_html():
    text = "正文[^1]。\n\n[^1]: 注释内容。\n"
    assert '<span class="footnote">注释内容。</span>' in run_pandoc(text, 1, True)
    assert 'id="c3-fn1"' in run_pandoc(text, 3, False)


def test_pandoc_over_its_memory_limit_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(chapter_html, "HEAP", "2m")
    with pytest.raises(Invalid, match="pandoc failed"):
        run_pandoc("段落。\n\n" * 20000, 1, True)


WRAPPED = "第一句。\n第二句，\n继续。\n\nAlpha\nbeta\n"


def test_a_wrapped_chinese_paragraph_prints_without_spaces():
    html = run_pandoc(WRAPPED, 1, footnotes_inline=True)
    assert "第一句。第二句，继续。" in html and "Alpha beta" in html


def test_the_chapter_cache_is_kept_apart_by_how_markdown_is_read(tmp_path, monkeypatch):
    chapter = SimpleNamespace(text=WRAPPED, blob_id="0" * 40)
    assert "第一句。第二句" in chapter_html._cached_pandoc(chapter, 1, True, tmp_path)
    # A cache filled under another reading is not served for this one.
    monkeypatch.setattr(chapter_html, "MARKDOWN", "markdown-raw_html-raw_attribute-raw_tex")
    assert "第一句。 第二句" in chapter_html._cached_pandoc(chapter, 1, True, tmp_path)
