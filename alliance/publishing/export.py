"""The export dispatcher: a commit's snapshot, rendered per format, with a manifest.

An export is a pure function of a commit: ``snapshot.take`` reads the book at
that commit once, each format's renderer (pdf, epub, docx, html) writes one file,
and ``manifest.json`` records what went in and what came out. Renders write
aside and are renamed into place, so a failed render never leaves half a file.

Service API for other areas (delivery packages):
    build(app_or_store, book_slug, fmt, rev, profile_name, out_dir, progress=None)
        -> Artifact(format, path, sha256, bytes, report)
    run(snapshot, formats, profile_name, out_dir, proof, progress, cache_dir)
        -> (artifacts, manifest path)
    is_proof(book, repo, commit) -> bool; needs_proof(repo, commit, chapters) -> bool
"""
import importlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import DomainError, Invalid
from ..models import ChapterState
from . import disk, manifest, profiles, snapshot
from .report import RenderReport, noop_progress

#: format -> (module under alliance.publishing, function, file extension)
RENDERERS = {
    "pdf": ("pdf", "render_pdf", "pdf"),
    "epub": ("epub", "render_epub", "epub"),
    "docx": ("docx", "render_docx", "docx"),
    "html": ("html_edition", "render_html", "html"),
}
FORMATS = tuple(RENDERERS)


class RendererMissing(DomainError):
    """The renderer of a format is not installed in this deployment."""

    code = "renderer_missing"
    status = 503


@dataclass(frozen=True)
class Artifact:
    """One exported file: its format, absolute path, sha256, size, and the render's report."""

    format: str
    path: str
    sha256: str
    bytes: int
    report: RenderReport

    def as_json(self):
        """Return the JSON-able record kept on the job row (no report objects)."""
        return {"format": self.format, "file": Path(self.path).name, "sha256": self.sha256,
                "bytes": self.bytes, "skipped": list(self.report.skipped),
                "pages": self.report.pages}


def check_formats(formats):
    """Return ``formats`` (a list of names) de-duplicated in order; Invalid when empty or
    when one is not pdf, epub, docx or html."""
    if isinstance(formats, str):
        formats = [formats]
    if not isinstance(formats, (list, tuple)) or not formats:
        raise Invalid(f"formats must be a non-empty list of {', '.join(FORMATS)}")
    for fmt in formats:
        if fmt not in RENDERERS:
            raise Invalid(f"unknown format {fmt!r}: use {', '.join(FORMATS)}")
    return list(dict.fromkeys(formats))


