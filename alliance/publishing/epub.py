"""The EPUB 3 edition, written by pandoc from the confined book document.

Reading is sandboxed per chapter (pandoc_book), and so is the EPUB writer
(``--sandbox``, in a private temporary folder holding only the document): it
may read no file, and the document names none (every image is a data: URI of a
file of the book). Since a sandboxed writer cannot read the stylesheet or the
cover either, epub_package puts the book design and the cover into the
finished package afterwards.
"""
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from .cover import cover_png
from . import epub_package, reproducible
from .pandoc_book import TEMPLATES, book_document, book_meta
from .pandoc_run import run_pandoc
from .report import RenderReport, noop_progress

STYLESHEET = TEMPLATES / "epub.css"


def _write_args():
    return ["book.json", "--from", "json", "--to", "epub3", "--output", "book.epub",
            "--sandbox", "--toc", "--toc-depth=2", "--split-level=1", "--resource-path=.",
            "--epub-title-page=true"]


def render_epub(snapshot, out_path, *, proof=False, progress=None, cache_dir=None):
    """Write the book at ``snapshot`` as an EPUB 3 file at ``out_path``; return a RenderReport.

    The EPUB has the book's metadata (title, subtitle, zh-CN, urn:isbn or a
    stable urn:uuid, editors, publisher, date), a generated cover, a title
    page, nav.xhtml and toc.ncx, one XHTML file per chapter, figures and
    tables numbered per chapter, and only images that are files of the book;
    anything else is left out and listed in ``report.skipped``. ``proof``
    adds a visible 校样 notice to the cover, title and every chapter. Its times are
    the commit's, so the same snapshot always gives the same bytes.
    """
    progress = progress or noop_progress
    report = RenderReport()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="alliance-epub-") as workdir:
        document = book_document(snapshot, workdir, report, proof=proof, cache_dir=cache_dir,
                                 progress=progress, end_fraction=0.6)
        # EPUB lists editors as dc:creator (role edt); "author" would repeat them as authors.
        document["meta"].pop("author", None)
        folder = Path(workdir)
        (folder / "book.json").write_text(json.dumps(document, ensure_ascii=False), "utf-8")
        cover = cover_png(snapshot.meta, proof=proof)
        if not cover:
            report.skipped.append("cover: the Noto CJK fonts are not installed; no cover image")
        progress(0.65, "epub")
        epoch = reproducible.source_date_epoch(snapshot)
        run_pandoc(_write_args(), cwd=workdir, env={"SOURCE_DATE_EPOCH": str(epoch)})
        meta = book_meta(snapshot, proof)
        epub_package.finish(folder / "book.epub", STYLESHEET.read_bytes(), cover,
                            lang=meta["lang"], title=meta["title"], epoch=epoch)
        Path(out_path).parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(f"{out_path}.{os.getpid()}.part")
        shutil.move(str(folder / "book.epub"), tmp)
        os.replace(tmp, out_path)
    report.stats["seconds"] = round(time.perf_counter() - started, 3)
    report.stats["chapters"] = len(snapshot.chapters)
    progress(1.0, "done")
    return report
