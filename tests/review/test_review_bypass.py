"""What is approved is what was reviewed: no text reaches refs/approved/<chapter> unless every
review stage passed exactly that revision (issue 16, item 1), over the API and the pages."""
import subprocess

from sqlalchemy import select

from alliance.manuscripts.books import find_book, record_change
from alliance.extensions import db, manuscript_store
from alliance.models import Chapter, User
from alliance.store import Person

from conftest import PASSWORD
from test_review_api import CH, TEXT, call, smtp, team  # noqa: F401  (fixtures)


def _approve(client, world, who, revision):
    return call(client, world, who, "POST", CH + "/review",
                {"action": "approve", "revision": revision})


def _pin(app):
    with app.app_context():
        path = manuscript_store().book("labor-rights").path
    found = subprocess.run(["git", "--git-dir", path, "rev-parse", "--verify", "-q",
                            "refs/approved/ch01"], capture_output=True, text=True)
    return found.stdout.strip() if found.returncode == 0 else ""


def _submitted(client, world):
    head = call(client, world, "author", "GET", CH).get_json()["head"]
    revision = call(client, world, "author", "PUT", CH,
                    {"content": TEXT, "base_revision": head}).get_json()["revision"]
    assert call(client, world, "author", "POST", CH + "/review",
                {"action": "submit"}).status_code == 200
    return revision


def test_no_save_lands_while_the_stages_read_and_the_pin_is_what_they_passed(app, client, team):
    world = team
    submitted = _submitted(client, world)
    assert _approve(client, world, "editor", submitted).status_code == 200   # 初审
    assert _approve(client, world, "senior", submitted).status_code == 200   # 复审
    # The author saves again before 终审: refused, nothing lands, the text stays the reviewed one.
    for who in ("author", "coordinator", "editor"):
        refused = call(client, world, who, "PUT", CH,
                       {"content": TEXT + "\n未经审读的一段。\n", "base_revision": submitted})
        assert refused.status_code == 423, who
        assert refused.get_json()["error"] == "in_review"
        assert "审" in refused.get_json()["message"]
    chapter = call(client, world, "chief", "GET", CH).get_json()
    assert chapter["revision"] == submitted and "未经审读" not in chapter["content"]
    final = _approve(client, world, "chief", submitted)
    assert final.status_code == 200 and final.get_json()["state"] == "approved"
    assert final.get_json()["approved_revision"] == submitted == _pin(app)


def test_a_pass_naming_another_revision_is_refused_with_both_revisions(app, client, team):
    world = team
    submitted = _submitted(client, world)
    older = call(client, world, "author", "GET", CH + "/history").get_json()[-1]["revision"]
    stale = _approve(client, world, "editor", older)
    assert stale.status_code == 409 and stale.get_json()["error"] == "stale"
    body = stale.get_json()
    assert body["seen"] == older and body["current"] == submitted
    assert older[:10] in body["message"] and submitted[:10] in body["message"]
    bad = _approve(client, world, "editor", "not-a-revision")
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_revision"
    state = call(client, world, "editor", "GET", CH).get_json()["state"]
    assert state == "submitted"  # nothing passed


def test_text_that_slipped_past_the_gate_is_never_pinned(app, client, team):
    """Should a change reach main by any other road (an admin's own git, a bug), the stages
    that did not read it cannot pass it: each pass is refused until the chapter is sent back."""
    world = team
    submitted = _submitted(client, world)
    assert _approve(client, world, "editor", submitted).status_code == 200
    assert _approve(client, world, "senior", submitted).status_code == 200
    with app.app_context():
        repo = manuscript_store().book("labor-rights")
        sneaked = repo.save({"chapters/ch01.md": (TEXT + "\n偷偷加的。\n").encode()}, submitted,
                            Person("张老师", world.emails["author"]), "sneak").revision
        chapter = db.session.scalar(select(Chapter).filter_by(key="ch01"))
        author = db.session.scalar(select(User).filter_by(email=world.emails["author"]))
        record_change(chapter, sneaked, author)
        db.session.commit()
    for seen in (submitted, sneaked, None):
        answer = call(client, world, "chief", "POST", CH + "/review",
                      {"action": "approve", **({"revision": seen} if seen else {})})
        assert answer.status_code == 409 and answer.get_json()["error"] == "stale", seen
    assert _pin(app) == ""  # no approval ever happened
    sent_back = call(client, world, "chief", "POST", CH + "/review",
                     {"action": "request_changes", "comment": "有未经审读的修改"})
    assert sent_back.get_json()["state"] == "draft"


def test_the_review_page_passes_the_revision_it_shows(app, client, team):
    world = team
    submitted = _submitted(client, world)
    client.post("/login", data={"email": world.emails["editor"], "password": PASSWORD})
    page = client.get("/books/labor-rights/chapters/ch01/review").get_data(as_text=True)
    assert f'name="revision" value="{submitted}"' in page
    older = call(client, world, "author", "GET", CH + "/history").get_json()[-1]["revision"]
    stale = client.post("/books/labor-rights/chapters/ch01/review",
                        data={"action": "approve", "revision": older})
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert older[:10] in text and submitted[:10] in text
    passed = client.post("/books/labor-rights/chapters/ch01/review",
                         data={"action": "approve", "revision": submitted})
    assert passed.status_code == 302
    with app.app_context():
        chapter = db.session.scalar(select(Chapter).filter_by(key="ch01"))
        assert chapter.review_stage == 2
        assert find_book("labor-rights").chapters[0].state.value == "in_review"


def test_the_editor_shows_why_a_chapter_in_review_cannot_be_edited(app, client, team):
    world = team
    submitted = _submitted(client, world)
    client.post("/login", data={"email": world.emails["author"], "password": PASSWORD})
    page = client.get("/books/labor-rights/chapters/ch01/edit").get_data(as_text=True)
    assert "本章正在审稿中" in page
    refused = client.post("/books/labor-rights/chapters/ch01/edit",
                          data={"content": "作者的新文字。\n", "base_revision": submitted})
    assert refused.status_code == 423
    assert "作者的新文字。" in refused.get_data(as_text=True)  # the text is kept on the page
    restore = client.post(f"/books/labor-rights/chapters/ch01/restore",
                          data={"rev": submitted})
    assert restore.status_code in (423, 409)
