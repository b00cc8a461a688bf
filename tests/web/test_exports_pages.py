"""The exports pages: the form, the job page and its JSON status, downloads for readers only,
and the editions page."""
import json
import pytest

from alliance.extensions import db
from alliance.models import ExportJob

from export_helpers import PRODUCTION, add_production, approve_all, wait_for


@pytest.fixture
def prod(app, world):
    add_production(app, world)
    return world


def html_of(client, url, status=200):
    answer = client.get(url)
    assert answer.status_code == status, answer.get_data(as_text=True)[:500]
    return answer.get_data(as_text=True)


def start(client, formats=("html",), **form):
    return client.post("/books/labor-rights/exports", data={"format": list(formats), **form})


def test_the_book_page_links_to_exports_and_editions(client, auth, prod):
    auth.login(prod.emails["author"])
    html = html_of(client, "/books/labor-rights")
    assert 'href="/books/labor-rights/exports"' in html
    assert 'href="/books/labor-rights/editions"' in html


def test_production_starts_an_export_and_follows_it_to_its_files(app, client, auth, prod):
    auth.login(PRODUCTION)
    html = html_of(client, "/books/labor-rights/exports")
    assert 'name="format" value="pdf"' in html and "16k-print" in html
    answer = start(client)
    assert answer.status_code == 302
    job_url = answer.headers["Location"]
    job_id = job_url.rsplit("/", 1)[1]
    page = html_of(client, job_url)
    assert "<progress" in page and "export_progress.js" in page and "<script>" not in page
    assert "校样" in page  # the book is not approved: a proof
    wait_for(app, job_id)
    status = client.get(job_url + "/status").json
    assert status["state"] == "done" and status["progress"] == 1
    [artifact] = status["artifacts"]
    assert artifact["url"].startswith(job_url + "/files/")
    page = html_of(client, job_url)
    assert artifact["url"] in page and "manifest.json" in page
    auth.logout()
    auth.login(prod.emails["author"])  # readers of the book download
    data = client.get(artifact["url"])
    assert data.status_code == 200 and len(data.data) == artifact["bytes"]
    manifest = json.loads(client.get(job_url + "/files/manifest.json").data)
    assert manifest["book"] == "labor-rights" and manifest["proof"] is True
    assert job_id in html_of(client, "/books/labor-rights/exports")


def test_paths_outside_the_job_are_not_served(app, client, auth, prod):
    auth.login(PRODUCTION)
    job_url = start(client).headers["Location"]
    wait_for(app, job_url.rsplit("/", 1)[1])
    for name in ("..%2F..%2F..%2Finstance%2Fsecret_key", "..", "secret_key", "x.pdf"):
        assert client.get(f"{job_url}/files/{name}").status_code == 404, name
    assert client.get("/books/labor-rights/exports/nope").status_code == 404


def test_authors_see_the_exports_but_cannot_start_one(client, auth, prod, app):
    auth.login(prod.emails["author"])
    html = html_of(client, "/books/labor-rights/exports")
    assert 'name="format"' not in html
    assert start(client).status_code == 403
    with app.app_context():
        assert db.session.query(ExportJob).count() == 0


@pytest.mark.parametrize("formats,form,reason", [
    ((), {}, "formats"), (("html",), {"profile": "poster"}, "poster"),
    (("html",), {"rev": "abc"}, "abc"), (("mobi",), {}, "mobi")])
def test_a_bad_request_is_explained_on_the_form(client, auth, prod, app, formats, form, reason):
    auth.login(PRODUCTION)
    answer = start(client, formats, **form)
    assert answer.headers["Location"].endswith("/books/labor-rights/exports")
    assert reason in html_of(client, "/books/labor-rights/exports")
    with app.app_context():
        assert db.session.query(ExportJob).count() == 0


def test_an_edition_is_made_on_the_editions_page_and_lists_its_files(app, client, auth, prod):
    auth.login(PRODUCTION)
    html = html_of(client, "/books/labor-rights/editions")
    assert 'name="label"' in html
    client.post("/books/labor-rights/editions", data={"label": "2026-1"})
    html = html_of(client, "/books/labor-rights/editions")
    assert "approved" in html and "refs/tags/edition/2026-1" not in html  # not yet approved
    approve_all(app, prod)
    answer = client.post("/books/labor-rights/editions", data={"label": "../x"})
    assert answer.status_code == 302
    assert "版" in html_of(client, "/books/labor-rights/editions")  # the label rule is shown
    answer = client.post("/books/labor-rights/editions", data={"label": "2026-1"})
    assert answer.status_code == 302
    with app.app_context():
        job_id = db.session.query(ExportJob).one().id
    result = wait_for(app, job_id, timeout=300)
    assert result["state"].value == "done", result["error"]
    html = html_of(client, "/books/labor-rights/editions")
    assert "refs/tags/edition/2026-1" in html
    assert f"/books/labor-rights/exports/{job_id}/files/labor-rights-" in html
    assert ".pdf" in html and ".epub" in html


def test_editors_and_authors_cannot_make_editions(client, auth, prod):
    for who in ("editor", "author"):
        auth.login(prod.emails[who])
        assert 'name="label"' not in html_of(client, "/books/labor-rights/editions")
        assert client.post("/books/labor-rights/editions",
                           data={"label": "2026-1"}).status_code == 403
        auth.logout()


def test_the_export_form_needs_its_csrf_token(tmp_path, world):
    from alliance import create_app
    app = create_app({"TESTING": True, "ALLIANCE_HOME": str(tmp_path / "csrf")})
    answer = app.test_client().post("/books/labor-rights/exports", data={"format": "html"})
    assert answer.status_code == 400


def test_chapter_print_preview_is_a_proof_of_the_latest_text(app, client, auth, world):
    """An author sees their chapter as printed pages, watermarked 校样, with what they last saved."""
    import io

    import pdfplumber

    auth.login(world.emails["author"])
    page = client.get("/books/labor-rights/chapters/ch01")
    assert b"/books/labor-rights/chapters/ch01/preview.pdf" in page.data
    answer = client.get("/books/labor-rights/chapters/ch01/preview.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    with pdfplumber.open(io.BytesIO(answer.data)) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages)
        assert all("校" in "".join(c["text"] for c in p.chars) for p in pdf.pages)
    with app.app_context():
        from alliance.extensions import manuscript_store
        saved = manuscript_store().book("labor-rights").load("chapters/ch01.md").decode()
    first_words = [line for line in saved.splitlines() if line and not line.startswith("#")][0]
    assert first_words[:6] in text.replace("\n", "")
    assert client.get("/books/labor-rights/chapters/nope/preview.pdf").status_code == 404
