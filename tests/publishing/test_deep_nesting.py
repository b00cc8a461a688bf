"""Issue 16 (hardening): a chapter of 10,000 nested lists cannot break or stall an export,
the AST walkers are iterative, and the EPUB writer runs under pandoc's --sandbox."""
import json
import time
import zipfile

import pytest

from alliance.publishing import nesting
from alliance.publishing import ast_confine, chapter_html, epub, export, pandoc_book
from alliance.publishing.ast_confine import confine_blocks, resolve_links
from alliance.publishing.snapshot import ChapterText, Snapshot
from alliance.publishing.report import RenderReport

DEEP = "- " * 10_000 + "最深处"  # 20 KB: the chapter of the audit
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082")


def book(*texts):
    chapters = tuple(ChapterText(f"ch{n:02d}", f"第{n}章", f"chapters/ch{n:02d}.md",
                                 f"{n:040x}", text) for n, text in enumerate(texts, 1))
    return Snapshot("deep", "a" * 40, {"title": "深书", "chapters": []}, chapters,
                    {"images/fig.png": PNG})


@pytest.mark.parametrize("fmt", ["epub", "docx", "html", "pdf"])
def test_a_chapter_of_10000_nested_lists_is_exported_as_plain_text(fmt, tmp_path):
    snap = book("# 第一章\n\n正常的一章。\n", DEEP)
    started = time.monotonic()
    artifact = export.render_one(snap, fmt, "16k-screen", tmp_path, proof=True)
    assert time.monotonic() - started < 120
    notes = [n for n in artifact.report.skipped if "nested too deeply" in n]
    assert notes and notes[0].startswith("ch02")
    if fmt in ("epub", "docx"):
        with zipfile.ZipFile(artifact.path) as package:
            text = "".join(package.read(n).decode("utf-8", "replace")
                           for n in package.namelist() if n.endswith((".xhtml", ".xml")))
    elif fmt == "html":
        text = open(artifact.path, encoding="utf-8").read()
    else:
        text = None  # a PDF: it was written, which is what the recursion limit prevented
    if text is not None:
        assert "最深处" in text and "正常的一章" in text


def test_the_confiner_and_the_link_resolver_walk_10000_levels():
    inner = [{"t": "Para", "c": [
        {"t": "Image", "c": [["fig", [], []], [{"t": "Str", "c": "图"}], ["images/fig.png", ""]]},
        {"t": "RawInline", "c": ["html", "<script>"]},
        {"t": "Link", "c": [["", [], []], [{"t": "Str", "c": "去"}], ["#fig", ""]]}]}]
    for _ in range(10_000):
        inner = [{"t": "BulletList", "c": [inner]}]
    skipped = []
    blocks, embedded = confine_blocks(inner, book(""), "ch01", "ch01-", skipped)
    resolve_links([("ch01", blocks)], skipped)
    assert embedded == ["images/fig.png"] and skipped == ["ch01: raw html markup left out"]
    node = blocks[0]
    for _ in range(10_000):
        node = node["c"][0][0]
    image, link = node["c"]
    assert image["c"][0][0] == "ch01-fig" and image["c"][2][0].startswith("data:image/png")
    assert link["c"][2][0] == "#ch01-fig"


