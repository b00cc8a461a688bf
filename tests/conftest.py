"""Shared fixtures, after the Flask tutorial: app, client, runner, auth, plus a small world."""
import pytest

from alliance import create_app
from alliance.books import add_member, create_book, create_chapter
from alliance.extensions import db, manuscript_store
from alliance.people import create_org, create_token, create_user

PASSWORD = "correct-horse-battery"


@pytest.fixture
def app(tmp_path):
    """An app with its own home (database, manuscripts, exports) under tmp_path."""
    app = create_app({"TESTING": True, "ALLIANCE_HOME": str(tmp_path),
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email, password=PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


class World:
    """A publisher, two schools, people in every role, and one book with one chapter."""


@pytest.fixture
def world(app):
    w = World()
    with app.app_context():
        store = manuscript_store()
        pub = create_org("中国工人出版社", "publisher")
        anhui = create_org("安徽省总工会干部学校", "school")
        hubei = create_org("湖北省工会干部学校", "school")
        w.editor = create_user("editor@cwph.test", "王编辑", pub, PASSWORD)
        w.author = create_user("author@ah.test", "张老师", anhui, PASSWORD)
        w.other_author = create_user("author@hb.test", "李老师", hubei, PASSWORD)
        w.coordinator = create_user("coord@ah.test", "陈主编", anhui, PASSWORD)
        book = create_book(store, "labor-rights", "新就业形态劳动者权益保障", anhui, w.editor)
        add_member(book, w.editor, "editor")
        add_member(book, w.author, "author")
        add_member(book, w.other_author, "author")
        add_member(book, w.coordinator, "coordinator")
        create_chapter(store, book, "ch01", "第一章　概述", [w.author], w.editor,
                       "# 第一章　概述\n\n新就业形态劳动者。\n".encode())
        w.tokens = {u.email: create_token(u) for u in
                    (w.editor, w.author, w.other_author, w.coordinator)}
        db.session.commit()
        w.emails = {"editor": w.editor.email, "author": w.author.email,
                    "other_author": w.other_author.email, "coordinator": w.coordinator.email}
    return w
