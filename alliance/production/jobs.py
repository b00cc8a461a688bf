"""Export jobs: a row per export whose progress moves as its chapters render.

create_export() checks and records a job (queued); after the caller commits,
submit() hands it to a runner: the app's own thread pool by default, or an RQ
queue in Redis when REDIS_URL is set, where `alliance worker` runs it. Both run
run_job(), which claims the row (queued -> running, once, atomically), commits
progress as it goes and ends in done (artifacts listed) or failed (error set).
A worker that dies leaves its job running with an old heartbeat: recover_stale()
(at every worker's start) marks such jobs failed, so none stays running forever.
"""
import logging
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select, update

from ..people import audit
from ..publishing import bookmeta
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db, manuscript_store
from ..models import ExportJob, JobState, utcnow
from ..people.permissions import can_export, can_read_book
from ..publishing import disk, export, profiles, snapshot
from . import cleanup

log = logging.getLogger(__name__)

QUEUE = "alliance-exports"
EXPORT_STARTED = "export_started"
#: A running job whose heartbeat is older than this is taken for dead.
STALE_AFTER = timedelta(minutes=15)
RQ_JOB_TIMEOUT = 3600


def new_id():
    """Return a fresh random url-safe job id (16 characters)."""
    return secrets.token_urlsafe(12)


def resolve_rev(repo, rev):
    """Return the commit of ``rev``: a full commit id, ``edition/<label>`` (an edition's tag),
    or None for the head of main. The store's InvalidRevision for anything else."""
    if rev and rev.startswith("edition/"):
        commit = repo.tags().get(rev)
        if commit:
            return commit
    return repo.resolve(rev or None)


def create_export(store, book, user, formats, rev=None, profile=None):
    """Record a queued export of ``book`` at ``rev`` (default head) in ``formats`` and return
    it; Forbidden unless ``user`` may export, Invalid for a bad format or profile. The job
    is a proof unless every chapter is approved at that commit. Flushes; after the
    caller commits, submit() starts it."""
    if not can_export(user, book):
        raise Forbidden("only the book's production staff, editors and admins may export it")
    return queue_export(store, book, user, formats, rev, profile)


def queue_export(store, book, user, formats, rev=None, profile=None):
    """create_export() without the permission check, for services that checked already."""
    formats = export.check_formats(formats)
    repo = store.book(book.slug)
    commit = resolve_rev(repo, rev)
    if profile:
        profiles.get(profile)
    else:
        profile = profiles.default_for(bookmeta.parse(repo.load("book.yaml", commit))).name
    job = ExportJob(id=new_id(), book=book, requested_by=user, formats=formats, rev=rev,
                    commit=commit, profile=profile, state=JobState.QUEUED, progress=0.0,
                    message="", artifacts=[],
                    proof=export.is_proof(book, repo, commit))
    db.session.add(job)
    audit.record(EXPORT_STARTED, user, target=job.id, book=book, formats=formats,
                 commit=commit, proof=job.proof, profile=profile)
    return job


def readable_job(user, job_id):
    """Return the job if ``user`` may read its book; NotFound otherwise."""
    job = db.session.get(ExportJob, job_id) if isinstance(job_id, str) else None
    if job is None or not can_read_book(user, job.book):
        raise NotFound("no such export job")
    return job


def book_jobs(book, limit=20):
    """Return the book's latest jobs, newest first."""
    return db.session.scalars(select(ExportJob).filter_by(book_id=book.id)
                              .order_by(ExportJob.created_at.desc()).limit(limit)).all()


def job_json(job, artifact_url):
    """Return the job as INTERFACES.md says: {state, progress, artifacts, error?};
    ``artifact_url(job, file name)`` gives each artifact's download address."""
    answer = {"state": job.state.value, "progress": round(float(job.progress or 0), 4),
              "artifacts": [{"format": a["format"], "url": artifact_url(job, a["file"]),
                             "sha256": a["sha256"], "bytes": a["bytes"]}
                            for a in (job.artifacts or [])] if job.state == JobState.DONE
              else []}
    if job.state == JobState.FAILED:
        answer["error"] = job.error or "the export failed"
    return answer


def artifact_path(app, job, name):
    """Return the absolute path of artifact ``name`` of ``job`` (or its manifest.json);
    NotFound unless the job lists it and it exists. Names come from the job row, never
    from the request, so no path outside the job's folder can be reached."""
    names = {a["file"] for a in (job.artifacts or [])} | {"manifest.json"}
    if job.state != JobState.DONE or name not in names:
        raise NotFound("no such file in this export")
    path = os.path.join(export.job_folder(app.config["EXPORTS"], job.book.slug, job.id), name)
    if not os.path.isfile(path):
        raise NotFound("the file of this export is gone")
    disk.touch(path)  # a download is a use: the pruner keeps recently fetched files longest
    return path


def files_kept(app, job):
    """Return False when ``job`` finished but its folder was pruned to free disk space."""
    return job.state != JobState.DONE or os.path.isdir(
        export.job_folder(app.config["EXPORTS"], job.book.slug, job.id))


# -- running ---------------------------------------------------------------------------

def submit(app, job_id):
    """Hand the committed queued job to the runner: RQ when REDIS_URL is set, else the
    app's thread pool. A queue that cannot be reached fails the job with that reason."""
    if app.config.get("REDIS_URL"):
        try:
            _queue(app.config["REDIS_URL"]).enqueue(
                "alliance.production.jobs.rq_entry", job_id, job_id=f"export-{job_id}",
                job_timeout=RQ_JOB_TIMEOUT, result_ttl=3600, failure_ttl=86400)
        except Exception as exc:  # redis down: say so on the job rather than keep it queued
            _finish(db.engine, job_id, JobState.FAILED, error=f"the job queue is unavailable: {exc}")
        return
    _pool(app).submit(_run_logged, app, job_id)


