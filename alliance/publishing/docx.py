"""The DOCX edition for editors, written by a sandboxed pandoc from the confined book document.

The whole conversion runs under ``--sandbox`` on stdin and stdout: the
document names no file (book images are data: URIs), so the only file pandoc
reads is the reference document named on its command line.
"""
import json
import os
import tempfile
import time
from pathlib import Path

from . import reproducible
from .pandoc_book import TEMPLATES, book_document
from .pandoc_run import run_pandoc
from .report import RenderReport, noop_progress

#: Word styles for Chinese textbooks (宋体 body, 2-character indent, 黑体 headings);
#: rebuilt by alliance/publishing/reference_docx.py.
REFERENCE = TEMPLATES / "reference.docx"
WRITE_ARGS = ["--from", "json", "--to", "docx", "--sandbox", "--toc", "--toc-depth=2",
              "--output", "-"]


def _write_args():
    # --sandbox still reads files named on the command line, such as the reference document.
    return WRITE_ARGS + (["--reference-doc", str(REFERENCE)] if REFERENCE.exists() else [])


def render_docx(snapshot, out_path, *, proof=False, progress=None, cache_dir=None):
    """Write the book at ``snapshot`` as a Word (DOCX) file at ``out_path``; return a RenderReport.

    The file has the book's metadata (title, subtitle, editors as authors,
    date, language zh-CN), a table of contents field, Heading 1 per chapter,
    real Word footnotes, figures and tables numbered per chapter (图1-1,
    表1-1), and only images that are files of the book; anything else is
    left out and listed in ``report.skipped``. ``proof`` marks the title and
    every chapter with a 校样 notice. Its times are the commit's and its package
    has a fixed form, so the same snapshot always gives the same bytes.
    """
    progress = progress or noop_progress
    report = RenderReport()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="alliance-docx-") as workdir:
        document = book_document(snapshot, workdir, report, proof=proof, cache_dir=cache_dir,
                                 progress=progress, end_fraction=0.6)
        progress(0.65, "docx")
        epoch = reproducible.source_date_epoch(snapshot)
        data = run_pandoc(_write_args(), json.dumps(document, ensure_ascii=False).encode("utf-8"),
                          cwd=workdir, env={"SOURCE_DATE_EPOCH": str(epoch)})
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(f"{out_path}.{os.getpid()}.part")
    tmp.write_bytes(data)
    reproducible.restamp_docx(tmp, epoch)
    os.replace(tmp, out_path)
    report.stats["seconds"] = round(time.perf_counter() - started, 3)
    report.stats["chapters"] = len(snapshot.chapters)
    progress(1.0, "done")
    return report
