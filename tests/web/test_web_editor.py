"""The editor pages: save, merge, conflict, locked, preview, history, diff and restore."""
import re
from html import unescape

import pytest

from alliance.manuscripts.books import find_book, find_chapter, save_chapter
from alliance.extensions import db, manuscript_store
from alliance.models import ChapterState
from alliance.people.accounts import find_user

URL = "/books/labor-rights/chapters/ch01"
THREE = "# 第一章　概述\n\n第一段。\n\n第二段。\n\n第三段。\n"


@pytest.fixture
def author(auth, world):
    auth.login(world.emails["author"])
    return world


def head(app):
    with app.app_context():
        return manuscript_store().book("labor-rights").head()


def text_at(app, rev=None):
    with app.app_context():
        return manuscript_store().book("labor-rights").load("chapters/ch01.md", rev).decode()


def save_as(app, email, content, message="别人修改"):
    """Save ch01 as ``email`` from the head, through the service; return the new head."""
    with app.app_context():
        store = manuscript_store()
        chapter = find_chapter(find_book("labor-rights"), "ch01")
        result = save_chapter(store, chapter, find_user(email), content,
                              store.book("labor-rights").head(), message)
        db.session.commit()
        return result.revision


def set_state(app, state):
    with app.app_context():
        find_chapter(find_book("labor-rights"), "ch01").state = state
        db.session.commit()


def post_edit(client, content, base, message="", **extra):
    return client.post(URL + "/edit", data={"content": content, "base_revision": base,
                                            "message": message, **extra})


def page(answer):
    return unescape(answer.get_data(as_text=True))


def test_editor_page_has_the_text_the_base_revision_and_a_preview(client, author, app):
    answer = client.get(URL + "/edit")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "新就业形态劳动者。" in html
    assert f'name="base_revision" value="{head(app)}"' in html
    assert "data-preview-url=\"/books/labor-rights/chapters/ch01/preview\"" in html
    assert "<h1 id=" in html  # the server-side preview of the heading
    assert "vendor/editor.bundle.js" in html
    assert "data-draft-key=\"alliance-draft:labor-rights:ch01:" in html


def test_save_lands_with_crlf_normalised_and_says_saved(client, author, app):
    base = head(app)
    answer = post_edit(client, THREE.replace("\n", "\r\n"), base, "写了三段", draft_id="d-1")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(URL)
    assert text_at(app) == THREE
    chapter_page = page(client.get(URL))
    assert "已保存" in chapter_page or "Saved." in chapter_page
    with app.app_context():
        log = manuscript_store().book("labor-rights").log("chapters/ch01.md")
    assert log[0].message == "写了三段" and log[0].email == author.emails["author"]
    # The next editor page tells the browser which draft the save took care of.
    assert 'data-saved-draft="d-1"' in client.get(URL + "/edit").get_data(as_text=True)


def test_stale_base_with_disjoint_edits_merges_and_says_so(client, author, app):
    save_as(app, author.emails["editor"], THREE)
    base = head(app)
    save_as(app, author.emails["editor"], THREE.replace("第三段。", "第三段，编辑改的。"))
    answer = post_edit(client, THREE.replace("第一段。", "第一段，作者改的。"), base)
    assert answer.status_code == 302
    assert "第一段，作者改的。" in text_at(app) and "第三段，编辑改的。" in text_at(app)
    html = page(client.get(URL))
    assert "已保存，并已与他人的修改合并" in html or "merged with changes by others" in html


def test_overlapping_edit_opens_the_resolution_page_with_both_texts(client, author, app):
    save_as(app, author.emails["editor"], THREE)
    base = head(app)
    theirs_head = save_as(app, author.emails["editor"], THREE.replace("第二段。", "第二段，编辑版。"))
    mine = THREE.replace("第二段。", "第二段，作者版。")
    answer = post_edit(client, mine, base, "我的修改")
    assert answer.status_code == 409
    html = answer.get_data(as_text=True)
    assert "第二段，<del>编辑</del>版。" in html  # theirs, highlighted by character
    assert "第二段，<ins>作者</ins>版。" in html  # mine
    textarea = unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1))
    assert "第二段，作者版。" in textarea and "第二段，编辑版。" in textarea
    assert f'name="base_revision" value="{theirs_head}"' in html
    assert 'value="我的修改"' in html
    assert text_at(app) == THREE.replace("第二段。", "第二段，编辑版。")  # nothing written
    # Saving the proposal with its markers is refused, the text kept; resolved, it lands.
    proposal = textarea.lstrip("\n")
    again = post_edit(client, proposal, theirs_head)
    assert again.status_code == 400 and "第二段，作者版。" in page(again)
    resolved = THREE.replace("第二段。", "第二段，作者版。第二段，编辑版。")
    assert post_edit(client, resolved, theirs_head).status_code == 302
    assert text_at(app) == resolved


def test_approved_chapter_is_read_only_and_a_save_keeps_the_text(client, author, app):
    set_state(app, ChapterState.APPROVED)
    html = page(client.get(URL + "/edit"))
    assert "readonly" in html and "本章已通过审核并锁定" in html
    assert 'type="submit" class="primary"' not in html
    base = head(app)
    answer = post_edit(client, "# 第一章\n\n锁定时写的字。\n", base)
    assert answer.status_code == 423
    assert "锁定时写的字。" in page(answer)
    assert head(app) == base


