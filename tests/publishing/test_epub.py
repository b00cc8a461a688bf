"""The EPUB 3 edition: EPUBCheck-clean, metadata, navigation, cover, numbering, proof notice."""
import io
import re
import shutil
import zipfile

import pytest
from PIL import Image

from alliance.publishing import pandoc_book, snapshot
from alliance.publishing.epub import render_epub
from alliance.publishing.epubcheck_run import EpubCheckUnavailable, check_epub
from alliance.publishing.pandoc_book import identifier
from bookgen import make_book


@pytest.fixture(scope="module")
def demo_epub(demo_snapshot, tmp_path_factory):
    folder = tmp_path_factory.mktemp("epub")
    out = folder / "demo.epub"
    report = render_epub(demo_snapshot, out, cache_dir=folder / "cache")
    return out, report


@pytest.fixture(scope="module")
def bench_epub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench-epub")
    snap = snapshot.take(make_book(folder / "store", slug="bench", chapters=12), "bench")
    out = folder / "bench.epub"
    return out, render_epub(snap, out), snap


def members(path):
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def text_of(path, name):
    return members(path)[name].decode("utf-8")


def chapter_files(files):
    return sorted(n for n in files if re.fullmatch(r"EPUB/text/ch\d+\.xhtml", n))


def test_demo_epub_passes_epubcheck_without_errors_or_warnings(demo_epub):
    out, report = demo_epub
    errors, warnings = check_epub(out)
    assert errors == [] and warnings == []
    assert report.skipped == []


def test_benchmark_book_epub_passes_epubcheck(bench_epub):
    out, report, snap = bench_epub
    errors, warnings = check_epub(out)
    assert errors == [] and warnings == []
    files = members(out)
    # The preface from book.yaml, then one file per chapter.
    assert len(chapter_files(files)) == 1 + len(snap.chapters)
    assert report.stats["images_embedded"] == len(snap.images)


def test_metadata_identifies_the_book(demo_epub, demo_snapshot, bench_epub):
    opf = text_of(demo_epub[0], "EPUB/content.opf")
    assert "<dc:title" in opf and "新就业形态劳动者权益保障</dc:title>" in opf
    assert "<dc:language>zh-CN</dc:language>" in opf
    assert "<dc:publisher>中国工人出版社</dc:publisher>" in opf
    for editor in demo_snapshot.meta["editors"]:
        assert f">{editor}</dc:creator>" in opf
    assert opf.count("marc:relators\">edt</meta>") == len(demo_snapshot.meta["editors"])
    # No ISBN in the demo's book.yaml: a uuid that stays the same for the same book.
    uid = identifier(demo_snapshot.meta, demo_snapshot.slug)
    assert uid.startswith("urn:uuid:") and uid == identifier({}, demo_snapshot.slug)
    assert uid != identifier({}, "another-book")
    assert f">{uid}</dc:identifier>" in opf
    bench_opf = text_of(bench_epub[0], "EPUB/content.opf")
    assert ">urn:isbn:9787500800000</dc:identifier>" in bench_opf
    assert ">2026-01</dc:date>" in bench_opf


def test_navigation_lists_every_chapter_in_its_own_file(demo_epub, demo_snapshot):
    files = members(demo_epub[0])
    nav = files["EPUB/nav.xhtml"].decode()
    assert "目录" in nav
    chapters = chapter_files(files)
    assert len(chapters) == len(demo_snapshot.chapters)
    for name, chapter in zip(chapters, demo_snapshot.chapters):
        body = files[name].decode()
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S).group(1)
        assert chapter.title in heading
        assert chapter.title in nav
    assert "EPUB/toc.ncx" in files


def test_cover_is_a_png_image_and_the_stylesheet_is_the_book_design(demo_epub):
    files = members(demo_epub[0])
    opf = files["EPUB/content.opf"].decode()
    href = re.search(r'properties="cover-image"[^>]*href="([^"]+)"', opf).group(1)
    cover = Image.open(io.BytesIO(files["EPUB/" + href]))
    assert cover.format == "PNG" and cover.size == (1600, 2400)
    css = next(v.decode() for k, v in files.items() if k.endswith(".css"))
    assert "Noto Serif CJK SC" in css and "text-indent: 2em" in css


