"""The reading pages: dashboard, book, chapter with history, and book images."""
import re

import pytest

from alliance.manuscripts.books import create_book, create_chapter, find_book, person, save_chapter
from alliance.extensions import db, manuscript_store
from alliance.people.accounts import create_user, find_org, find_user
from conftest import PASSWORD

SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(1)</script><rect width="10" height="10"/></svg>')


@pytest.fixture
def author(auth, world):
    auth.login(world.emails["author"])
    return world


def html_of(client, url, status=200):
    answer = client.get(url)
    assert answer.status_code == status, answer.get_data(as_text=True)[:500]
    return answer.get_data(as_text=True)


def save(app, email, content, message="修改"):
    """Save ch01 as ``email`` through the service, from the book's head; return the revision."""
    with app.app_context():
        store = manuscript_store()
        chapter = find_book("labor-rights").chapters[0]
        head = store.book("labor-rights").head()
        result = save_chapter(store, chapter, find_user(email), content, head, message)
        db.session.commit()
        return result.revision


def test_dashboard_lists_the_books_in_chinese(client, author):
    html = html_of(client, "/")
    assert "我的教材" in html
    assert "新就业形态劳动者权益保障" in html
    assert "牵头单位：安徽省总工会干部学校" in html
    assert "张老师" in html and "安徽省总工会干部学校" in html  # who is logged in
    assert 'href="/books/labor-rights"' in html


def test_after_switching_to_english_the_pages_are_english(client, author):
    client.post("/lang", data={"lang": "en"})
    html = html_of(client, "/")
    assert "My books" in html and "Lead organisation" in html
    html = html_of(client, "/books/labor-rights")
    assert "Draft" in html and "State" in html and "草稿" not in html


def test_book_page_lists_chapters_with_state_assignees_and_last_change(client, author):
    html = html_of(client, "/books/labor-rights")
    row = re.search(r"<tr>\s*<td class=\"num\">1</td>.*?</tr>", html, re.S).group(0)
    assert "第一章　概述" in row
    assert 'href="/books/labor-rights/chapters/ch01"' in row
    assert "草稿" in row
    assert "张老师" in row and "安徽省总工会干部学校" in row
    assert "王编辑" in row  # the editor created the chapter
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", row)


def test_chapter_page_renders_the_text_and_its_history(client, author):
    html = html_of(client, "/books/labor-rights/chapters/ch01")
    assert re.search(r"<h1 id=\"[^\"]*\">第一章　概述</h1>", html)
    assert "<p>新就业形态劳动者。</p>" in html
    assert "修改历史" in html and "王编辑" in html and "Add chapter ch01" in html


def test_chapter_page_shows_an_older_revision_on_request(app, client, author):
    with app.app_context():
        old = manuscript_store().book("labor-rights").head()
    new = save(app, author.emails["author"], "# 第一章　概述\n\n第二稿。\n", "第二稿")
    html = html_of(client, "/books/labor-rights/chapters/ch01")
    assert "第二稿。" in html and f"?rev={old}" in html and f"?rev={new}" in html
    html = html_of(client, f"/books/labor-rights/chapters/ch01?rev={old}")
    assert "新就业形态劳动者。" in html and "第二稿。" not in html
    assert f"版本 {old[:10]}" in html


@pytest.mark.parametrize("rev", ["abc1234", "--output=x", "HEAD", "0" * 40, "main~1"])
def test_a_bad_revision_is_a_clear_400_page(client, author, rev):
    html = html_of(client, f"/books/labor-rights/chapters/ch01?rev={rev}", 400)
    assert "这不是本书的有效版本" in html


def test_a_chapter_of_another_book_is_not_found(app, client, author):
    with app.app_context():
        store = manuscript_store()
        editor = find_user(author.emails["editor"])
        other = create_book(store, "union-law", "工会法教程", find_org("中国工人出版社"), editor)
        create_chapter(store, other, "ch09", "第九章", [], editor, "# 九\n".encode())
        db.session.commit()
    html_of(client, "/books/labor-rights/chapters/ch09", 404)
    html_of(client, "/books/labor-rights/chapters/nope", 404)
    html_of(client, "/books/no-such-book", 404)