def test_someone_not_assigned_may_not_open_or_save_the_editor(client, auth, world, app):
    auth.login(world.emails["other_author"])
    assert client.get(URL + "/edit").status_code == 403
    base = head(app)
    assert post_edit(client, "别人的字。\n", base).status_code == 403
    assert head(app) == base
    assert client.post(URL + "/restore", data={"rev": base}).status_code == 403
    # They may still read the history and compare revisions.
    assert client.get(URL + "/history").status_code == 200


def test_preview_is_sanitized_html_and_needs_a_login(client, author, app):
    answer = client.post(URL + "/preview", data={
        "content": "## 小节\n\n<script>alert(1)</script>[点我](javascript:alert(1))\n\n"
                   "![图](images/fig.png)\n"})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "<h2" in html and "小节" in html
    assert "<script" not in html and "javascript:" not in html
    assert f"/books/labor-rights/files/{head(app)}/images/fig.png" in html
    client.post("/logout")
    assert client.post(URL + "/preview", data={"content": "甲"}).status_code == 401


def test_history_lists_revisions_with_author_school_and_message(client, author, app):
    save_as(app, author.emails["author"], THREE, "第二次修改")
    html = page(client.get(URL + "/history"))
    assert "第二次修改" in html and "张老师" in html and "安徽省总工会干部学校" in html
    assert html.count('type="radio"') == 4  # two revisions, from and to each
    assert html.count('name="rev"') == 1  # the older revision can be restored


def test_diff_shows_two_revisions_side_by_side_by_character(client, author, app):
    first = head(app)
    second = save_as(app, author.emails["author"], "# 第一章　概述\n\n新就业形态劳动者权益。\n")
    answer = client.get(f"{URL}/diff?from={first}&to={second}")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "新就业形态劳动者<ins>权益</ins>。" in html
    assert first[:10] in html and second[:10] in html


@pytest.mark.parametrize("query", ["from=HEAD&to=HEAD", "from=../x&to={head}", "to={head}",
                                   "from=%s&to={head}" % ("0" * 40)])
def test_diff_with_hostile_revisions_is_refused(client, author, app, query):
    assert client.get(f"{URL}/diff?" + query.format(head=head(app))).status_code == 400


def test_restore_makes_a_new_revision_and_says_so(client, author, app):
    first = head(app)
    save_as(app, author.emails["author"], THREE)
    answer = client.post(URL + "/restore", data={"rev": first})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(URL + "/history")
    assert text_at(app) == "# 第一章　概述\n\n新就业形态劳动者。\n"
    html = page(client.get(URL + "/history"))
    assert first[:10] in html and "Restore" in html
    assert "已将修订" in html or "as a new revision" in html


@pytest.mark.parametrize("rev", ["HEAD", "main", "--help", "../../etc/passwd", "a" * 40, ""])
def test_restore_with_a_hostile_revision_is_refused(client, author, app, rev):
    before = head(app)
    assert client.post(URL + "/restore", data={"rev": rev}).status_code == 400
    assert head(app) == before


def test_restore_of_an_approved_chapter_is_refused(client, author, app):
    first = head(app)
    save_as(app, author.emails["author"], THREE)
    set_state(app, ChapterState.APPROVED)
    before = head(app)
    assert client.post(URL + "/restore", data={"rev": first}).status_code == 423
    assert head(app) == before


def test_chapter_page_links_to_the_editor_only_for_those_who_may_edit(client, auth, world):
    auth.login(world.emails["author"])
    html = client.get(URL).get_data(as_text=True)
    assert f'href="{URL}/edit"' in html and f'href="{URL}/history"' in html
    auth.logout()
    auth.login(world.emails["other_author"])
    html = client.get(URL).get_data(as_text=True)
    assert f'href="{URL}/edit"' not in html and f'href="{URL}/history"' in html


def test_a_save_the_busy_book_cannot_take_keeps_the_text_and_retries_by_itself(
        client, author, app, monkeypatch):
    """Issue 18: a push holding main answers 503, never 400; the page keeps every word and
    sends the save again by itself a few times, then asks the writer to press Save."""
    import os

    from helpers import push_holding_main
    monkeypatch.setattr("alliance.store.book_repo.MAX_ATTEMPTS", 2)
    with app.app_context():
        git_dir = manuscript_store().book("labor-rights").path
    base = head(app)
    with push_holding_main(git_dir) as lock:
        first = post_edit(client, THREE, base, "忙时保存")
        last = post_edit(client, THREE, base, "忙时保存", retry="3")
    os.unlink(lock)
    assert first.status_code == 503
    html = page(first)
    assert "第三段" in THREE and all(line in html for line in THREE.splitlines() if line)
    assert "data-retry-save" in html and 'name="retry" value="1"' in html
    assert "js/save_retry.js" in html and "自动" in html
    assert last.status_code == 503 and "data-retry-save" not in page(last)
    assert head(app) == base  # nothing half-written
    again = post_edit(client, THREE, base, "忙时保存", retry="1")
    assert again.status_code == 302 and text_at(app) == THREE
