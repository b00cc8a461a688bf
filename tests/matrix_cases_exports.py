"""Permission matrix cases for exports, jobs and editions (see tests/matrix.py).

Readers of the book see its exports, jobs and editions and download their files;
production staff, editors and admins start exports; production staff and admins
create editions (the world's book is not approved, so an accepted request is told
so on the page and writes nothing). prepare() leaves one finished html job.
"""
from matrix import API_READ, WEB_READ, Case, expect

from alliance.production import jobs
from alliance.manuscripts.books import find_book
from alliance.extensions import db, manuscript_store
from alliance.people.accounts import find_user

BOOK = "/books/labor-rights"
JOB = BOOK + "/exports/{job_id}"
NOT_SCHOOLS = dict(author=403, other_author=403, coordinator=403)
EXPORTERS = expect(302, editor=302, production=302, admin=302, **NOT_SCHOOLS)
EDITION_MAKERS = expect(302, editor=403, production=302, admin=302, **NOT_SCHOOLS)
API_EXPORTERS = expect(401, editor=202, production=202, admin=202, **NOT_SCHOOLS)

CASES = [
    Case("exports.index", "GET", BOOK + "/exports", WEB_READ),
    Case("exports.start", "POST", BOOK + "/exports", EXPORTERS, form={"format": "html"},
         write=True),
    Case("exports.job", "GET", JOB, WEB_READ),
    Case("exports.status", "GET", JOB + "/status", WEB_READ),
    Case("exports.download", "GET", JOB + "/files/{artifact}", WEB_READ),
    Case("exports.editions_page", "GET", BOOK + "/editions", WEB_READ),
    Case("exports.create_edition", "POST", BOOK + "/editions", EDITION_MAKERS,
         form={"label": "m-{role}"}, write=True),
    Case("exports.chapter_preview", "GET", BOOK + "/chapters/ch01/preview.pdf", WEB_READ),
    Case("api.start_export", "POST", "/api/v1" + BOOK + "/exports", API_EXPORTERS,
         json={"formats": ["html"]}, write=True),
    Case("api.get_job", "GET", "/api/v1/jobs/{job_id}", API_READ),
    Case("api.job_artifact", "GET", "/api/v1/jobs/{job_id}/artifacts/{artifact}", API_READ),
]


def prepare(app, world):
    """One finished html export of the book, by production."""
    with app.app_context():
        job = jobs.queue_export(manuscript_store(), find_book("labor-rights"),
                                find_user(world.emails["production"]), ["html"])
        db.session.commit()
        job_id = job.id
    jobs.run_job(app, job_id)
    with app.app_context():
        from alliance.models import ExportJob
        artifact = db.session.get(ExportJob, job_id).artifacts[0]["file"]
    return {"job_id": job_id, "artifact": artifact}
