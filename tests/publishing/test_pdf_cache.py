"""Re-exports reuse unchanged chapters; the one-chapter preview shows printed pages."""
import dataclasses
import subprocess

import pytest

from alliance.publishing import profiles
from alliance.publishing.pdf import preview_pdf, render_pdf


def text_of(path):
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_a_re_export_renders_only_the_changed_chapter(small_book_snapshot, tmp_path):
    profile = profiles.get("a5-screen")
    cache = tmp_path / "cache"
    first = render_pdf(small_book_snapshot, profile, tmp_path / "a.pdf", cache_dir=cache)
    assert first.stats["chapters_rendered"] == 3
    again = render_pdf(small_book_snapshot, profile, tmp_path / "b.pdf", cache_dir=cache)
    assert again.stats["chapters_cached"] == 3 and again.pages == first.pages
    chapters = list(small_book_snapshot.chapters)
    changed = chapters[1].text.replace("## 第二节", "本章新增的一段修订文字。\n\n## 第二节", 1)
    chapters[1] = dataclasses.replace(chapters[1], text=changed, blob_id="0" * 40)
    edited = dataclasses.replace(small_book_snapshot, chapters=tuple(chapters))
    third = render_pdf(edited, profile, tmp_path / "c.pdf", cache_dir=cache)
    assert third.stats["chapters_rendered"] == 1 and third.stats["chapters_cached"] == 2
    assert "本章新增的一段修订文字" in text_of(tmp_path / "c.pdf")
    assert "本章新增的一段修订文字" not in text_of(tmp_path / "b.pdf")


def test_generated_book_numbers_figures_and_embeds_the_png(small_book_snapshot, tmp_path):
    out = tmp_path / "g.pdf"
    render_pdf(small_book_snapshot, profiles.get("16k-print"), out)
    text = text_of(out)
    for label in ("图1-1", "图1-2", "图3-2", "表2-2", "表3-1"):
        assert label in text
    images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    assert len([line for line in images if " image " in line]) == 6  # 3 chapters × 2 PNGs


def test_preview_is_one_chapter_as_printed_pages(demo_snapshot, tmp_path):
    out = tmp_path / "p.pdf"
    report = preview_pdf(demo_snapshot, "ch02", profiles.get("16k-print"), out)
    text = text_of(out)
    assert report.pages >= 2
    assert "第二章" in text and "图2-1" in text and "第一章" not in text


def test_preview_of_an_unknown_chapter_says_so(demo_snapshot, tmp_path):
    with pytest.raises(LookupError):
        preview_pdf(demo_snapshot, "ch99", profiles.get("16k-print"), tmp_path / "p.pdf")
