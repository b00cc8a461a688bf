"""The JSON API's exports: POST /books/{book}/exports -> 202 {job}; GET /jobs/{job} in the
shape INTERFACES.md gives; artifacts downloadable with the same token."""
import hashlib
import time

import pytest

from export_helpers import add_production


@pytest.fixture
def prod(app, world):
    add_production(app, world)
    return world


def bearer(world, who):
    return {"Authorization": f"Bearer {world.tokens[world.emails[who]]}"}


def start(client, world, who="production", **body):
    return client.post("/api/v1/books/labor-rights/exports", headers=bearer(world, who),
                       json=body)


def poll(client, world, job_id, who="production", timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = client.get(f"/api/v1/jobs/{job_id}", headers=bearer(world, who))
        assert answer.status_code == 200
        if answer.json["state"] in ("done", "failed"):
            return answer.json
        assert 0 <= answer.json["progress"] <= 1 and answer.json["artifacts"] == []
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


def test_an_export_is_accepted_and_its_job_ends_with_downloadable_artifacts(client, prod):
    answer = start(client, prod, formats=["html", "epub"])
    assert answer.status_code == 202 and set(answer.json) == {"job"}
    job_id = answer.json["job"]
    assert answer.headers["Location"].endswith(f"/api/v1/jobs/{job_id}")
    job = poll(client, prod, job_id)
    assert set(job) == {"state", "progress", "artifacts"} and job["state"] == "done"
    assert job["progress"] == 1
    assert [a["format"] for a in job["artifacts"]] == ["html", "epub"]
    for artifact in job["artifacts"]:
        assert set(artifact) == {"format", "url", "sha256", "bytes"}
        data = client.get(artifact["url"], headers=bearer(prod, "author"))  # a reader
        assert data.status_code == 200 and len(data.data) == artifact["bytes"]
        assert hashlib.sha256(data.data).hexdigest() == artifact["sha256"]
        assert "attachment" in data.headers["Content-Disposition"]


def test_a_failed_job_says_why(client, prod, app):
    from helpers import free_port
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"  # a queue nobody serves
    job_id = start(client, prod, formats=["html"]).json["job"]
    job = poll(client, prod, job_id)
    assert set(job) == {"state", "progress", "artifacts", "error"}
    assert job["state"] == "failed" and "queue is unavailable" in job["error"]


def test_who_may_export(client, prod):
    for who in ("author", "coordinator", "other_author"):
        answer = start(client, prod, who, formats=["html"])
        assert answer.status_code == 403 and answer.json["error"] == "forbidden"
    assert start(client, prod, "editor", formats=["html"]).status_code == 202


@pytest.mark.parametrize("body,code", [
    ({}, "invalid"), ({"formats": "pdf"}, "invalid"), ({"formats": []}, "invalid"),
    ({"formats": ["mobi"]}, "invalid"), ({"formats": ["pdf"], "profile": "poster"}, "invalid"),
    ({"formats": ["pdf"], "rev": "main"}, "invalid_revision"),
    ({"formats": ["pdf"], "rev": "0" * 40}, "invalid_revision"),
])
def test_bad_bodies_are_400_with_a_reason(client, prod, body, code):
    answer = start(client, prod, **body)
    assert answer.status_code == 400 and answer.json["error"] == code
    assert answer.json["message"]


def test_unknown_jobs_books_and_files_are_404(client, prod, app):
    assert client.get("/api/v1/jobs/nope", headers=bearer(prod, "editor")).status_code == 404
    answer = client.post("/api/v1/books/nope/exports", headers=bearer(prod, "editor"),
                         json={"formats": ["html"]})
    assert answer.status_code == 404
    job_id = start(client, prod, formats=["html"]).json["job"]
    poll(client, prod, job_id)
    for name in ("..%2F..%2Finstance%2Fsecret_key", "secret_key", "x.html"):
        answer = client.get(f"/api/v1/jobs/{job_id}/artifacts/{name}",
                            headers=bearer(prod, "editor"))
        assert answer.status_code == 404, name


def test_someone_who_cannot_read_the_book_cannot_see_its_jobs(client, prod, app):
    from alliance.extensions import db
    from alliance.people.accounts import create_org, create_token, create_user
    job_id = start(client, prod, formats=["html"]).json["job"]
    with app.app_context():
        outsider = create_user("x@sd.test", "赵老师", create_org("山东管理学院", "school"), "pw-123456789")
        token = create_token(outsider)
        db.session.commit()
    answer = client.get(f"/api/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404
