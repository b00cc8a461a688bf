"""EPUB and DOCX exports see only the book: no file outside it, no network, no raw HTML.

A chapter names images on the local disk, file: URLs, a real local HTTP
server and raw <img> tags. The exports must still succeed, embed only the
book's own image, send no request to the server, and say what they left out.
"""
import http.server
import re
import threading
import zipfile
from pathlib import Path

import pytest

from alliance.demo import CONTENT
from alliance.publishing import snapshot
from alliance.publishing.docx import render_docx
from alliance.publishing.epub import render_epub
from alliance.publishing.epubcheck_run import check_epub
from alliance.publishing.pandoc_run import PandocError, MARKDOWN, run_pandoc
from alliance.store import ManuscriptStore, Person
from helpers import free_port

PASSWD = Path("/etc/passwd").read_bytes()


@pytest.fixture(scope="module")
def probe_server():
    """A real HTTP server on 127.0.0.1 that records every request it gets."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(b"\x89PNG-probe")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def hostile_chapter(base):
    return f"""# 第一章　越界的图片

本章试图引用书稿以外的文件和网络资源。

![主机名](/etc/hostname)

![口令文件](file:///etc/passwd)

![探针]({base}/probe-md)

![上级目录](images/../../../etc/passwd)

![不存在](images/missing.png)

![引用式][ref]

<img src="{base}/probe-raw-html">

<img src="/etc/hostname">

```{{=html}}
<img src="{base}/probe-raw-attribute">
```

`<img src="{base}/probe-raw-inline">`{{=html}}

合法的图片如下。

![图1-1　合法的书稿图片](images/fig-2-1.svg)

[网站链接]({base}/probe-link)

[口令链接](file:///etc/passwd)、[文件链接](ch02.md)、[无处可去](#没有这个位置)、
[第二章](#第二章-新就业形态劳动者权益保障的法律与政策框架)、[本章](#第一章-越界的图片)

[ref]: {base}/probe-ref
"""


@pytest.fixture(scope="module")
def hostile_snapshot(tmp_path_factory, probe_server):
    base, _seen = probe_server
    files = {str(p.relative_to(CONTENT)): p.read_bytes()
             for p in Path(CONTENT).rglob("*") if p.is_file()}
    files["chapters/ch01.md"] = hostile_chapter(base).encode("utf-8")
    root = tmp_path_factory.mktemp("hostile-store")
    repo = ManuscriptStore(root).create("hostile", files, Person("测试", "t@alliance.test"), "越界")
    return snapshot.take(repo, "hostile")


@pytest.fixture(scope="module")
def exports(hostile_snapshot, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-out")
    epub, docx = folder / "h.epub", folder / "h.docx"
    return {"epub": (epub, render_epub(hostile_snapshot, epub)),
            "docx": (docx, render_docx(hostile_snapshot, docx))}


def members(path):
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.parametrize("kind", ["epub", "docx"])
def test_only_the_books_own_images_are_embedded(exports, hostile_snapshot, kind):
    path, _report = exports[kind]
    files = members(path)
    media = [v for k, v in files.items() if "/media/" in k and not k.endswith("cover.png")]
    book_images = set(hostile_snapshot.images.values())
    non_cover = [m for m in media if not m.startswith(b"\x89PNG\r\n\x1a\n")]
    assert non_cover and all(m in book_images for m in non_cover)
    hostname = Path("/etc/hostname").read_bytes().strip() if Path("/etc/hostname").exists() else None
    for name, data in files.items():
        assert b"root:x:0:0" not in data and PASSWD not in data, name
        assert b"PNG-probe" not in data, name
        if hostname and name.endswith((".png", ".jpg", ".gif", ".svg", ".bin")):
            assert data.strip() != hostname, name


@pytest.mark.parametrize("kind", ["epub", "docx"])
def test_no_request_reaches_the_network(exports, probe_server, kind):
    _base, seen = probe_server
    assert exports[kind] and seen == []


@pytest.mark.parametrize("kind", ["epub", "docx"])
def test_the_report_says_what_was_left_out(exports, probe_server, kind):
    base, _seen = probe_server
    skipped = "\n".join(exports[kind][1].skipped)
    for target in ["/etc/hostname", "file:///etc/passwd", f"{base}/probe-md",
                   "images/../../../etc/passwd", "images/missing.png", f"{base}/probe-ref"]:
        assert f"ch01: image {target} " in skipped, target
    assert "fig-2-1.svg" not in skipped


def test_raw_html_is_shown_as_text_never_as_markup(exports):
    files = members(exports["epub"][0])
    chapter = files["EPUB/text/ch001.xhtml"].decode()
    # Every <img> in the chapter points into the EPUB's own media folder.
    assert all(src.startswith("../media/") for src in re.findall(r'<img[^>]*src="([^"]*)"', chapter))
    assert "&lt;img src=" in chapter  # the raw tag is text the reader can see
    assert 'href="' + "http" in chapter  # links stay links (never fetched)
    document = members(exports["docx"][0])["word/document.xml"].decode()
    assert "&lt;img src=" in document and "合法的书稿图片" in document


def test_links_go_only_to_the_web_or_to_places_in_the_book(exports):
    skipped = "\n".join(exports["epub"][1].skipped)
    assert "ch01: link file:///etc/passwd is not a web address" in skipped
    assert "ch01: link ch02.md is not a web address" in skipped
    assert "ch01: link #没有这个位置 goes to no place in the book" in skipped
    files = members(exports["epub"][0])
    chapter = files["EPUB/text/ch001.xhtml"].decode()
    hrefs = re.findall(r'<a href="([^"]*)"', chapter)
    assert "ch002.xhtml#ch02-第二章-新就业形态劳动者权益保障的法律与政策框架" in hrefs
    assert any(h.endswith("#ch01-第一章-越界的图片") for h in hrefs)
    assert not [h for h in hrefs if h.startswith("file:") or h == "ch02.md"]
    assert "口令链接" in chapter and "无处可去" in chapter


def test_the_hostile_epub_is_still_valid(exports):
    errors, warnings = check_epub(exports["epub"][0])
    assert errors == [] and warnings == []


def test_pandoc_is_stopped_at_its_memory_and_time_limits():
    text = ("工会" * 2000 + "\n\n") * 600
    with pytest.raises(PandocError, match="memory"):
        run_pandoc(["--from", MARKDOWN, "--to", "json"], text.encode(), memory_mb=64)
    with pytest.raises(PandocError, match="longer than"):
        run_pandoc(["--from", MARKDOWN, "--to", "json"], text.encode(), timeout=0.01)
