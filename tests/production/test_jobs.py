"""Export jobs: recorded, claimed once, run by the app's pool or by `alliance worker` on a
real Redis, progress committed as chapters render, failures and dead workers reported."""
import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from alliance.production import jobs
from alliance.manuscripts.books import find_book
from alliance.errors import Forbidden, Invalid
from alliance.extensions import db, manuscript_store
from alliance.models import AuditEvent, ExportJob, JobState, utcnow
from alliance.store import InvalidRevision

from export_helpers import PRODUCTION, add_production, user, wait_for
from helpers import free_port


@pytest.fixture
def prod(app, world):
    add_production(app, world)
    return world


def _create(app, email=PRODUCTION, formats=("html",), rev=None, profile=None):
    with app.app_context():
        job = jobs.create_export(manuscript_store(), find_book("labor-rights"), user(email),
                                 list(formats), rev, profile)
        db.session.commit()
        return job.id


def test_a_job_runs_to_done_with_its_files_and_manifest(app, prod):
    job_id = _create(app)
    assert jobs.run_job(app, job_id) == JobState.DONE
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        assert job.state == JobState.DONE and job.progress == 1.0 and job.proof
        assert job.started_at and job.finished_at and job.error is None
        folder = Path(app.config["EXPORTS"]) / "labor-rights" / "jobs" / job_id
        [artifact] = job.artifacts
        assert artifact["file"] == f"labor-rights-{job.commit[:8]}.html"
        assert (folder / artifact["file"]).stat().st_size == artifact["bytes"]
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["commit"] == job.commit and manifest["proof"] is True
        assert [c["key"] for c in manifest["chapters"]] == ["ch01"]
        event = db.session.scalar(select(AuditEvent).filter_by(action=jobs.EXPORT_STARTED))
        assert event.target == job_id and event.details["formats"] == ["html"]


def test_a_job_runs_once_even_when_run_twice(app, prod):
    job_id = _create(app)
    assert jobs.run_job(app, job_id) == JobState.DONE
    with app.app_context():
        finished = db.session.get(ExportJob, job_id).finished_at
    assert jobs.run_job(app, job_id) == JobState.DONE  # already claimed: nothing rebuilt
    with app.app_context():
        assert db.session.get(ExportJob, job_id).finished_at == finished


def test_the_app_pool_runs_a_submitted_job_and_progress_moves(app, prod):
    job_id = _create(app)
    jobs.submit(app, job_id)
    seen = []
    result = wait_for(app, job_id, seen=seen)
    assert result["state"] == JobState.DONE, result["error"]
    assert seen[-1] == 1.0 and seen == sorted(seen)


def test_a_failed_render_fails_the_job_with_a_clear_error(app, prod):
    job_id = _create(app)
    shutil.rmtree(Path(app.config["MANUSCRIPTS"]) / "labor-rights.git")  # the repository is gone
    assert jobs.run_job(app, job_id) == JobState.FAILED
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        assert job.state == JobState.FAILED and job.finished_at
        assert job.error.startswith("the export failed") and "labor-rights" in job.error


def test_bad_requests_are_refused_and_record_nothing(app, prod):
    with pytest.raises(Invalid, match="unknown format"):
        _create(app, formats=["mobi"])
    with pytest.raises(Invalid, match="unknown profile"):
        _create(app, profile="16k-poster")
    with pytest.raises(InvalidRevision):
        _create(app, rev="0" * 40)
    with pytest.raises(Forbidden):
        _create(app, email=prod.emails["author"])
    with app.app_context():
        assert db.session.scalars(select(ExportJob)).all() == []


def test_stale_running_jobs_are_marked_failed_and_fresh_ones_kept(app, prod):
    old, fresh = _create(app), _create(app)
    with app.app_context():
        db.session.get(ExportJob, old).state = JobState.RUNNING
        db.session.get(ExportJob, old).heartbeat_at = utcnow() - timedelta(hours=1)
        db.session.get(ExportJob, fresh).state = JobState.RUNNING
        db.session.get(ExportJob, fresh).heartbeat_at = utcnow()
        db.session.commit()
        assert jobs.recover_stale() == 1
        db.session.commit()
        assert db.session.get(ExportJob, old).state == JobState.FAILED
        assert "stopped" in db.session.get(ExportJob, old).error
        assert db.session.get(ExportJob, fresh).state == JobState.RUNNING


# -- Redis and `alliance worker` ------------------------------------------------------

def _worker(app, redis_url, *args):
    env = {**os.environ, "ALLIANCE_HOME": app.config["ALLIANCE_HOME"],
           "ALLIANCE_REDIS_URL": redis_url, "ALLIANCE_DATABASE_URL": app.config["DATABASE_URL"]}
    return subprocess.run([sys.executable, "-m", "alliance.cli", "worker", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def test_with_redis_jobs_queue_and_alliance_worker_runs_them(app, prod, redis_url):
    app.config["REDIS_URL"] = redis_url
    job_ids = [_create(app), _create(app, formats=["html", "epub"])]
    for job_id in job_ids:
        jobs.submit(app, job_id)
    with app.app_context():  # nobody ran them in the app
        assert {db.session.get(ExportJob, j).state for j in job_ids} == {JobState.QUEUED}
    proc = _worker(app, redis_url, "--burst")
    assert proc.returncode == 0, proc.stderr
    for job_id in job_ids:
        result = wait_for(app, job_id, timeout=10)
        assert result["state"] == JobState.DONE, result["error"]
    assert [a["format"] for a in result["artifacts"]] == ["html", "epub"]


def test_the_worker_fails_jobs_a_dead_worker_left_running(app, prod, redis_url):
    job_id = _create(app)
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        job.state, job.heartbeat_at = JobState.RUNNING, utcnow() - timedelta(hours=2)
        db.session.commit()
    proc = _worker(app, redis_url, "--burst")
    assert proc.returncode == 0, proc.stderr
    assert "1 interrupted" in proc.stdout
    with app.app_context():
        assert db.session.get(ExportJob, job_id).state == JobState.FAILED


def test_an_unreachable_queue_fails_the_job_saying_so(app, prod):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    job_id = _create(app)
    with app.app_context():
        jobs.submit(app, job_id)
        job = db.session.get(ExportJob, job_id)
        db.session.refresh(job)
        assert job.state == JobState.FAILED and "queue is unavailable" in job.error


def test_worker_without_redis_says_what_to_set(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 1 and "ALLIANCE_REDIS_URL" in result.output


def test_a_restarted_app_runs_what_it_left_queued_and_fails_what_died_running(app, prod):
    left_queued, died = _create(app), _create(app)
    with app.app_context():
        job = db.session.get(ExportJob, died)
        job.state, job.heartbeat_at = JobState.RUNNING, utcnow() - timedelta(hours=1)
        db.session.commit()
    from alliance import create_app  # the same home, as after a restart
    restarted = create_app({"TESTING": True, "ALLIANCE_HOME": app.config["ALLIANCE_HOME"],
                            "DATABASE_URL": app.config["DATABASE_URL"]})
    fresh = _create(restarted)
    jobs.submit(restarted, fresh)
    assert wait_for(restarted, fresh)["state"] == JobState.DONE
    assert wait_for(restarted, left_queued)["state"] == JobState.DONE
    assert wait_for(restarted, died)["state"] == JobState.FAILED