def renderer(fmt):
    """Return the render function of ``fmt``; RendererMissing when its module is absent."""
    module_name, function, _ext = RENDERERS[fmt]
    try:
        module = importlib.import_module(f"{__package__}.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.{module_name}":
            raise
        raise RendererMissing(f"the {fmt} renderer is not available") from None
    return getattr(module, function)


def artifact_name(slug, commit, fmt):
    """Return the file name of an artifact: ``<slug>-<commit8>.<ext>``."""
    return f"{slug}-{commit[:8]}.{RENDERERS[fmt][2]}"


def needs_proof(repo, commit, chapters):
    """Return True when an export of ``commit`` is a proof (校样): unless every chapter row
    in ``chapters`` is approved and its file at ``commit`` is the approved file."""
    if not chapters:
        return True
    for chapter in chapters:
        if chapter.state != ChapterState.APPROVED or not chapter.approved_revision:
            return True
        if repo.blob_id(chapter.path, commit) != repo.blob_id(chapter.path,
                                                               chapter.approved_revision):
            return True
    return False


def is_proof(book, repo, commit):
    """Return True when an export of ``book`` at ``commit`` is a proof: False for the commit
    of one of its editions (approved when tagged, so rebuilding it never turns into a
    proof after a chapter is reopened), else needs_proof() of its chapters."""
    from sqlalchemy import select

    from ..extensions import db
    from ..models import Edition
    if db.session.scalar(select(Edition.id).filter_by(book_id=book.id, commit=commit).limit(1)):
        return False
    return needs_proof(repo, commit, book.chapters)


def render_one(snap, fmt, profile_name, out_dir, *, proof, progress=None, cache_dir=None):
    """Render ``snap`` as ``fmt`` into ``out_dir``; return its Artifact.

    The file is written under a temporary name and renamed when complete.
    """
    render = renderer(fmt)
    progress = progress or noop_progress
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / artifact_name(snap.slug, snap.commit, fmt)
    partial = out_dir / f".partial-{target.name}"
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
    options = {"proof": proof, "progress": progress, "cache_dir": cache_dir}
    if fmt == "pdf":
        report = render(snap, profiles.get(profile_name), str(partial), **options)
    else:
        report = render(snap, str(partial), **options)
    os.replace(partial, target)
    return Artifact(fmt, str(target), manifest.sha256_of(target), target.stat().st_size,
                    report or RenderReport())


def _fonts(artifacts):
    fonts = [f for a in artifacts for f in a.report.fonts]
    if any(a.format == "pdf" for a in artifacts):
        try:
            fonts += list(importlib.import_module(f"{__package__}.pdf").font_files())
        except (ImportError, AttributeError):
            pass
    return fonts


def run(snap, formats, profile_name, out_dir, proof, progress=None, cache_dir=None):
    """Render ``snap`` in every format of ``formats`` into ``out_dir`` and write its
    manifest; return (artifacts, manifest path). ``progress(fraction, message)`` hears
    0..1 over the whole run, each format taking an equal share."""
    progress = progress or noop_progress
    formats = check_formats(formats)
    artifacts = []
    with disk.in_use(cache_dir):  # the pruner leaves this cache alone meanwhile
        for index, fmt in enumerate(formats):
            share = 1 / len(formats)

            def scaled(fraction, message="", _base=index * share, _fmt=fmt):
                progress(min(1.0, _base + share * max(0.0, min(1.0, fraction))),
                         f"{_fmt}: {message}" if message else _fmt)

            scaled(0.0)
            artifacts.append(render_one(snap, fmt, profile_name, out_dir, proof=proof,
                                        progress=scaled, cache_dir=cache_dir))
    path = manifest.write(out_dir, manifest.build(snap, proof, profile_name, artifacts,
                                                  _fonts(artifacts)))
    progress(1.0, "")
    return artifacts, path


def _store_and_app(app_or_store):
    if hasattr(app_or_store, "config") and hasattr(app_or_store, "app_context"):
        from ..store import ManuscriptStore
        return ManuscriptStore(app_or_store.config["MANUSCRIPTS"]), app_or_store
    return app_or_store, None


def _proof_from_database(app, slug, repo, commit):
    from flask import current_app, has_app_context

    def book():
        from ..extensions import db
        from ..models import Book
        return db.session.scalars(db.select(Book).filter_by(slug=slug)).one()

    if has_app_context() and current_app._get_current_object() is app:
        return is_proof(book(), repo, commit)
    with app.app_context():
        return is_proof(book(), repo, commit)


def build(app_or_store, book_slug, fmt, rev=None, profile_name=None, out_dir=None,
          progress=None, *, proof=None, cache_dir=None):
    """Build one artifact of book ``book_slug`` at ``rev`` (default head of main) in
    ``out_dir`` with its manifest.json; return the Artifact.

    ``app_or_store`` is the Flask app (proof status from the database, render cache
    in EXPORTS/<slug>/cache) or a ManuscriptStore (no database: a proof unless
    ``proof=False`` is passed). ``profile_name`` defaults to the book's print profile.
    """
    check_formats([fmt])
    store, app = _store_and_app(app_or_store)
    repo = store.book(book_slug)
    snap = snapshot.take(repo, book_slug, rev)
    if proof is None:
        proof = _proof_from_database(app, book_slug, repo, snap.commit) if app else True
    profile_name = profile_name or profiles.default_for(snap.meta).name
    profiles.get(profile_name)
    if cache_dir is None and app is not None:
        cache_dir = cache_folder(app.config["EXPORTS"], book_slug)
    if out_dir is None:
        raise Invalid("out_dir is required")
    artifacts, _path = run(snap, [fmt], profile_name, out_dir, proof, progress, cache_dir)
    return artifacts[0]


def cache_folder(exports_root, slug):
    """Return the render cache folder of a book: EXPORTS/<slug>/cache."""
    return str(Path(exports_root) / slug / "cache")


def job_folder(exports_root, slug, job_id):
    """Return the folder of one job's artifacts: EXPORTS/<slug>/jobs/<job id>."""
    return str(Path(exports_root) / slug / "jobs" / job_id)
