"""A full 三审 run through the API, with e-mails caught by a real local SMTP server."""
import csv
import io
import socket
import subprocess

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from alliance.review import workflow
from alliance.manuscripts.books import add_member, find_book
from alliance.extensions import db, manuscript_store
from alliance.models import User
from alliance.people.accounts import create_token, create_user

from conftest import PASSWORD
from smtp_inbox import Inbox

BASE = "http://alliance.test:8000"
CH = "/api/v1/books/labor-rights/chapters/ch01"
TEXT = ("# 第一章　概述\n\n新就业形态劳动者包括网约配送员。\n\n"
        "他们的劳动报酬应当按时足额支付。\n\n工会应当积极吸纳他们入会。\n")


@pytest.fixture
def smtp():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def team(app, world, smtp):
    """The world plus a senior and a chief editor, with 初审/复审/终审 assigned to the three."""
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp[1], SMTP_FROM="alliance@test",
                      BASE_URL=BASE)
    with app.app_context():
        book = find_book("labor-rights")
        editor = db.session.scalar(select(User).filter_by(email=world.emails["editor"]))
        for key, email_ in (("senior", "senior@cwph.test"), ("chief", "chief@cwph.test")):
            user = create_user(email_, key, editor.org, PASSWORD)
            add_member(book, user, "editor")
            world.emails[key] = email_
            world.tokens[email_] = create_token(user)
        reviewers = [db.session.scalar(select(User).filter_by(email=world.emails[k]))
                     for k in ("editor", "senior", "chief")]
        workflow.configure_stages(book, list(zip(workflow.DEFAULT_STAGES, reviewers)), False,
                                  editor)
        db.session.commit()
    return world


def call(client, world, who, method, path, json=None):
    token = world.tokens[world.emails[who]]
    return client.open(path, method=method, json=json,
                       headers={"Authorization": f"Bearer {token}"})


def review(client, world, who, action, comment=None):
    return call(client, world, who, "POST", CH + "/review",
                {"action": action, **({"comment": comment} if comment else {})})