def test_people_who_may_not_read_the_book_get_404(app, client, auth, world):
    with app.app_context():
        create_user("outsider@hb.test", "赵老师", find_org("湖北省工会干部学校"), PASSWORD)
        head = manuscript_store().book("labor-rights").head()
        db.session.commit()
    auth.login("outsider@hb.test")
    assert "新就业形态劳动者权益保障" not in html_of(client, "/")
    for url in ("/books/labor-rights", "/books/labor-rights/chapters/ch01",
                f"/books/labor-rights/files/{head}/images/fig.svg"):
        html = html_of(client, url, 404)
        assert "新就业形态" not in html


def add_image(app, name, data):
    """Commit ``images/<name>`` to the book; return the new head."""
    with app.app_context():
        repo = manuscript_store().book("labor-rights")
        result = repo.save({f"images/{name}": data}, repo.head(),
                           person(find_user("editor@cwph.test")), f"Add {name}")
        return result.revision


def test_chapter_images_are_served_from_the_book_with_a_strict_policy(app, client, author):
    add_image(app, "fig-1-1.svg", SVG)
    save(app, author.emails["author"],
         "# 一\n\n![图1-1　示意](images/fig-1-1.svg)\n\n![外链](http://evil/x.png)\n")
    html = html_of(client, "/books/labor-rights/chapters/ch01")
    src = re.search(r'<img src="([^"]+)" alt="图1-1　示意">', html).group(1)
    assert re.fullmatch(r"/books/labor-rights/files/[0-9a-f]{40}/images/fig-1-1\.svg", src)
    assert "evil" not in html
    answer = client.get(src)
    assert answer.status_code == 200 and answer.data == SVG
    assert answer.mimetype == "image/svg+xml"
    assert answer.headers["Content-Security-Policy"] == \
        "default-src 'none'; style-src 'unsafe-inline'"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_only_image_files_of_the_book_are_served(app, client, author):
    head = add_image(app, "page.html", b"<script>alert(1)</script>")
    base = f"/books/labor-rights/files/{head}/images"
    html_of(client, f"{base}/page.html", 404)         # not an image type
    html_of(client, f"{base}/missing.png", 404)       # not in the book
    html_of(client, f"{base}/..%2Fbook.yaml", 404)
    html_of(client, f"{base}/sub/..%2F..%2Fx.png", 400)
    html_of(client, "/books/labor-rights/files/abc123/images/x.png", 400)
    assert client.get(f"{base}/x.png?x=1").status_code == 404
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
    head = add_image(app, "photo.PNG", png)
    answer = client.get(f"/books/labor-rights/files/{head}/images/photo.PNG")
    assert answer.status_code == 200 and answer.mimetype == "image/png"


def test_unknown_addresses_get_the_error_page(client, author):
    html = html_of(client, "/no/such/page", 404)
    assert "此地址下没有内容。" in html


def test_the_chapter_page_lists_the_newest_revisions_and_links_to_the_rest(app, client, author):
    html = html_of(client, "/books/labor-rights/chapters/ch01")
    assert "更早的修改" not in html  # a short history is shown whole
    revisions = [save(app, author.emails["author"], f"# 第一章\n\n第{n}稿。\n", f"第{n}稿")
                 for n in range(22)]
    html = html_of(client, "/books/labor-rights/chapters/ch01")
    aside = html.split('<aside class="history">', 1)[1]
    shown = re.findall(r"\?rev=([0-9a-f]{40})", aside)
    assert shown == revisions[::-1][:20]  # the twenty newest, newest first
    assert 'href="/books/labor-rights/chapters/ch01/history">更早的修改' in aside
    assert all(r in html_of(client, "/books/labor-rights/chapters/ch01/history")
               for r in revisions[:2])  # the oldest are on the history page
