"""Merge the front matter and chapter PDFs into the book, and stamp the page numbers.

The front matter's PDF is the base, so the book keeps its catalog (output
intent and XMP metadata of the PDF variant); chapter pages are appended as they
are (their TrimBox/BleedBox come along). Page numbers are stamped from ten
rendered digits (pagenum.py), so the chapters themselves never need
re-rendering when an earlier chapter changes length.
"""
import json
import os
import re
import shutil

import pikepdf

from . import disk, pagenum
from .chapter_html import PIPELINE_VERSION

_XMP_DID = re.compile(rb"xmp\.did:[0-9a-fA-F-]{36}")


def body_numbers(results):
    """Return the printed number of every body page (None for blank pages), in order."""
    numbers, start = [], 1
    for result in results:
        blank = set(result["blank"])
        numbers += [None if j in blank else start + j for j in range(result["pages"])]
        start += result["pages"]
    return numbers


def digits(profile, folder, cache):
    """Return (path, advance) of the profile's digit pages, rendered once per cache."""
    target = (cache or folder) / f"digits-{profile.name}-{PIPELINE_VERSION}.pdf"
    meta = target.with_suffix(".json")
    if target.exists() and meta.exists():
        disk.touch(target, meta)
        return target, json.loads(meta.read_text())["advance"]
    scratch = folder / "digits.pdf"
    advance = pagenum.render_digits(profile, scratch)
    if scratch != target:
        shutil.copyfile(scratch, target.with_suffix(".tmp"))
        os.replace(target.with_suffix(".tmp"), target)
    meta.write_text(json.dumps({"advance": advance}))
    return target, advance


def assemble(front_path, front, results, profile, out_path, folder, cache=None,
             document_id=None):
    """Write the book to ``out_path``; return stats (pages, front_pages).

    The file's /ID is computed from its content and ``document_id`` (a UUID fixed by
    the build) replaces the random xmpMM:DocumentID WeasyPrint writes for PDF/X, so the
    same build always gives the same bytes.
    """
    numbers = body_numbers(results)
    digits_path, advance = digits(profile, folder, cache)
    book = pikepdf.Pdf.open(front_path)
    front_pages = len(book.pages)
    sources = [pikepdf.Pdf.open(r["path"]) for r in results]
    stamps = pagenum.Stamper(book, digits_path, advance)
    try:
        starts = []
        for source in sources:
            starts.append(len(book.pages))
            book.pages.extend(source.pages)
        for k, number in enumerate(numbers):
            if number is not None:
                stamps.stamp(book.pages[front_pages + k], number)
        _outline(book, results, starts)
        if document_id:
            _fix_document_id(book, document_id)
        book.save(out_path, deterministic_id=True)
    finally:
        stamps.close()
        for pdf in sources:
            pdf.close()
        book.close()
    return {"pages": front_pages + len(numbers), "front_pages": front_pages}


def _fix_document_id(book, document_id):
    metadata = book.Root.get("/Metadata")
    if metadata is None:
        return
    data = metadata.read_bytes()
    fixed = _XMP_DID.sub(f"xmp.did:{document_id}".encode("ascii"), data)
    if fixed != data:
        metadata.write(fixed)


def _outline(book, results, starts):
    with book.open_outline() as outline:
        outline.root.clear()
        for result, start in zip(results, starts):
            if result.get("title"):
                outline.root.append(pikepdf.OutlineItem(result["title"], start))