def test_the_iterative_confiner_keeps_what_the_recursive_one_did():
    doc = [
        {"t": "Header", "c": [1, ["intro", [], []], [{"t": "Str", "c": "引言"}]]},
        {"t": "Para", "c": [
            {"t": "Image", "c": [["", [], []], [{"t": "Emph", "c": [{"t": "Str", "c": "缺"}]}],
                                 ["/etc/passwd", ""]]},
            {"t": "Link", "c": [["", [], []], [{"t": "Str", "c": "坏"}], ["file:///etc", ""]]},
            {"t": "Link", "c": [["", [], []], [{"t": "Str", "c": "好"}], ["https://x.test", ""]]},
            {"t": "Cite", "c": [[{"citationId": "doe", "citationPrefix": [
                {"t": "Image", "c": [["", [], []], [], ["/etc/hostname", ""]]}],
                "citationSuffix": [], "citationMode": {"t": "NormalCitation"},
                "citationNoteNum": 1, "citationHash": 0}], [{"t": "Str", "c": "[@doe]"}]]}]},
        {"t": "RawBlock", "c": ["tex", "\\input{/etc/passwd}"]},
        {"t": "Div", "c": [["box", ["note"], []], [{"t": "Plain", "c": [
            {"t": "Image", "c": [["", [], []], [], ["images/fig.png", "t"]]}]}]]},
    ]
    skipped = []
    blocks, embedded = confine_blocks(doc, book(""), "ch01", "ch01-", skipped)
    assert [b["t"] for b in blocks] == ["Header", "Para", "Div"]
    assert blocks[0]["c"][1][0] == "ch01-intro" and blocks[2]["c"][0][0] == "ch01-box"
    para = blocks[1]["c"]
    assert para[0] == {"t": "Span", "c": [["", ["image-left-out"], []],
                                          [{"t": "Emph", "c": [{"t": "Str", "c": "缺"}]}]]}
    assert para[1] == {"t": "Span", "c": [["", [], []], [{"t": "Str", "c": "坏"}]]}
    assert para[2]["t"] == "Link"
    prefix = para[3]["c"][0][0]["citationPrefix"]  # an image in a citation is confined too
    assert prefix[0]["t"] == "Span"
    assert embedded == ["images/fig.png"]
    assert [s.split(":")[1].split()[0] for s in skipped] == ["image", "link", "image", "raw"]
    assert "/etc" not in json.dumps(blocks)


def test_pandoc_output_too_deep_for_the_estimate_falls_back_to_plain_text(monkeypatch,
                                                                          tmp_path):
    monkeypatch.setattr(pandoc_book, "too_deep", lambda text: False)
    skipped = []
    doc = pandoc_book.read_chapter("- " * 300 + "底", 1, tmp_path, None, None, "ch01", skipped)
    assert nesting.json_depth(json.dumps(doc).encode()) < nesting.MAX_JSON_DEPTH
    assert skipped and "nested too deeply" in skipped[0]
    monkeypatch.setattr(chapter_html, "too_deep", lambda text: False)
    notes = []
    fragment = chapter_html.chapter_html(book("- " * 300 + "底"), 0, footnotes_inline=True,
                                         skipped=notes)
    assert "底" in fragment and nesting.html_depth(fragment) < 10 and notes


def test_the_epub_writer_runs_sandboxed_and_reads_no_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG + b"SECRET-BYTES")
    real = pandoc_book.book_document
    calls = []

    def with_a_file_image(snapshot, workdir, report, **kwargs):
        document = real(snapshot, workdir, report, **kwargs)
        document["blocks"].append({"t": "Para", "c": [
            {"t": "Image", "c": [["", [], []], [], [str(secret), ""]]}]})
        return document
    monkeypatch.setattr(epub, "book_document", with_a_file_image)
    original = epub.run_pandoc
    monkeypatch.setattr(epub, "run_pandoc", lambda args, *a, **k: calls.append(args) or
                        original(args, *a, **k))
    report = epub.render_epub(book("# 一\n\n文。\n"), tmp_path / "b.epub")
    assert all("--sandbox" in args for args in calls) and calls
    with zipfile.ZipFile(tmp_path / "b.epub") as package:
        assert not any(b"SECRET-BYTES" in package.read(n) for n in package.namelist())
        css = package.read("EPUB/styles/stylesheet1.css").decode()
        opf = package.read("EPUB/content.opf").decode()
    assert css == epub.STYLESHEET.read_text("utf-8")  # the book design, put in afterwards
    assert isinstance(report, RenderReport)
    if "cover: " not in " ".join(report.skipped):
        assert 'properties="cover-image"' in opf


def test_every_book_reading_runs_pandoc_sandboxed(monkeypatch, tmp_path):
    seen = []
    monkeypatch.setattr(pandoc_book, "run_pandoc", lambda args, *a, **k: seen.append(args) or
                        b'{"pandoc-api-version":[1,23],"meta":{},"blocks":[]}')
    pandoc_book.book_document(book("# 一\n"), tmp_path, RenderReport())
    pandoc_book.book_document(book(), tmp_path, RenderReport())  # asks pandoc its version
    assert len(seen) == 2 and all("--sandbox" in args for args in seen)


def test_ast_walkers_hold_no_recursion():
    import ast
    import inspect
    tree = ast.parse(inspect.getsource(ast_confine))
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        called = {c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", "")
                  for c in ast.walk(function) if isinstance(c, ast.Call)}
        assert function.name not in called, function.name
