"""An edition reads images from Git through the snapshot, which sanitizes SVGs a second time:
should one ever reach the repository unchecked, no edition carries its script (issue 16)."""
import zipfile
from pathlib import Path

from alliance.demo import CONTENT
from alliance.publishing import snapshot
from alliance.publishing.epub import render_epub
from alliance.store import ManuscriptStore, Person

DIRTY = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
         b'width="10" height="10" onload="alert(1)"><script>alert(2)</script>'
         b'<image xlink:href="http://169.254.169.254/x.png" width="5" height="5"/>'
         b'<rect width="5" height="5" fill="red"/></svg>')


def test_an_unchecked_svg_in_git_reaches_editions_without_script(tmp_path):
    # The demo's figure 2-1, replaced in Git by a hostile SVG the push gate never saw.
    files = {str(p.relative_to(CONTENT)): p.read_bytes()
             for p in Path(CONTENT).rglob("*") if p.is_file()}
    files.update({"images/fig-2-1.svg": DIRTY, "images/broken.svg": b"<svg not xml"})
    repo = ManuscriptStore(tmp_path / "m").create("demo", files, Person("测试", "t@x.test"), "x")
    book = snapshot.take(repo, "demo")
    clean = book.image("images/fig-2-1.svg")
    assert b"<rect" in clean
    for part in (b"script", b"onload", b"169.254"):
        assert part not in clean
    assert book.image("images/broken.svg") is None  # not an SVG: left out, not passed on
    epub = tmp_path / "book.epub"
    render_epub(book, str(epub))
    with zipfile.ZipFile(epub) as archive:
        svgs = [archive.read(n) for n in archive.namelist() if n.endswith(".svg")]
    assert any(b'fill="red"' in data for data in svgs)  # the figure is in the EPUB, cleaned
    assert not any(b"script" in data or b"onload" in data for data in svgs)