def test_figures_and_tables_are_numbered_per_chapter_and_images_come_from_the_book(
        demo_epub, demo_snapshot):
    files = members(demo_epub[0])
    chapters = chapter_files(files)
    ch2 = files[chapters[1]].decode()
    assert re.search(r'<span class="caption-label">表2-1</span>', ch2)
    assert re.search(r'<figcaption[^>]*><span class="caption-label">图2-1</span>', ch2)
    assert '<span class="caption-label">表4-1</span>' in files[chapters[3]].decode()
    media = {k: v for k, v in files.items() if k.startswith("EPUB/media/")}
    svg = demo_snapshot.images["images/fig-2-1.svg"]
    assert svg in media.values()
    # Besides the book's own figure, only the generated cover.
    assert len(media) == len(demo_snapshot.images) + 1


def test_footnotes_stay_with_their_chapter(demo_epub):
    files = members(demo_epub[0])
    ch2 = files[chapter_files(files)[1]].decode()
    assert 'epub:type="footnote"' in ch2 and 'epub:type="noteref"' in ch2


def test_proof_edition_shows_a_notice_in_every_chapter(demo_snapshot, demo_epub, tmp_path):
    out = tmp_path / "proof.epub"
    render_epub(demo_snapshot, out, proof=True)
    files = members(out)
    for name in chapter_files(files):
        assert "proof-notice" in files[name].decode() and "校样" in files[name].decode()
    assert "（校样）" in files["EPUB/content.opf"].decode()
    plain = members(demo_epub[0])
    assert not any("校样" in plain[n].decode() for n in chapter_files(plain))


def test_cache_gives_the_same_chapters(demo_snapshot, tmp_path):
    first, second = tmp_path / "a.epub", tmp_path / "b.epub"
    render_epub(demo_snapshot, first, cache_dir=tmp_path / "cache")
    assert list((tmp_path / "cache").rglob("*.json"))
    render_epub(demo_snapshot, second, cache_dir=tmp_path / "cache")
    a, b = members(first), members(second)
    assert [a[n] for n in chapter_files(a)] == [b[n] for n in chapter_files(b)]


def _rezip(source, target, drop=(), replace=None):
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            data = (replace or {}).get(info.filename, src.read(info.filename))
            kind = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            dst.writestr(info.filename, data, compress_type=kind)


def test_epubcheck_reports_a_missing_container(demo_epub, tmp_path):
    broken = tmp_path / "no-container.epub"
    _rezip(demo_epub[0], broken, drop={"META-INF/container.xml"})
    errors, _warnings = check_epub(broken)
    assert errors and any("container.xml" in e for e in errors)


def test_epubcheck_reports_malformed_xhtml(demo_epub, tmp_path):
    files = members(demo_epub[0])
    name = chapter_files(files)[0]
    bad = files[name].decode().replace("</h1>", "", 1).encode()
    broken = tmp_path / "malformed.epub"
    _rezip(demo_epub[0], broken, replace={name: bad})
    errors, _warnings = check_epub(broken)
    assert errors and any(name.removeprefix("EPUB/") in e or "ch001" in e for e in errors)


def test_epubcheck_without_java_says_so(demo_epub, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # a folder with no java in it
    assert shutil.which("java") is None
    with pytest.raises(EpubCheckUnavailable, match="Java"):
        check_epub(demo_epub[0])


def test_a_wrapped_chinese_paragraph_reads_without_spaces(tmp_path):
    # The document EPUB, DOCX and the HTML edition are written from.
    doc = pandoc_book.read_markdown("第一句。\n第二句，\n继续。\n\nAlpha\nbeta\n", None, tmp_path)
    first, second = ([i["t"] if i["t"] != "Str" else i["c"] for i in block["c"]]
                     for block in doc["blocks"])
    assert "".join(first) == "第一句。第二句，继续。"
    assert second[1] in ("Space", "SoftBreak")
