"""Chapters: create, rename, reorder and delete (restorably), with book.yaml in Git as the order."""
import yaml

from alliance.manuscripts.books import find_book, find_chapter
from alliance.extensions import db, manuscript_store
from alliance.models import ChapterState

BOOK = "/books/labor-rights"


def meta(app):
    with app.app_context():
        return yaml.safe_load(manuscript_store().book("labor-rights").load("book.yaml"))


def order(app):
    return [c["id"] for c in meta(app)["chapters"]]


def add(client, key, title, **extra):
    return client.post(f"{BOOK}/contents", data={"key": key, "title": title, **extra})


def test_an_editor_adds_chapters_with_assignees_in_one_commit_each(app, client, auth, world):
    auth.login(world.emails["editor"])
    answer = add(client, "ch02", "第二章　劳动报酬", assignees=[str(world.other_author.id)])
    assert answer.status_code == 302
    assert order(app) == ["ch01", "ch02"]
    with app.app_context():
        chapter = find_chapter(find_book("labor-rights"), "ch02")
        assert [u.email for u in chapter.assignees] == [world.emails["other_author"]]
        assert chapter.position == 1
        log = manuscript_store().book("labor-rights").log()
        assert log[0].author == "王编辑" and "ch02" in log[0].message
    page = client.get(f"{BOOK}/contents").get_data(as_text=True)
    assert "第二章　劳动报酬" in page


def test_a_bad_or_taken_chapter_id_is_refused_with_a_message(app, client, auth, world):
    auth.login(world.emails["editor"])
    answer = add(client, "../evil", "坏的")
    assert answer.status_code == 400 and "ASCII" in answer.get_data(as_text=True)
    assert add(client, "ch01", "重复").status_code == 409
    assert order(app) == ["ch01"]


def test_authors_may_not_manage_chapters(app, client, auth, world):
    auth.login(world.emails["author"])
    assert client.get(f"{BOOK}/contents").status_code == 403
    assert add(client, "ch09", "作者加的").status_code == 403
    assert client.post(f"{BOOK}/chapters/ch01/delete").status_code == 403
    assert order(app) == ["ch01"]


def test_rename_changes_book_yaml_and_the_database(app, client, auth, world):
    auth.login(world.emails["editor"])
    answer = client.post(f"{BOOK}/chapters/ch01/rename", data={"title": "第一章　新就业形态概述"})
    assert answer.status_code == 302
    assert meta(app)["chapters"][0]["title"] == "第一章　新就业形态概述"
    assert "第一章　新就业形态概述" in client.get(BOOK).get_data(as_text=True)
    assert client.post(f"{BOOK}/chapters/ch01/rename", data={"title": "  "}).status_code == 400


def test_reorder_moves_chapters_in_book_yaml_and_positions_follow(app, client, auth, world):
    auth.login(world.emails["editor"])
    add(client, "ch02", "第二章")
    add(client, "ch03", "第三章")
    client.post(f"{BOOK}/chapters/ch03/move", data={"direction": "up"})
    assert order(app) == ["ch01", "ch03", "ch02"]
    client.post(f"{BOOK}/chapters/ch02/move", data={"position": "1"})
    assert order(app) == ["ch02", "ch01", "ch03"]
    with app.app_context():
        book = find_book("labor-rights")
        assert [c.key for c in book.chapters] == ["ch02", "ch01", "ch03"]
    page = client.get(BOOK).get_data(as_text=True).split('class="chapters"')[1]
    assert page.index("第二章") < page.index("第一章") < page.index("第三章")


def test_delete_is_a_commit_and_the_chapter_can_be_restored(app, client, auth, world):
    auth.login(world.emails["editor"])
    add(client, "ch02", "第二章　劳动报酬")
    answer = client.post(f"{BOOK}/chapters/ch01/delete")
    assert answer.status_code == 302
    assert order(app) == ["ch02"]
    with app.app_context():
        repo = manuscript_store().book("labor-rights")
        assert "chapters/ch01.md" not in repo.list_files()
        assert repo.log()[0].message.startswith("Delete chapter ch01")
        deleted_in = repo.head()
    assert client.get(f"{BOOK}/chapters/ch01").status_code == 404
    auth.login(world.emails["author"])
    assert "第一章" not in client.get("/search?q=新就业形态劳动者").get_data(as_text=True)
    auth.login(world.emails["editor"])
    page = client.get(f"{BOOK}/contents").get_data(as_text=True)
    assert "第一章　概述" in page and deleted_in in page
    answer = client.post(f"{BOOK}/contents/restore", data={"key": "ch01", "revision": deleted_in})
    assert answer.status_code == 302
    assert order(app) == ["ch02", "ch01"]
    chapter_page = client.get(f"{BOOK}/chapters/ch01").get_data(as_text=True)
    assert "新就业形态劳动者" in chapter_page
    assert "deleted-chapters" not in client.get(f"{BOOK}/contents").get_data(as_text=True)


def test_restoring_something_never_deleted_is_refused(app, client, auth, world):
    auth.login(world.emails["editor"])
    with app.app_context():
        head = manuscript_store().book("labor-rights").head()
    assert client.post(f"{BOOK}/contents/restore",
                       data={"key": "ch01", "revision": head}).status_code == 404
    assert client.post(f"{BOOK}/contents/restore",
                       data={"key": "ch01", "revision": "HEAD~1"}).status_code == 400


def test_an_approved_chapter_cannot_be_deleted(app, client, auth, world):
    with app.app_context():
        find_chapter(find_book("labor-rights"), "ch01").state = ChapterState.APPROVED
        db.session.commit()
    auth.login(world.emails["editor"])
    assert client.post(f"{BOOK}/chapters/ch01/delete").status_code == 423
    assert order(app) == ["ch01"]
