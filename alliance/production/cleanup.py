"""Keeping EXPORTS within ALLIANCE_CACHE_MAX_MB: what may go, and when it goes.

publishing.disk knows the folders and removes the least recently used first; this
module adds what only the database knows: the jobs whose files must stay (every
edition's build, and the jobs still queued or running). It runs after every export
job (jobs.run_job) and every `alliance export`, and on demand as `alliance gc`.
Delivery packages and agreement scans are never touched.

Service API:
    limit_bytes(config) -> int
    kept_jobs() -> frozenset of job ids
    collect(app, limit_mb=None, spare=()) -> publishing.disk.PruneReport
    collect_quietly(app, spare=()) -> PruneReport or None (never raises)
"""
import logging

from sqlalchemy import select

from ..extensions import db
from ..models import Edition, ExportJob, JobState
from ..publishing import disk

log = logging.getLogger(__name__)
MB = 1024 * 1024
DEFAULT_MAX_MB = 2048


def limit_bytes(config, limit_mb=None):
    """Return the size limit of the prunable files in bytes: ``limit_mb`` or the
    configuration's CACHE_MAX_MB (default 2048 MB); never below 0."""
    value = config.get("CACHE_MAX_MB", DEFAULT_MAX_MB) if limit_mb is None else limit_mb
    return max(0, int(float(value) * MB))


def kept_jobs():
    """Return the ids of the jobs whose folders are never pruned: every edition's job and
    every job not yet finished (its files are being written)."""
    editions = db.session.scalars(select(Edition.job_id).where(Edition.job_id.is_not(None)))
    unfinished = db.session.scalars(select(ExportJob.id).where(
        ExportJob.state.in_([JobState.QUEUED, JobState.RUNNING])))
    return frozenset(editions) | frozenset(unfinished)


def collect(app, limit_mb=None, spare=()):
    """Prune ``app``'s render caches and non-edition artifacts to the limit, least recently
    used first; return the PruneReport. The paths in ``spare`` (a job's folder, a file)
    count but are left this time: what was just built, which its requester is about to
    fetch. Needs an app context (it reads the jobs)."""
    report = disk.prune(app.config["EXPORTS"], limit_bytes(app.config, limit_mb),
                        kept_jobs(), spare)
    if report.removed:
        log.info("pruned %d cache files and artifacts (%d bytes); %d bytes left of %d",
                 len(report.removed), report.freed, report.left, report.limit)
    return report


def collect_quietly(app, spare=()):
    """collect() in its own app context, logging rather than raising: for the end of a job
    or an export, whose outcome a failed clean-up must not change."""
    try:
        with app.app_context():
            try:
                return collect(app, spare=spare)
            finally:
                db.session.remove()
    except Exception:  # noqa: BLE001 - disk clean-up is best effort after a job
        log.exception("pruning the render cache and artifacts failed")
        return None
