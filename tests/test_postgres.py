"""PostgreSQL through ALLIANCE_DATABASE_URL: migrations, and the trigram search index.

Most run only when the suite runs on PostgreSQL (ALLIANCE_TEST_DATABASE_URL set, as
`make test-pg` does); the rest of the suite covers the behaviour on both databases.
"""
import os
import subprocess
import sys

import pytest
from sqlalchemy import inspect, text

from alliance import create_app
from alliance.extensions import db
from alliance.models.search import include_name

# Not imported from conftest: tests/publishing has a conftest module of the same name.
TEST_DATABASE_URL = os.environ.get("ALLIANCE_TEST_DATABASE_URL")
pg_only = pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs ALLIANCE_TEST_DATABASE_URL")


def alliance(home, url, *args):
    env = {**os.environ, "ALLIANCE_HOME": str(home), "ALLIANCE_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "alliance.cli", *args], env=env,
                          capture_output=True, text=True)


@pg_only
def test_the_suite_really_runs_on_postgresql(app):
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        assert db.session.execute(text("SHOW TimeZone")).scalar() == "UTC"


@pg_only
def test_init_migrates_an_empty_database_twice_and_matches_the_models(tmp_path,
                                                                      empty_database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    for _ in range(2):
        proc = alliance(tmp_path, empty_database_url, "init")
        assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "instance" / "alliance.db").exists()  # nothing went to SQLite
    app = create_app({"ALLIANCE_HOME": str(tmp_path), "DATABASE_URL": empty_database_url})
    with app.app_context(), db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(
            conn, opts={"include_name": include_name}), db.metadata)
        assert diffs == []
        indexes = {i["name"] for i in inspect(conn).get_indexes("chapter_search")}
        assert {"chapter_search_title_trgm", "chapter_search_body_trgm"} <= indexes
    with app.app_context():
        db.engine.dispose()


@pg_only
def test_downgrade_to_base_removes_every_table(tmp_path, empty_database_url):
    assert alliance(tmp_path, empty_database_url, "init").returncode == 0
    env = {**os.environ, "ALLIANCE_HOME": str(tmp_path),
           "ALLIANCE_DATABASE_URL": empty_database_url, "FLASK_APP": "alliance"}
    proc = subprocess.run([sys.executable, "-m", "flask", "db", "downgrade", "base"],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    app = create_app({"ALLIANCE_HOME": str(tmp_path), "DATABASE_URL": empty_database_url})
    with app.app_context(), db.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    with app.app_context():
        db.engine.dispose()


@pg_only
@pytest.mark.parametrize("phrase", ["职业伤害保障", "劳动者"])
def test_a_chinese_phrase_is_looked_up_through_the_trigram_index(app, world, phrase):
    with app.app_context():
        # Trigrams of Chinese text: pg_trgm sees CJK characters as word characters only
        # in a UTF-8 locale, which the README asks for.
        assert db.session.execute(text("SELECT array_length(show_trgm(:p), 1)"),
                                  {"p": phrase}).scalar() > 0
        db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: force it
        plan = "\n".join(db.session.execute(text(
            "EXPLAIN SELECT chapter_key FROM chapter_search WHERE body ILIKE :p"),
            {"p": f"%{phrase}%"}).scalars())
        assert "chapter_search_body_trgm" in plan, plan
        db.session.rollback()


def test_search_ignores_ascii_case_and_takes_wildcards_literally(client, auth, world):
    headers = {"Authorization": f"Bearer {world.tokens[world.emails['author']]}"}
    url = "/api/v1/books/labor-rights/chapters/ch01"
    head = client.get(url, headers=headers).json
    assert client.put(url, headers=headers, json={
        "content": "# 第一章\n\nAPP 平台与骑手：工会入会。100%_覆盖\n",
        "base_revision": head["revision"]}).status_code == 200
    auth.login(world.emails["editor"])
    page = client.get("/search?q=app 平台").get_data(as_text=True)
    assert "<mark>APP</mark>" in page and "<mark>平台</mark>" in page
    assert "<mark>入会</mark>" in client.get("/search?q=入会").get_data(as_text=True)
    assert "<mark>100%" in client.get("/search?q=100%_").get_data(as_text=True)
    assert "search-results" not in client.get("/search?q=100%25x").get_data(as_text=True)


@pg_only
def test_a_plain_postgresql_url_uses_the_installed_driver(tmp_path, empty_database_url):
    plain = empty_database_url.replace("postgresql+psycopg://", "postgresql://")
    app = create_app({"ALLIANCE_HOME": str(tmp_path), "DATABASE_URL": plain})
    with app.app_context():
        assert db.engine.driver == "psycopg"
        assert db.session.execute(text("SELECT 1")).scalar() == 1
        db.session.remove()
        db.engine.dispose()