def _queue(url):
    from redis import Redis
    from rq import Queue
    return Queue(QUEUE, connection=Redis.from_url(url))


def _pool(app):
    pool = app.extensions.get("alliance_export_pool")
    if pool is None:
        pool = app.extensions.setdefault("alliance_export_pool", ThreadPoolExecutor(
            max_workers=app.config.get("EXPORT_THREADS", 1), thread_name_prefix="export"))
        pool.submit(_recover_and_resume, app)
    return pool


def _recover_and_resume(app):
    # A restarted app: its dead jobs fail, and the queued ones it never ran are run now.
    with app.app_context():
        recover_stale()
        db.session.commit()
        waiting = db.session.scalars(select(ExportJob.id).filter_by(state=JobState.QUEUED)).all()
    for job_id in waiting:
        app.extensions["alliance_export_pool"].submit(_run_logged, app, job_id)


def _run_logged(app, job_id):
    try:
        run_job(app, job_id)
    except Exception:  # a thread's exception would vanish silently
        log.exception("export job %s crashed", job_id)


def rq_entry(job_id):
    """The function RQ workers run: run_job() in the worker's app."""
    from flask import current_app, has_app_context
    from .. import create_app
    app = current_app._get_current_object() if has_app_context() else create_app()
    run_job(app, job_id)


def recover_stale(now=None):
    """Mark running jobs whose heartbeat is older than STALE_AFTER failed; return how many.
    Flushes; the caller commits."""
    cutoff = (now or utcnow()) - STALE_AFTER
    result = db.session.execute(
        update(ExportJob).where(ExportJob.state == JobState.RUNNING)
        .where((ExportJob.heartbeat_at < cutoff) | ExportJob.heartbeat_at.is_(None))
        .values(state=JobState.FAILED, finished_at=utcnow(),
                error="the worker running this export stopped; start the export again"))
    return result.rowcount


def run_job(app, job_id):
    """Run the export job ``job_id`` if it is still queued; return its final state.

    Claims the row atomically, so two runners never build one job. Commits its own
    progress (this runs outside any request), and ends done or failed. A job it ran is
    followed by pruning the render caches and other artifacts to the size limit
    (cleanup.py), this job's files spared.
    """
    state, folder = _claim_and_run(app, job_id)
    if folder:
        cleanup.collect_quietly(app, spare=(folder,))
    return state


def _claim_and_run(app, job_id):
    # (final state, the job's folder when this call ran it, else None)
    with app.app_context():
        engine = db.engine
        now = utcnow()
        with engine.begin() as conn:
            claimed = conn.execute(
                update(ExportJob).where(ExportJob.id == job_id,
                                        ExportJob.state == JobState.QUEUED)
                .values(state=JobState.RUNNING, started_at=now, heartbeat_at=now,
                        message="")).rowcount
        if not claimed:
            job = db.session.get(ExportJob, job_id)
            return (job.state if job else None), None
        job = db.session.get(ExportJob, job_id)
        reporter = _Reporter(engine, job_id)
        out_dir = export.job_folder(app.config["EXPORTS"], job.book.slug, job.id)
        try:
            repo = manuscript_store().book(job.book.slug)
            snap = snapshot.take(repo, job.book.slug, job.commit)
            artifacts, _manifest = export.run(
                snap, job.formats, job.profile, out_dir, job.proof, reporter,
                export.cache_folder(app.config["EXPORTS"], snap.slug))
        except Exception as exc:
            db.session.rollback()
            log.exception("export job %s failed", job_id)
            _finish(engine, job_id, JobState.FAILED, error=_describe(exc, reporter.current))
            return JobState.FAILED, out_dir
        finally:
            db.session.remove()
        _finish(engine, job_id, JobState.DONE, artifacts=[a.as_json() for a in artifacts])
        return JobState.DONE, out_dir


def _describe(exc, current):
    what = exc.message if isinstance(exc, DomainError) else (str(exc) or type(exc).__name__)
    where = f" while rendering {current}" if current else ""
    return f"the export failed{where}: {what}"[:2000]


def _finish(engine, job_id, state, error=None, artifacts=None):
    values = {"state": state, "finished_at": utcnow(), "heartbeat_at": utcnow()}
    if state == JobState.DONE:
        values.update(progress=1.0, message="", artifacts=artifacts or [])
    else:
        values["error"] = error
    with engine.begin() as conn:
        conn.execute(update(ExportJob).where(ExportJob.id == job_id).values(**values))


class _Reporter:
    """The progress callback: commits each step on the row through its own connection, so
    renders may call it from any thread."""

    def __init__(self, engine, job_id):
        self.engine, self.job_id = engine, job_id
        self.last, self.current = -1.0, ""

    def __call__(self, fraction, message=""):
        fraction = max(0.0, min(1.0, float(fraction)))
        self.current = message or self.current
        if fraction < self.last + 0.005 and fraction < 1.0:
            return  # nothing a progress bar would show
        self.last = fraction
        with self.engine.begin() as conn:
            conn.execute(update(ExportJob).where(ExportJob.id == self.job_id).values(
                progress=fraction, message=(message or "")[:300], heartbeat_at=utcnow()))
