"""Objects are looked up within the book the URL names; sizes are bounded."""
import pytest

from alliance.manuscripts.books import add_member, create_book, create_chapter, find_book
from alliance.extensions import db, manuscript_store
from alliance.people.accounts import find_user


@pytest.fixture
def two_books(app, world):
    """A second book, 'union-basics', whose chapter 'only-here' the first book lacks."""
    with app.app_context():
        editor = find_user(world.emails["editor"])
        book = create_book(manuscript_store(), "union-basics", "工会基础知识",
                           find_book("labor-rights").lead_org, editor)
        add_member(book, editor, "editor")
        create_chapter(manuscript_store(), book, "only-here", "第一章", [], editor, b"# x\n")
        world.other_head = manuscript_store().book("union-basics").head()
        db.session.commit()
    return world


def bearer(world, who="editor"):
    return {"Authorization": f"Bearer {world.tokens[world.emails[who]]}"}


def test_a_chapter_of_another_book_is_404_in_api_and_pages(client, auth, two_books):
    answer = client.get("/api/v1/books/labor-rights/chapters/only-here",
                        headers=bearer(two_books))
    assert answer.status_code == 404 and answer.json["error"] == "not_found"
    auth.login(two_books.emails["editor"])
    assert client.get("/books/labor-rights/chapters/only-here").status_code == 404


def test_a_revision_of_another_book_is_refused(client, auth, two_books):
    rev = two_books.other_head
    answer = client.get(f"/api/v1/books/labor-rights/chapters/ch01?rev={rev}",
                        headers=bearer(two_books))
    assert answer.status_code == 400 and answer.json["error"] == "invalid_revision"
    save = client.put("/api/v1/books/labor-rights/chapters/ch01", headers=bearer(two_books),
                      json={"content": "x", "base_revision": rev})
    assert save.status_code == 400
    auth.login(two_books.emails["editor"])
    assert client.get(f"/books/labor-rights/chapters/ch01?rev={rev}").status_code == 400
    assert client.get(f"/books/labor-rights/files/{rev}/images/x.svg").status_code == 400


def test_an_oversized_request_is_413_and_writes_nothing(app, client, world):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    head = client.get("/api/v1/books/labor-rights/chapters/ch01", headers=bearer(world)).json
    answer = client.put("/api/v1/books/labor-rights/chapters/ch01", headers=bearer(world),
                        json={"content": "长" * 2000, "base_revision": head["head"]})
    assert answer.status_code == 413 and answer.json["error"] == "too_large"
    after = client.get("/api/v1/books/labor-rights/chapters/ch01", headers=bearer(world)).json
    assert after["content"] == head["content"]
