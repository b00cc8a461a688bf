"""A full 三审 run through the pages of the served demo, in a real Chromium, with e-mail."""
import os
import subprocess
import sys
import time

import pytest
import requests

from helpers import free_port
from test_demo_browser import browser, login  # noqa: F401  (fixtures)
from smtp_inbox import Inbox

pytestmark = pytest.mark.e2e
SLUG = "xinjiuye-quanyi"
REVIEW = f"/books/{SLUG}/chapters/ch01/review"
API = f"/api/v1/books/{SLUG}/chapters/ch01"
ADDED = "本章由安徽省总工会干部学校编写。"


@pytest.fixture(scope="module")
def smtp():
    from aiosmtpd.controller import Controller
    port = free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture(scope="module")
def demo(tmp_path_factory, smtp):
    """`alliance demo` on a free port, sending e-mail to the local SMTP server."""
    home = tmp_path_factory.mktemp("review-home")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ALLIANCE_HOME": str(home), "ALLIANCE_SMTP_HOST": "127.0.0.1",
           "ALLIANCE_SMTP_PORT": str(smtp[1]), "ALLIANCE_BASE_URL": url}
    proc = subprocess.Popen([sys.executable, "-m", "alliance.cli", "demo", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for _ in range(300):
        try:
            requests.get(url + "/login", timeout=5)
            break
        except requests.RequestException:  # not listening yet, or a worker still booting
            if proc.poll() is not None:
                pytest.fail("alliance demo exited:\n" + proc.stdout.read())
            time.sleep(0.1)
    token = subprocess.run([sys.executable, "-m", "alliance.cli", "token", "create",
                            "author@ah.demo"], env=env, capture_output=True, text=True,
                           check=True).stdout.strip()
    yield url, home, {"Authorization": f"Bearer {token}"}
    proc.terminate()
    proc.wait(timeout=10)


def person(browser, url, email, violations):
    """A logged-in page of its own browser context, recording CSP violations."""
    page = browser.new_context().new_page()
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    login(page, url, email)
    return page


def state_of(page):
    return page.locator("#chapter-state").get_attribute("class").split("state-")[-1]


def act(page, form, button):
    page.click(f"{form} button[value={button}]")
    page.wait_for_load_state()


def author_saves(url, headers, edit):
    current = requests.get(url + API, headers=headers, timeout=10).json()
    return requests.put(url + API, headers=headers, timeout=30, json={
        "content": edit(current["content"]), "base_revision": current["head"]})


def test_three_reviews_in_the_browser(demo, browser, smtp, tmp_path):
    url, home, headers = demo
    csp = []
    author = person(browser, url, "author@ah.demo", csp)
    editor = person(browser, url, "editor@cwph.demo", csp)
    author.goto(url + REVIEW)
    act(author, "#submit-form", "submit")
    assert state_of(author) == "submitted"

    editor.goto(url + REVIEW)
    editor.fill("#line_start", "15")
    editor.fill("#line_end", "17")
    editor.fill("#comment-body", "这两段需要引用文件原文")
    editor.click("#comment-form button[type=submit]")
    editor.wait_for_load_state()
    editor.fill("#review-form textarea[name=comment]", "请补充出处")
    act(editor, "#review-form", "request_changes")
    assert state_of(editor) == "draft"

    # The author adds a line above the commented ones and resubmits; the thread follows.
    saved = author_saves(url, headers, lambda t: t.replace("\n\n", f"\n\n{ADDED}\n\n", 1))
    assert saved.status_code == 200
    author.goto(url + "/inbox")
    assert int(author.inner_text(".inbox-link .badge")) == 2  # comment, changes requested
    author.goto(url + REVIEW)
    assert author.locator(".inbox-link .badge").count() == 0  # seen on the review page
    row = author.locator("tr.commented", has=author.locator(".thread"))
    assert row.get_attribute("id") == "L17"
    assert "平台经济是以互联网平台为主要载体" in row.inner_text()
    assert "这两段需要引用文件原文" in row.inner_text()
    assert author.locator("#review-form").count() == 0
    act(author, "#submit-form", "submit")

    editor.goto(url + REVIEW)
    assert ADDED in editor.inner_text(".review-diff ins")
    act(editor, "#review-form", "approve")
    editor.goto(url + REVIEW)
    assert editor.locator("#review-form").count() == 0  # 复审 is not theirs
    for email in ("senior@cwph.demo", "chief@cwph.demo"):
        page = person(browser, url, email, csp)
        page.goto(url + REVIEW)
        act(page, "#review-form", "approve")
    assert state_of(page) == "approved"
    page.screenshot(path=str(tmp_path / "approved.png"), full_page=True)

    # Pinned in Git, locked for page and API saves.
    approved = requests.get(url + API, headers=headers, timeout=10).json()["revision"]
    pinned = subprocess.run(["git", "--git-dir", str(home / "manuscripts" / f"{SLUG}.git"),
                             "rev-parse", "refs/approved/ch01"], capture_output=True,
                            text=True, check=True).stdout.strip()
    assert pinned == approved
    author.goto(url + f"/books/{SLUG}/chapters/ch01/edit")
    token = author.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = author.request.post(url + f"/books/{SLUG}/chapters/ch01/edit", form={
        "csrf_token": token, "content": "改写", "base_revision": approved})
    assert refused.status == 423
    assert author_saves(url, headers, lambda t: t + "\n补充。\n").status_code == 423

    editor.goto(url + REVIEW)
    act(editor, "#reopen-form", "reopen")
    assert state_of(editor) == "draft"
    assert author_saves(url, headers, lambda t: t + "\n补充。\n").status_code == 200

    _check_mails(url, smtp[0].mails)
    _check_audit_and_progress(editor, url)
    assert csp == []


def _check_mails(url, mails):
    link = url + REVIEW
    assert all(link in body for _to, _subject, body in mails)
    assert [to[0] for to, _s, _b in mails] == [
        "editor@cwph.demo", "author@ah.demo", "author@ah.demo", "editor@cwph.demo",
        "senior@cwph.demo", "chief@cwph.demo", "author@ah.demo", "author@ah.demo"]


def _check_audit_and_progress(editor, url):
    editor.goto(url + f"/books/{SLUG}/audit?chapter=ch01")
    rows = editor.locator("table.audit tbody tr")
    actions = [rows.nth(i).get_attribute("class").removeprefix("audit-")
               for i in range(rows.count())][::-1]
    assert actions == ["chapter_submitted", "comment_added", "changes_requested",
                       "chapter_submitted", "stage_approved", "stage_approved",
                       "chapter_approved", "chapter_reopened"]
    assert "chief@cwph.demo" in editor.inner_text("table.audit")
    editor.goto(url + f"/books/{SLUG}/progress")
    assert editor.locator("svg.progress-chart rect").count() > 4
    assert "安徽省总工会干部学校" in editor.inner_text("table.progress-board")
    editor.goto(url + f"/books/{SLUG}/chapters/ch01/timeline")
    assert editor.locator("tr.event-transition").count() == 7
    assert editor.locator("tr.event-comment").count() == 1
    assert editor.locator("tr.event-save").count() >= 4  # created, written, edited, after reopen
