"""Issue 16 (hardening): nesting depth bounded at save and at Word import, pages that stay
cheap for deep text already in Git, and previews and imports limited per person."""
import io
import stat
import time
import zipfile

import pytest

from alliance.publishing import nesting
from alliance.manuscripts import word_import
from alliance.manuscripts.authoring import restore_chapter
from alliance.manuscripts.books import find_book, record_change
from alliance.errors import Invalid
from alliance.extensions import db, manuscript_store
from alliance.people.accounts import find_user
from alliance.publishing import pdf
from alliance.store import Person

CH = "/books/labor-rights/chapters/ch01"
API = "/api/v1/books/labor-rights/chapters/ch01"
DEEP = "- " * 10_000 + "最深处"


def bearer(world, who="author"):
    return {"Authorization": f"Bearer {world.tokens[world.emails[who]]}"}


@pytest.mark.parametrize("text, depth", [
    ("- " * 10_000 + "x", 10_000), (">" * 50 + " x", 50), ("> " * 50 + "x", 50),
    ("\n".join("  " * i + "- x" for i in range(40)), 40),
    ("[" * 100 + "x" + "]{}" * 100, 100),
    ("\n".join("::: box" for _ in range(30)) + "\nx\n" + ":::\n" * 30, 30),
    ("+---+\n| " + "- " * 100 + "x |\n+---+", 100), ("[^1]: " + "- " * 100, 101),
])
def test_deep_nesting_is_estimated_from_the_text(text, depth):
    assert nesting.markdown_depth(text)[0] >= depth > nesting.MAX_DEPTH


def test_a_real_chapter_is_far_below_the_bound():
    text = ("# 第一章　概述\n\n新就业形态劳动者。\n\n- 一\n  - 二\n    1. 三\n\n> 引用\n> > 二级\n\n"
            "```\n" + "- " * 100 + "\n```\n\n[链接](http://x.test) [^1]\n\n[^1]: 脚注。\n")
    assert nesting.markdown_depth(text)[0] <= 4


def test_plain_markdown_escapes_every_mark():
    assert nesting.plain_markdown("- - [x](y) **b**\n\n> 第二") == "\\[x\\]\\(y\\) \\*\\*b\\*\\*\n\n第二"


def test_the_api_refuses_to_save_10000_nested_lists(client, world, app):
    head = client.get(API, headers=bearer(world)).get_json()["head"]
    answer = client.put(API, headers=bearer(world), json={"content": DEEP, "base_revision": head})
    assert answer.status_code == 400
    assert "嵌套" in answer.get_json()["message"] and answer.get_json()["line"] == 1
    assert client.get(API, headers=bearer(world)).get_json()["head"] == head


def test_the_editor_refuses_it_and_keeps_the_text(client, auth, world, app):
    auth.login(world.emails["author"])
    head = client.get(API, headers=bearer(world)).get_json()["head"]
    answer = client.post(CH + "/edit", data={"content": "# 标题\n\n" + "> " * 40 + "引",
                                            "base_revision": head})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "没有保存" in page and "嵌套" in page
    assert "&gt; &gt; &gt;" in page  # the text is still in the editor


def _deep_commit(app, world):
    """Deep text put into Git the way an old save or a push could: bypassing the services."""
    with app.app_context():
        repo = manuscript_store().book("labor-rights")
        result = repo.save({"chapters/ch01.md": DEEP.encode()}, repo.head(),
                           Person("张老师", world.emails["author"]), "deep")
        chapter = find_book("labor-rights").chapters[0]
        record_change(chapter, result.revision, find_user(world.emails["author"]))
        db.session.commit()
        return result.revision


def test_a_page_of_deep_text_already_in_git_stays_quick(client, auth, world, app):
    _deep_commit(app, world)
    auth.login(world.emails["author"])
    started = time.monotonic()
    answer = client.get(CH)
    assert answer.status_code == 200 and "最深处" in answer.get_data(as_text=True)
    assert time.monotonic() - started < 20


def test_restoring_a_deep_old_revision_is_refused(app, world):
    deep = _deep_commit(app, world)
    with app.test_request_context():
        repo = manuscript_store().book("labor-rights")
        repo.save({"chapters/ch01.md": b"# flat\n"}, repo.head(),
                  Person("张老师", world.emails["author"]), "flat")
        chapter = find_book("labor-rights").chapters[0]
        with pytest.raises(Invalid):
            restore_chapter(manuscript_store(), chapter, find_user(world.emails["author"]), deep)


def _docx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def test_a_word_file_converting_to_deep_nesting_is_refused(client, auth, world, tmp_path,
                                                             monkeypatch):
    # A stand-in for pandoc whose conversion nests 10,000 levels (Word itself stops at 9).
    fake = tmp_path / "pandoc"
    fake.write_text("#!/bin/sh\nprintf '%s' \"$(printf -- '- %.0s' $(seq 1 5000))x\" > out.md\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(word_import.pypandoc, "get_pandoc_path", lambda: str(fake))
    auth.login(world.emails["author"])
    answer = client.post(CH + "/import", data={"file": (io.BytesIO(_docx()), "深.docx")},
                         content_type="multipart/form-data")
    assert answer.status_code == 400 and "嵌套" in answer.get_data(as_text=True)


def test_word_import_runs_pandoc_sandboxed(monkeypatch, app):
    seen = []

    def run(args, **kwargs):
        seen.append(args)
        raise word_import.subprocess.TimeoutExpired(args, 1)
    monkeypatch.setattr(word_import.subprocess, "run", run)
    with app.test_request_context(), pytest.raises(Invalid):
        word_import.convert(_docx())
    assert "--sandbox" in seen[0]


def test_html_previews_are_limited_per_person(client, auth, world, app):
    auth.login(world.emails["author"])
    for n in range(120):
        assert client.post(CH + "/preview", data={"content": f"第{n}段"}).status_code == 200
    refused = client.post(CH + "/preview", data={"content": "再来"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    other = app.test_client()  # another person, from the same address, is not slowed
    other.post("/login", data={"email": world.emails["editor"], "password": "correct-horse-battery"})
    assert other.post(CH + "/preview", data={"content": "甲"}).status_code == 200


def test_pdf_previews_are_limited_per_person(client, auth, world, monkeypatch):
    monkeypatch.setattr(pdf, "preview_pdf", lambda snap, key, profile, out, proof: open(
        out, "wb").write(b"%PDF-1.7\n"))
    auth.login(world.emails["author"])
    for _ in range(12):
        assert client.get(CH + "/preview.pdf").status_code == 200
    assert client.get(CH + "/preview.pdf").status_code == 429
