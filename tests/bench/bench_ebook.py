"""Benchmark: EPUB and DOCX renders of the demo book and the generated 12-chapter book.

For each book: the confined EPUB render cold (empty cache) and warm (chapter
cache filled), the confined DOCX render, and EPUBCheck's counts and time.
Baseline in the same run: one plain, unconfined pandoc call turning all the
chapters' Markdown straight into EPUB (no sandbox, no numbering, no cover),
the way a simple script would. Ratios are printed against it.

Run with `make bench`.
"""
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, ".."), os.path.join(HERE, "..", "publishing"),
                os.path.join(HERE, "..", "..")]
from bookgen import make_book  # noqa: E402

from alliance.demo import BOOK_SLUG, CONTENT  # noqa: E402
from alliance.publishing import snapshot  # noqa: E402
from alliance.publishing.docx import render_docx  # noqa: E402
from alliance.publishing.epub import render_epub  # noqa: E402
from alliance.publishing.epubcheck_run import check_epub  # noqa: E402
from alliance.publishing.pandoc_run import run_pandoc  # noqa: E402
from alliance.store import ManuscriptStore, Person  # noqa: E402


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def baseline(snap, folder):
    """One unconfined pandoc run over the chapters' Markdown, images on disk."""
    for path, data in snap.images.items():
        Path(folder, path).parent.mkdir(parents=True, exist_ok=True)
        Path(folder, path).write_bytes(data)
    text = "\n\n".join(c.text for c in snap.chapters).encode("utf-8")
    run_pandoc(["--from", "markdown", "--to", "epub3", "--output", "plain.epub",
                "--metadata", f"title={snap.title}"], text, cwd=folder)


def bench(name, snap, folder):
    base, _ = timed(baseline, snap, folder)
    cache = Path(folder, "cache")
    cold, report = timed(render_epub, snap, Path(folder, "b.epub"), cache_dir=cache)
    warm, _ = timed(render_epub, snap, Path(folder, "c.epub"), cache_dir=cache)
    docx, _ = timed(render_docx, snap, Path(folder, "b.docx"))
    check, (errors, warnings) = timed(check_epub, Path(folder, "b.epub"))
    size = Path(folder, "b.epub").stat().st_size
    print(f"{name:10} chapters {len(snap.chapters):3}  images {len(snap.images):3}  "
          f"epub {size / 1024:7.0f} KB")
    print(f"{'':10} baseline pandoc -> epub   {base:6.2f} s")
    print(f"{'':10} epub cold                 {cold:6.2f} s  ({cold / base:4.1f} x baseline)")
    print(f"{'':10} epub warm (cached)        {warm:6.2f} s  ({warm / base:4.1f} x baseline)")
    print(f"{'':10} docx                      {docx:6.2f} s  ({docx / base:4.1f} x baseline)")
    print(f"{'':10} epubcheck                 {check:6.2f} s  errors {len(errors)}  "
          f"warnings {len(warnings)}  skipped {len(report.skipped)}")


def main():
    with tempfile.TemporaryDirectory() as root:
        files = {str(p.relative_to(CONTENT)): p.read_bytes()
                 for p in Path(CONTENT).rglob("*") if p.is_file()}
        demo = ManuscriptStore(Path(root, "demo")).create(BOOK_SLUG, files,
                                                          Person("演示", "d@alliance.test"), "demo")
        Path(root, "d").mkdir()
        bench("demo", snapshot.take(demo, BOOK_SLUG), Path(root, "d"))
        generated = make_book(Path(root, "gen"), slug="bench", chapters=12)
        Path(root, "g").mkdir()
        bench("generated", snapshot.take(generated, "bench"), Path(root, "g"))


if __name__ == "__main__":
    main()
