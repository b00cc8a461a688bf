"""The print-ready PDF: book design, per-chapter rendering in parallel, cached.

Pipeline: each chapter's Markdown becomes sanitized HTML (chapter_html, cached
by blob id); each chapter is rendered as its own WeasyPrint document (they are
independent: every chapter opens on an odd page and its running heads need
only titles), two at a time in worker processes, and its PDF is cached by the
hash of everything that goes into it; then the front matter is rendered with
the contents' page numbers now known, page numbers are stamped on the body
pages, and pikepdf merges it all (merge.py).
"""
import hashlib
import json
import multiprocessing
import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from . import book_html, disk, merge, reproducible, weasy
from .chapter_html import PIPELINE_VERSION, chapter_html, headings
from .report import RenderReport, noop_progress

FONT_FAMILIES = ("Noto Serif CJK SC", "Noto Serif CJK SC:bold", "Noto Sans CJK SC",
                 "Noto Sans CJK SC:bold")
WORKERS = 2


def font_files():
    """Return the font files (absolute paths) the book design uses, as fontconfig finds them."""
    found = []
    for family in FONT_FAMILIES:
        done = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True,
                              text=True, check=False)
        if done.returncode == 0 and done.stdout and done.stdout not in found:
            found.append(done.stdout)
    return found


def _image_digest(snapshot, fragment):
    digest = hashlib.sha256()
    for path in sorted(snapshot.images):
        if path in fragment:
            digest.update(path.encode() + hashlib.sha256(snapshot.images[path]).digest())
    return digest.hexdigest()


def _prepare(snapshot, profile, proof, cache_dir, skipped):
    """Return one job per chapter: its document, images, cache key and headings."""
    def one(index):
        notes = []
        fragment = chapter_html(snapshot, index, footnotes_inline=True, cache_dir=cache_dir,
                                skipped=notes)
        heads = headings(fragment)
        chapter = snapshot.chapters[index]
        title = next((t for level, _i, t in heads if level == 1), chapter.title) or chapter.title
        document = book_html.chapter_document(fragment, snapshot.title, title, profile, proof)
        key = hashlib.sha256(f"{PIPELINE_VERSION}|{_variant(profile)}|{_image_digest(snapshot, fragment)}|"
                             .encode() + document.encode()).hexdigest()
        images = {p: b for p, b in snapshot.images.items() if p in fragment}
        return {"document": document, "images": images, "key": key, "title": title,
                "headings": heads, "notes": notes}
    with ThreadPoolExecutor(WORKERS) as pool:  # pandoc runs as a child; threads just wait
        jobs = list(pool.map(one, range(len(snapshot.chapters))))
    for job in jobs:
        skipped.extend(job.pop("notes"))
    return jobs


def _render_job(document, images, out_path, variant):
    return weasy.render(document, images, out_path, variant)


def _render_chapters(jobs, profile, folder, cache, progress):
    """Render the chapters not in ``cache`` (a folder or None); return per-chapter results."""
    results = [None] * len(jobs)
    missing = []
    for i, job in enumerate(jobs):
        cached = cache / f"{job['key']}.pdf" if cache else None
        if cached and cached.exists() and cached.with_suffix(".json").exists():
            disk.touch(cached, cached.with_suffix(".json"))
            results[i] = {**json.loads(cached.with_suffix(".json").read_text()),
                          "path": str(cached), "cached": True}
        else:
            missing.append(i)
    def done(i, result, path):
        if cache:
            target = cache / f"{jobs[i]['key']}.pdf"
            scratch = target.with_suffix(f".{os.getpid()}.tmp")
            shutil.copyfile(path, scratch)
            os.replace(scratch, target)
            scratch.write_text(json.dumps(result))
            os.replace(scratch, target.with_suffix(".json"))
            path = str(target)
        results[i] = {**result, "path": path, "cached": False}
        progress(0.1 + 0.7 * sum(r is not None for r in results) / len(jobs),
                 f"rendered {jobs[i]['title']}")
    args = [(jobs[i]["document"], jobs[i]["images"], str(folder / f"ch{i}.pdf"),
             _variant(profile)) for i in missing]
    # A daemonic process (some job runners) may not start workers: render in turn.
    if len(missing) <= 1 or multiprocessing.current_process().daemon:
        for i, arg in zip(missing, args):
            done(i, _render_job(*arg), arg[2])
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(min(WORKERS, len(missing)), mp_context=context) as pool:
            futures = {pool.submit(_render_job, *arg): (i, arg[2]) for i, arg in zip(missing, args)}
            for future in futures:  # in submission order: longest waits are few
                i, path = futures[future]
                done(i, future.result(), path)
    return results


