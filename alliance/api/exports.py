"""JSON API: exports and jobs (POST /books/{book}/exports, GET /jobs/{job}).

A job's artifacts are downloaded from /jobs/{job}/artifacts/{file} with the same token.
"""
from flask import current_app, g, jsonify, send_file, url_for

from ..manuscripts import books as svc
from ..production import jobs
from ..extensions import db, manuscript_store
from .base import bp
from .books import body, field


def _artifact_url(job, name):
    return url_for("api.job_artifact", job_id=job.id, name=name, _external=True)


@bp.post("/books/<slug>/exports")
def start_export(slug):
    """Queue an export of the book; 202 {job}. Body: {formats, rev?, profile?}."""
    book = svc.readable_book(g.user, slug)
    data = body()
    job = jobs.create_export(manuscript_store(), book, g.user, field(data, "formats", list),
                             field(data, "rev", required=False),
                             field(data, "profile", required=False))
    db.session.commit()  # the runner must find the row
    jobs.submit(current_app._get_current_object(), job.id)
    response = jsonify({"job": job.id})
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_job", job_id=job.id)
    return response


@bp.get("/jobs/<job_id>")
def get_job(job_id):
    """The job: {state, progress, artifacts: [{format, url, sha256, bytes}], error?}."""
    return jsonify(jobs.job_json(jobs.readable_job(g.user, job_id), _artifact_url))


@bp.get("/jobs/<job_id>/artifacts/<name>")
def job_artifact(job_id, name):
    """Download a file of a finished job (an artifact or manifest.json)."""
    job = jobs.readable_job(g.user, job_id)
    return send_file(jobs.artifact_path(current_app, job, name), as_attachment=True,
                     download_name=name)