def test_full_three_review_run(app, client, team, smtp):
    world, mails = team, smtp[0].mails
    head = call(client, world, "author", "GET", CH).get_json()["head"]
    first = call(client, world, "author", "PUT", CH,
                 {"content": TEXT, "base_revision": head}).get_json()["revision"]
    answer = review(client, world, "author", "submit", "请审阅")
    assert answer.status_code == 200
    assert answer.get_json()["state"] == "submitted" and answer.get_json()["stage"] == "初审"

    # Only the current stage's reviewer acts; an author cannot approve.
    for who in ("senior", "chief", "author", "coordinator"):
        assert review(client, world, who, "approve").status_code == 403, who
    assert review(client, world, "author", "request_changes").status_code == 403
    again = review(client, world, "author", "submit")
    assert again.status_code == 409 and again.get_json()["error"] == "invalid_transition"
    assert "submitted" in again.get_json()["message"]

    answer = call(client, world, "editor", "POST", CH + "/comments",
                  {"revision": first, "line_start": 5, "line_end": 7,
                   "body": "报酬和入会两句需要引用法条"})
    assert answer.status_code == 201
    assert answer.get_json()["anchored_text"] == ("他们的劳动报酬应当按时足额支付。\n\n"
                                                   "工会应当积极吸纳他们入会。")
    bad = call(client, world, "editor", "POST", CH + "/comments",
               {"revision": first, "line_start": 9, "line_end": 40, "body": "越界"})
    assert bad.status_code == 400
    answer = review(client, world, "editor", "request_changes", "请补充法律依据")
    assert answer.status_code == 200 and answer.get_json()["state"] == "draft"

    # The author adds a paragraph above the commented lines and resubmits.
    edited = TEXT.replace("\n\n新就业", "\n\n本章介绍基本概念。\n\n新就业")
    second = call(client, world, "author", "PUT", CH,
                  {"content": edited, "base_revision": first}).get_json()["revision"]
    assert review(client, world, "author", "submit").get_json()["state"] == "submitted"
    client.post("/login", data={"email": world.emails["author"], "password": PASSWORD})
    page = client.get("/books/labor-rights/chapters/ch01/review").get_data(as_text=True)
    row = page.split('<tr id="L7" class="commented">')[1].split("</tr>")[0]
    assert "他们的劳动报酬" in row and "报酬和入会两句需要引用法条" in row

    for who, state, stage in (("editor", "in_review", "复审"), ("senior", "in_review", "终审"),
                              ("chief", "approved", None)):
        if who == "senior":
            assert review(client, world, "editor", "approve").status_code == 403
        answer = review(client, world, who, "approve", "同意")
        assert answer.status_code == 200, answer.get_json()
        assert (answer.get_json()["state"], answer.get_json()["stage"]) == (state, stage)
    assert answer.get_json()["approved_revision"] == second

    # Locked and pinned.
    with app.app_context():
        path = manuscript_store().book("labor-rights").path
    pinned = subprocess.run(["git", "--git-dir", path, "rev-parse", "refs/approved/ch01"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert pinned == second
    head = call(client, world, "author", "GET", CH).get_json()["head"]
    refused = call(client, world, "author", "PUT", CH, {"content": "改", "base_revision": head})
    assert refused.status_code == 423
    late = review(client, world, "chief", "approve")
    assert late.status_code == 409 and "approved" in late.get_json()["message"]
    assert review(client, world, "author", "reopen").status_code == 403
    assert review(client, world, "editor", "reopen", "需补充案例").get_json()["state"] == "draft"
    landed = call(client, world, "author", "PUT", CH,
                  {"content": edited + "\n补充案例。\n", "base_revision": head})
    assert landed.status_code == 200 and landed.get_json()["changed"]

    _check_mails(world, mails)
    _check_audit(client, world, first, second)
    timeline = call(client, world, "author", "GET", CH + "/timeline").get_json()
    assert {e["kind"] for e in timeline} == {"save", "transition", "comment"}
    assert [e["action"] for e in timeline if e["kind"] == "transition"][-1] == "reopen"


def _check_mails(world, mails):
    link = f"{BASE}/books/labor-rights/chapters/ch01/review"
    assert all(link in body for _to, _subject, body in mails)
    by_recipient = [(to[0], subject) for to, subject, _body in mails]
    e = world.emails
    assert [to for to, _s in by_recipient] == [
        e["editor"],          # submitted to 初审
        e["author"],          # comment on the author's chapter
        e["author"],          # changes requested
        e["editor"],          # resubmitted to 初审
        e["senior"],          # passed 初审: waiting at 复审
        e["chief"],           # passed 复审: waiting at 终审
        e["author"],          # approved
        e["author"],          # reopened
    ]
    assert "初审" in by_recipient[0][1] and "新就业形态劳动者权益保障" in by_recipient[0][1]
    assert all(len(to) == 1 for to, _s, _b in mails)


def _check_audit(client, world, first, second):
    client.post("/logout")
    client.post("/login", data={"email": world.emails["editor"], "password": PASSWORD})
    answer = client.get("/books/labor-rights/audit.csv?chapter=ch01")
    text = answer.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))[::-1]  # oldest first
    e = world.emails
    assert [(r["action"], r["actor"], r["revision"]) for r in rows] == [
        ("chapter_submitted", e["author"], first),
        ("comment_added", e["editor"], first),
        ("changes_requested", e["editor"], first),
        ("chapter_submitted", e["author"], second),
        ("stage_approved", e["editor"], second),
        ("stage_approved", e["senior"], second),
        ("chapter_approved", e["chief"], second),
        ("chapter_reopened", e["editor"], second),
    ]
    page = client.get("/books/labor-rights/audit?action=chapter_approved")
    assert page.status_code == 200 and "chief" in page.get_data(as_text=True)
    assert client.get("/books/labor-rights/progress").status_code == 200