def _variant(profile):
    # Tags cannot be merged page by page (each part has its own structure tree),
    # so a tagged variant would claim what the merged book is not.
    return "" if profile.pdf_variant.startswith("pdf/ua") else profile.pdf_variant


def _variant_note(profile, parts):
    if not _variant(profile):
        return f"plain PDF ({profile.pdf_variant} tags do not survive the per-chapter merge)"
    if any(p["variant"] != profile.pdf_variant for p in parts):
        return f"plain PDF ({profile.pdf_variant} failed in this WeasyPrint)"
    return profile.pdf_variant


def render_pdf(snapshot, profile, out_path, *, proof=False, progress=None, cache_dir=None):
    """Render the whole book to a print-ready PDF at ``out_path``; return a RenderReport.

    The book opens with a title page, copyright page, preface (book.yaml
    ``preface``) and contents; chapters open on odd pages; body pages are
    numbered from 1. Fonts are embedded; the page size is the profile's trim
    plus bleed. With ``proof`` every page carries a 校样 watermark. Anything a
    chapter names that is not a file of the book is left out and listed in
    ``skipped``. Its dates are the commit's and its ids are fixed by the build, so
    the same snapshot always gives the same bytes, whatever the render cache holds.
    """
    progress = progress or noop_progress
    started = time.perf_counter()
    report = RenderReport()
    cache = Path(cache_dir, "pdf", profile.name + ("-proof" if proof else "")) if cache_dir else None
    if cache:
        cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="alliance-pdf-") as tmp:
        folder = Path(tmp)
        progress(0.02, "converting chapters")
        jobs = _prepare(snapshot, profile, proof, cache_dir, report.skipped)
        timings = {"html": time.perf_counter() - started}
        results = _render_chapters(jobs, profile, folder, cache, progress)
        timings["chapters"] = time.perf_counter() - started - timings["html"]
        toc, start = [], 1
        for job, result in zip(jobs, results):
            result["title"] = job["title"]
            toc.append((1, job["title"], start))
            toc += [(2, text, start + result["anchors"][ident])
                    for level, ident, text in job["headings"]
                    if level == 2 and ident in result["anchors"]]
            start += result["pages"]
        progress(0.85, "front matter")
        front_doc = book_html.front_document(snapshot.meta, toc, profile, proof)
        # The front matter is the base of the book: its dates are the file's (the commit's).
        front = weasy.render(front_doc, {}, str(folder / "front.pdf"), _variant(profile),
                             created=reproducible.iso_time(reproducible.source_date_epoch(snapshot)))
        timings["front"] = time.perf_counter() - started - sum(timings.values())
        progress(0.9, "page numbers and merge")
        stats = merge.assemble(folder / "front.pdf", front, results, profile, out_path, folder,
                               cache, reproducible.build_uuid(snapshot.commit, profile.name, proof))
        timings["merge"] = time.perf_counter() - started - sum(timings.values())
    for result in [front, *results]:
        report.skipped += [f"reference {url} is outside the book; left out"
                           for url in result["refused"]]
    report.pages = stats["pages"]
    report.fonts = font_files()
    report.stats = {**stats, "seconds": round(time.perf_counter() - started, 2),
                    "chapters_cached": sum(r["cached"] for r in results),
                    "chapters_rendered": sum(not r["cached"] for r in results),
                    "pdf_variant": _variant_note(profile, [front, *results]),
                    "timings": {k: round(v, 2) for k, v in timings.items()}}
    progress(1.0, "done")
    return report


def preview_pdf(snapshot, chapter_key, profile, out_path, *, proof=False, cache_dir=None):
    """Render one chapter (by key) as printed pages to ``out_path``; return a RenderReport.

    Same design as the book, without page numbers or front matter: for the
    author's preview while writing. LookupError for an unknown chapter.
    """
    started = time.perf_counter()
    index = next((i for i, c in enumerate(snapshot.chapters) if c.key == chapter_key), None)
    if index is None:
        raise LookupError(f"no chapter {chapter_key!r} in this book")
    report = RenderReport()
    fragment = chapter_html(snapshot, index, footnotes_inline=True, cache_dir=cache_dir,
                            skipped=report.skipped)
    title = next((t for lv, _i, t in headings(fragment) if lv == 1), None)
    document = book_html.chapter_document(fragment, snapshot.title,
                                          title or snapshot.chapters[index].title, profile, proof)
    images = {p: b for p, b in snapshot.images.items() if p in fragment}
    result = weasy.render(document, images, str(out_path), "")
    report.skipped += [f"reference {u} is outside the book; left out" for u in result["refused"]]
    report.pages = result["pages"]
    report.fonts = font_files()
    report.stats = {"seconds": round(time.perf_counter() - started, 2)}
    return report
