"""Pre-publication checks: the gate an edition must pass before it is delivered.

Each check has a key and a name and reports findings with a level (error or
warning), an English message template (pages translate it) and a place. Source
checks read the book at the edition's commit and the workflow; file checks read
the built PDF and EPUB files (see prepub_files).
"""
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from .. import isbn as isbn_rules
from . import built_files
from ...manuscripts import punctuation
from ...errors import DomainError
from ...models import ChapterState
from .findings import ERROR, WARNING, CheckFailed, CheckResult, Finding, Report
from ...publishing import profiles
from ...review.record import missing_stages

__all__ = ["Built", "CHECKS", "CheckFailed", "Report", "run", "require"]

#: (key, English name) of every check, in the order reports list them.
CHECKS = [
    ("review", "All chapters approved through every review stage"),
    ("epubcheck", "EPUBCheck reports no errors"),
    ("pdf_fonts", "Every PDF font is embedded"),
    ("pdf_boxes", "PDF page boxes match the profile"),
    ("image_resolution", "Images print at 300 dpi or more"),
    ("punctuation", "Chinese punctuation"),
    ("isbn", "ISBN check digit"),
    ("metadata", "Required metadata"),
]
REQUIRED_META = ("title", "publisher", "editors", "isbn", "language")
MAX_WARNINGS = 50


@dataclass(frozen=True)
class Built:
    """A built file to check: its format (pdf, epub, ...), path and profile name (PDF)."""
    format: str
    path: Path
    profile: str | None = None


def run(book, repo, snap, built, *, isbns=None, edition=None):
    """Run every check on ``snap`` (the book at a commit) and the ``built`` files; return a Report.

    With ``built`` None only the source checks run; the file checks are reported skipped.

    ``isbns`` is [(source, isbn)] to check instead of book.yaml's (the agreement's
    deliverables); ``edition`` is the edition label the report names.
    """
    isbns = isbns if isbns else [("book.yaml", snap.meta.get("isbn") or "")]
    report = Report(book.slug, snap.commit, edition)
    by_format = {}
    for item in built or ():
        by_format.setdefault(item.format, []).append(item)
    source = {"review": lambda: review(book, repo, snap),
              "punctuation": lambda: punctuation_check(snap),
              "isbn": lambda: isbn_check(isbns),
              "metadata": lambda: metadata(snap.meta, isbns)}
    for key, title in CHECKS:
        result = CheckResult(key, title)
        if key in source:
            result.findings = source[key]()
        elif built is None:
            result.skipped = "runs on the built files"
        else:
            _file_check(result, by_format)
        report.results.append(result)
    return report


def require(report):
    """Raise CheckFailed naming every failed check and its first finding; return the report if ok."""
    if not report.ok:
        raise CheckFailed.from_report(report)
    return report


def review(book, repo, snap):
    """Findings for chapters of the snapshot not approved through every stage, or whose text at
    the snapshot's commit is not the approved text."""
    chapters = {c.key: c for c in book.chapters}
    findings = []
    if not snap.chapters:
        findings.append(Finding(ERROR, "The book has no chapters"))
    for text in snap.chapters:
        chapter = chapters.get(text.key)
        where = text.path
        if chapter is None:
            findings.append(Finding(ERROR, "Chapter %(chapter)s is not in the review workflow",
                                    {"chapter": text.key}, where))
        elif chapter.state != ChapterState.APPROVED or not chapter.approved_revision:
            findings.append(Finding(ERROR, "Chapter %(chapter)s is not approved: it is %(state)s",
                                    {"chapter": text.key, "state": chapter.state.value}, where))
        elif missing := missing_stages(chapter):
            findings.append(Finding(ERROR, "Chapter %(chapter)s was approved without passing "
                                    "%(stages)s", {"chapter": text.key,
                                                   "stages": "、".join(missing)}, where))
        elif repo.blob_id(chapter.path, chapter.approved_revision) != text.blob_id:
            findings.append(Finding(ERROR, "Chapter %(chapter)s at this commit is not its "
                                    "approved text (%(revision)s)",
                                    {"chapter": text.key,
                                     "revision": chapter.approved_revision[:10]}, where))
    return findings


def punctuation_check(snap):
    """Findings of the punctuation linter on every chapter (errors all, warnings capped)."""
    errors, warnings = [], []
    for text in snap.chapters:
        for found in punctuation.lint(text.text, text.path):
            target = errors if found.level == punctuation.ERROR else warnings
            target.append(Finding(found.level, found.template, found.params,
                                  f"{found.path}:{found.line}:{found.column} «{found.excerpt}»"))
    if len(warnings) > MAX_WARNINGS:
        more = len(warnings) - MAX_WARNINGS
        warnings = warnings[:MAX_WARNINGS] + [
            Finding(WARNING, "and %(count)d more warnings", {"count": more})]
    return errors + warnings


def isbn_check(isbns):
    """Findings for each (source, isbn) that is missing or not a valid ISBN-13."""
    findings = []
    for source, value in isbns:
        found = isbn_rules.problem(value)
        if found is not None:
            template, params = found
            findings.append(Finding(ERROR, template, params, source))
    return findings


def metadata(meta, isbns):
    """Findings for required book.yaml fields that are missing (the ISBN may come from ``isbns``)."""
    findings = []
    for name in REQUIRED_META:
        value = meta.get(name)
        if name == "isbn":
            value = value or any(v for _s, v in isbns)
        if isinstance(value, str):
            value = value.strip()
        if not value:
            findings.append(Finding(ERROR, "Required metadata %(field)s is missing",
                                    {"field": name}, "book.yaml"))
    return findings


_FILE_CHECKS = {
    "epubcheck": ("epub", lambda b: built_files.epubcheck(b.path)),
    "pdf_fonts": ("pdf", lambda b: built_files.pdf_fonts(b.path)),
    "pdf_boxes": ("pdf", lambda b: built_files.pdf_boxes(b.path, profiles.get(b.profile))),
    "image_resolution": ("pdf", lambda b: built_files.image_resolution(b.path)),
}


def _file_check(result, by_format):
    """Run one file check on every built file of its format; skipped when there is none."""
    fmt, check = _FILE_CHECKS[result.key]
    items = by_format.get(fmt, [])
    if not items:
        result.skipped = "No file of this format is built here"
        return
    for item in items:
        try:
            result.findings.extend(check(item))
        except (RuntimeError, OSError, ValueError, pikepdf.PdfError,
                subprocess.SubprocessError, DomainError) as exc:
            result.findings.append(Finding(ERROR, "%(file)s could not be read: %(error)s",
                                           {"file": item.path.name,
                                            "error": str(exc)[:300]},
                                           item.path.name))
