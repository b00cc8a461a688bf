"""Backups carry the exports folder, and restore across SQLite and PostgreSQL."""
import os

import pytest
from sqlalchemy import select

from alliance.ops import portable
from alliance import create_app
from alliance.extensions import db
from alliance.models import Chapter, User
from alliance.people.accounts import create_user

PASSWORD = "correct-horse-battery"  # conftest's: not imported, tests/publishing has a conftest too


@pytest.fixture
def fresh(tmp_path, empty_database_url):
    """An empty home to restore into: its own empty database on the suite's kind of server."""
    config = {"TESTING": True, "ALLIANCE_HOME": str(tmp_path / "fresh"),
              "WTF_CSRF_ENABLED": False}
    if empty_database_url:
        config["DATABASE_URL"] = empty_database_url
    app = create_app(config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def write_exports(app):
    """An artifact and an agreement scan, as the exports and agreements features keep them."""
    files = {"labor-rights/1/book.pdf": b"%PDF-1.7 artifact\n",
             "agreements/3/scan.pdf": "扫描件".encode()}
    for name, data in files.items():
        path = os.path.join(app.config["EXPORTS"], name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    return files


def test_restore_gives_the_same_rows_books_and_exports(app, runner, world, fresh, tmp_path):
    files = write_exports(app)
    answer = runner.invoke(args=["backup", str(tmp_path / "bak")])
    assert answer.exit_code == 0, answer.output
    restored = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "bak")])
    assert restored.exit_code == 0, restored.output
    for name, data in files.items():
        with open(os.path.join(fresh.config["EXPORTS"], name), "rb") as handle:
            assert handle.read() == data
    with app.app_context():
        before = sorted((u.id, u.email, u.name) for u in db.session.scalars(select(User)))
    with fresh.app_context():
        assert sorted((u.id, u.email, u.name)
                      for u in db.session.scalars(select(User))) == before
        chapter = db.session.scalar(select(Chapter).filter_by(key="ch01"))
        assert chapter.book.title == "新就业形态劳动者权益保障"
        # New rows get ids after the restored ones (PostgreSQL's sequences were moved on).
        org = db.session.scalar(select(User).filter_by(email=world.emails["author"])).org
        newcomer = create_user("new@ah.test", "新老师", org, PASSWORD)
        db.session.commit()
        assert newcomer.id > max(i for i, _, _ in before)
    fresh_client = fresh.test_client()
    fresh_client.post("/login", data={"email": world.emails["author"], "password": PASSWORD})
    page = fresh_client.get("/search?q=新就业形态劳动者").get_data(as_text=True)
    assert "<mark>新就业形态劳动者</mark>" in page  # the search index was rebuilt


def test_a_restore_that_fails_leaves_no_exports_behind(app, runner, world, fresh, tmp_path):
    write_exports(app)
    assert runner.invoke(args=["backup", str(tmp_path / "bak")]).exit_code == 0
    os.remove(tmp_path / "bak" / "labor-rights.bundle")
    answer = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "bak")])
    assert answer.exit_code == 1 and "labor-rights.bundle is missing" in answer.output
    assert os.listdir(fresh.config["EXPORTS"]) == []
    with fresh.app_context():
        assert not portable.has_rows(db.engine, db.metadata)


def test_restore_refuses_a_home_with_exports(app, runner, world, fresh, tmp_path):
    assert runner.invoke(args=["backup", str(tmp_path / "bak")]).exit_code == 0
    os.makedirs(fresh.config["EXPORTS"], exist_ok=True)
    with open(os.path.join(fresh.config["EXPORTS"], "keep.pdf"), "wb") as handle:
        handle.write(b"keep")
    answer = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "bak")])
    assert answer.exit_code == 1 and "restore needs an empty home" in answer.output
    assert os.listdir(fresh.config["EXPORTS"]) == ["keep.pdf"]


@pytest.mark.skipif(not os.environ.get("ALLIANCE_TEST_DATABASE_URL"),
                    reason="needs ALLIANCE_TEST_DATABASE_URL")
def test_a_backup_moves_an_sqlite_home_to_postgresql(tmp_path, fresh):
    from alliance.manuscripts.books import create_book, create_chapter
    from alliance.extensions import manuscript_store
    from alliance.people.accounts import create_org
    source = create_app({"TESTING": True, "ALLIANCE_HOME": str(tmp_path / "sqlite"),
                         "DATABASE_URL": f"sqlite:///{tmp_path / 'sqlite' / 'alliance.db'}"})
    assert source.test_cli_runner().invoke(args=["init"]).exit_code == 0
    with source.app_context():
        school = create_org("安徽省总工会干部学校", "school")
        editor = create_user("ed@ah.test", "编辑", school, PASSWORD)
        book = create_book(manuscript_store(), "moved", "迁移的教材", school, editor)
        create_chapter(manuscript_store(), book, "ch01", "第一章", [editor], editor,
                       "# 第一章\n\n工会法。\n".encode())
        db.session.commit()
    write_exports(source)
    answer = source.test_cli_runner().invoke(args=["backup", str(tmp_path / "bak")])
    assert answer.exit_code == 0, answer.output
    with source.app_context():
        db.engine.dispose()
    restored = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "bak")])
    assert restored.exit_code == 0, restored.output
    with fresh.app_context():
        assert db.engine.dialect.name == "postgresql"
        chapter = db.session.scalar(select(Chapter).filter_by(key="ch01"))
        assert chapter.book.title == "迁移的教材" and chapter.assignees[0].email == "ed@ah.test"
