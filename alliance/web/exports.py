"""Pages: a book's exports (form, recent jobs), a job's progress and files, its editions.

The job page's progress bar polls the session-authenticated status route (JSON, the
API's shape) from static/js/export_progress.js: the CSP forbids inline scripts.
Files are served only to people who may read the book, and only by the names the
job row lists.
"""
import io
import os
import tempfile

from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..manuscripts import books as svc
from ..production import editions, jobs
from ..errors import AlreadyExists, Invalid, NotFound
from ..extensions import db, manuscript_store
from ..models import JobState
from ..people.permissions import can_create_edition, can_export
from ..publishing import export, pdf, profiles, snapshot
from ..store import InvalidRevision
from .limits import PDF_PREVIEWS, per_person

bp = Blueprint("exports", __name__)


@bp.app_context_processor
def helpers():
    """Let pages label job states and tell whether a finished job's files are still kept."""
    return {"job_state_label": job_state_label,
            "job_files_kept": lambda job: jobs.files_kept(current_app, job)}


def job_state_label(state):
    """Return the translated name of a JobState."""
    return {JobState.QUEUED: _("Queued"), JobState.RUNNING: _("Running"),
            JobState.DONE: _("Done"), JobState.FAILED: _("Failed")}.get(state, str(state))


def _job(slug, job_id):
    book = svc.readable_book(current_user, slug)
    job = jobs.readable_job(current_user, job_id)
    if job.book_id != book.id:
        raise NotFound("no such export job")
    return book, job


def file_url(job, name):
    """Return the download address of file ``name`` of ``job`` (for pages)."""
    return url_for("exports.download", slug=job.book.slug, job_id=job.id, name=name)


@bp.get("/books/<slug>/exports")
@login_required
def index(slug):
    """The export form (for those who may export) and the book's latest jobs."""
    book = svc.readable_book(current_user, slug)
    return render_template("exports/index.html", book=book, jobs=jobs.book_jobs(book),
                           formats=export.FORMATS, profiles=profiles.names(),
                           may_export=can_export(current_user, book))


@bp.post("/books/<slug>/exports")
@login_required
def start(slug):
    """Start an export of the head (or the revision given) and go to its job page."""
    book = svc.readable_book(current_user, slug)
    try:
        job = jobs.create_export(manuscript_store(), book, current_user,
                                 request.form.getlist("format"),
                                 request.form.get("rev", "").strip() or None,
                                 request.form.get("profile") or None)
    except (Invalid, InvalidRevision) as exc:
        db.session.rollback()
        flash(_("The export was not started: %(reason)s", reason=getattr(exc, "message", exc)))
        return redirect(url_for("exports.index", slug=slug))
    db.session.commit()
    jobs.submit(current_app._get_current_object(), job.id)
    return redirect(url_for("exports.job", slug=slug, job_id=job.id))


@bp.get("/books/<slug>/exports/<job_id>")
@login_required
def job(slug, job_id):
    """A job: its progress bar (moving while it runs), its files when done, its error."""
    book, job = _job(slug, job_id)
    return render_template("exports/job.html", book=book, job=job, file_url=file_url)


@bp.get("/books/<slug>/exports/<job_id>/status")
@login_required
def status(slug, job_id):
    """The job as JSON (the API's shape, with page addresses), plus what it is doing."""
    _book, job = _job(slug, job_id)
    answer = jobs.job_json(job, file_url)
    answer["message"] = job.message or ""
    return jsonify(answer)


@bp.get("/books/<slug>/exports/<job_id>/files/<name>")
@login_required
def download(slug, job_id, name):
    """Download a file of a finished job (an artifact or its manifest.json)."""
    _book, job = _job(slug, job_id)
    path = jobs.artifact_path(current_app, job, name)
    return send_file(path, as_attachment=True, download_name=name)


@bp.get("/books/<slug>/editions")
@login_required
def editions_page(slug):
    """The book's editions with their files, and the form to make one."""
    book = svc.readable_book(current_user, slug)
    return render_template("exports/editions.html", book=book,
                           editions=editions.for_book(book), file_url=file_url,
                           may_create=can_create_edition(current_user, book))


@bp.post("/books/<slug>/editions")
@login_required
def create_edition(slug):
    """Tag the approved head as an edition and start building its PDF and EPUB."""
    book = svc.readable_book(current_user, slug)
    try:
        edition = editions.create_edition(book, request.form.get("label", ""), current_user)
    except (Invalid, AlreadyExists) as exc:
        db.session.rollback()
        flash(_("The edition was not created: %(reason)s", reason=exc.message))
        return redirect(url_for("exports.editions_page", slug=slug))
    db.session.commit()
    jobs.submit(current_app._get_current_object(), edition.job_id)
    flash(_("Edition %(label)s was created; its files are being built.", label=edition.label))
    return redirect(url_for("exports.editions_page", slug=slug))


@bp.get("/books/<slug>/chapters/<key>/preview.pdf")
@login_required
@per_person(PDF_PREVIEWS)
def chapter_preview(slug, key):
    """The chapter's latest text as printed pages (the book's trim, on screen): a 校样 proof."""
    book = svc.readable_book(current_user, slug)
    chapter = svc.find_chapter(book, key)
    repo = manuscript_store().book(book.slug)
    snap = snapshot.take(repo, book.slug)
    profile = profiles.get(f"{profiles.default_for(snap.meta).trim}-screen")
    with tempfile.TemporaryDirectory(prefix="alliance-preview-") as folder:
        out = os.path.join(folder, f"{chapter.key}.pdf")
        try:
            pdf.preview_pdf(snap, chapter.key, profile, out, proof=True)
        except LookupError:
            raise NotFound("this chapter has no text yet") from None
        with open(out, "rb") as handle:
            data = handle.read()
    return send_file(io.BytesIO(data), mimetype="application/pdf",
                     download_name=f"{book.slug}-{chapter.key}-preview.pdf")
