"""Exports see only the book: hostile image references are left out and reported, never fetched."""
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from alliance.publishing import bookmeta
from alliance.publishing import profiles, snapshot, weasy
from alliance.publishing.html_edition import render_html
from alliance.publishing.pdf import render_pdf
from alliance.store import ManuscriptStore, Person
from bookgen import png_figure
from helpers import free_port


@pytest.fixture
def probe():
    """A real local HTTP server that records every request reaching it."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(png_figure(1, 40, 40))

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()
    server.server_close()


@pytest.fixture
def hostile_book(tmp_path, probe):
    url, _seen = probe
    hostile = (f"# 第一章　测试\n\n正文一段。\n\n![x](/etc/hostname)\n\n![y](file:///etc/passwd)\n\n"
               f"![z]({url}/probe)\n\n![w](images/../../etc/passwd)\n\n"
               f'<img src="{url}/raw-img">\n\n<img src="file:///etc/passwd">\n\n'
               f"![ok](images/ok.png)\n")
    meta = {**bookmeta.new("安全测试"), "chapters": [
        {"id": "ch01", "title": "测试", "file": "chapters/ch01.md"}]}
    files = {"book.yaml": bookmeta.dump(meta), "chapters/ch01.md": hostile.encode(),
             "images/ok.png": png_figure(7, 300, 200)}
    repo = ManuscriptStore(tmp_path / "store").create("hostile", files, Person("t", "t@t.t"), "x")
    return snapshot.take(repo, "hostile")


def pdf_images(path):
    lines = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    return [line for line in lines if line.strip()]


def test_pdf_export_embeds_only_book_images(hostile_book, probe, tmp_path):
    _url, seen = probe
    out = tmp_path / "book.pdf"
    report = render_pdf(hostile_book, profiles.get("a5-print"), out)
    assert out.exists() and report.pages >= 2
    assert len(pdf_images(out)) == 1  # images/ok.png only
    assert seen == []
    notes = "\n".join(report.skipped)
    for ref in ("/etc/hostname", "file:///etc/passwd", "/probe", "raw-img"):
        assert ref in notes
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "root:" not in text


def test_html_edition_embeds_only_book_images(hostile_book, probe, tmp_path):
    url, seen = probe
    out = tmp_path / "book.html"
    report = render_html(hostile_book, out)
    page = out.read_text("utf-8")
    assert seen == []
    assert page.count("<img") == 1 and 'src="data:image/png;base64,' in page
    assert f'src="{url}' not in page and 'src="file:' not in page and "/etc/hostname\"" not in page
    assert "&lt;img" in page  # raw HTML is shown as text, never an element
    assert any("/etc/hostname" in note for note in report.skipped)


def test_the_weasyprint_fetcher_refuses_everything_outside_the_book(probe, tmp_path):
    url, seen = probe
    document = (f'<html><body><img src="{url}/direct"><img src="file:///etc/passwd">'
                f'<img src="/etc/hostname"><link rel="stylesheet" href="{url}/style.css">'
                f'<div style="background: url({url}/bg)">x</div></body></html>')
    result = weasy.render(document, {}, str(tmp_path / "x.pdf"), drop_last=False)
    assert seen == []
    assert any("/direct" in r for r in result["refused"])
    assert any(r.startswith("file:") for r in result["refused"])
    assert pdf_images(tmp_path / "x.pdf") == []
