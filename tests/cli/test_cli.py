"""The `alliance` command, run in-process with Flask's CLI runner and as a real process."""
import os
import subprocess
import sys

from sqlalchemy import inspect, select

from alliance.extensions import db, manuscript_store
from alliance.models import Book, BookMember, Organization, User


def run(runner, *args, input=None):
    result = runner.invoke(args=list(args), input=input)
    return result.exit_code, result.output


def test_people_and_books_from_the_command_line(runner, app):
    assert run(runner, "org", "create", "中国工人出版社", "--kind", "publisher")[0] == 0
    assert run(runner, "org", "create", "湖北省工会干部学校", "--kind", "school")[0] == 0
    code, out = run(runner, "user", "create", "Admin@CWPH.test", "--name", "管理员",
                    "--org", "中国工人出版社", "--admin", input="a-long-password\n")
    assert code == 0, out
    assert run(runner, "user", "create", "li@hb.test", "--name", "李老师",
               "--org", "湖北省工会干部学校", "--password", "another-password")[0] == 0
    code, out = run(runner, "book", "create", "union-basics", "--title", "工会基础知识",
                    "--lead-org", "湖北省工会干部学校")
    assert code == 0, out
    assert run(runner, "book", "member", "union-basics", "li@hb.test", "author")[0] == 0
    with app.app_context():
        admin = db.session.scalar(select(User).filter_by(email="admin@cwph.test"))
        assert admin.is_admin and admin.check_password("a-long-password")
        book = db.session.scalar(select(Book).filter_by(slug="union-basics"))
        assert book.lead_org.name == "湖北省工会干部学校"
        assert [(m.user.email, m.role.value) for m in db.session.scalars(select(BookMember))] \
            == [("li@hb.test", "author")]
        repo = manuscript_store().book("union-basics")
        assert "工会基础知识" in repo.load("book.yaml").decode()
        assert repo.log()[0].author == "管理员"


def test_token_create_prints_only_the_token_and_it_works(runner, app, client):
    run(runner, "org", "create", "中国工人出版社", "--kind", "publisher")
    run(runner, "user", "create", "ed@cwph.test", "--name", "编辑", "--org", "中国工人出版社",
        "--password", "editor-password")
    code, out = run(runner, "token", "create", "ed@cwph.test")
    token = out.strip()
    assert code == 0 and out == token + "\n" and token.startswith("alc_")
    answer = client.get("/api/v1/books", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json == []


def test_bad_input_gives_a_clear_error_and_exit_1(runner, app):
    code, out = run(runner, "org", "create", "某学校", "--kind", "school")
    assert code == 0
    assert run(runner, "org", "create", "某学校", "--kind", "school") == (
        1, "error: organisation 某学校 already exists\n")
    code, out = run(runner, "user", "create", "x@y.test", "--name", "X", "--org", "某学校",
                    "--password", "short")
    assert code == 1 and "at least 10 characters" in out
    code, out = run(runner, "user", "create", "x@y.test", "--name", "X", "--org", "无此单位",
                    "--password", "long-enough-pw")
    assert code == 1 and "no organisation" in out
    code, out = run(runner, "book", "create", "../evil", "--title", "T", "--lead-org", "某学校",
                    "--by", "nobody@y.test")
    assert code == 1
    with app.app_context():
        assert db.session.scalar(select(User).filter_by(email="x@y.test")) is None
        assert not os.listdir(app.config["MANUSCRIPTS"])


def test_init_applies_migrations_twice_and_matches_the_models(tmp_path):
    env = {**os.environ, "ALLIANCE_HOME": str(tmp_path)}
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-m", "alliance.cli", "init"], env=env,
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "instance" / "alliance.db").exists()
    assert (tmp_path / "manuscripts").is_dir() and (tmp_path / "exports").is_dir()
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alliance import create_app
    app = create_app({"ALLIANCE_HOME": str(tmp_path)})
    with app.app_context():
        with db.engine.connect() as conn:
            from alliance.models.search import include_name  # FTS5 tables are not models
            diffs = compare_metadata(MigrationContext.configure(
                conn, opts={"include_name": include_name}), db.metadata)
            assert diffs == []
            assert "organization" in inspect(conn).get_table_names()


def test_demo_seeds_the_alliance_idempotently(tmp_path):
    from alliance import create_app
    app = create_app({"ALLIANCE_HOME": str(tmp_path)})
    runner = app.test_cli_runner()
    for _ in range(2):
        code, out = run(runner, "demo", "--no-serve")
        assert code == 0, out
    assert "author@ah.demo" in out and "alliance-demo-2026" in out
    with app.app_context():
        names = db.session.scalars(select(Organization.name)).all()
        assert len(names) == 10 and "井冈山职工教育培训中心" in names
        book = db.session.scalar(select(Book))
        assert book.title == "新就业形态劳动者权益保障" and len(book.chapters) >= 4
        repo = manuscript_store().book(book.slug)
        text = repo.load(book.chapters[1].path).decode()
        assert "images/fig-2-1.svg" in text and "[^1]" in "".join(
            repo.load(c.path).decode() for c in book.chapters)
        assert "|" in text or any("Table:" in repo.load(c.path).decode() for c in book.chapters)
        svg = repo.load("images/fig-2-1.svg").decode()
        assert "<script" not in svg and "新就业形态劳动者" in svg
        authors = {r.author for c in book.chapters for r in repo.log(c.path)}
        assert {"张老师", "李老师", "周老师"} <= authors


def test_serve_runs_gunicorn_workers_that_answer_and_stop_with_the_server(tmp_path):
    """Issue 18: `alliance serve` (and so `make demo`) is gunicorn with gunicorn.conf.py."""
    import signal
    import time

    import requests

    from helpers import free_port
    port = free_port()
    env = {**os.environ, "ALLIANCE_HOME": str(tmp_path), "ALLIANCE_WORKERS": "2"}
    env.pop("ALLIANCE_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "alliance.cli", "init"], env=env, check=True,
                   capture_output=True)
    server = subprocess.Popen([sys.executable, "-m", "alliance.cli", "serve", "--port",
                               str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        answer = None
        for _ in range(150):
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except requests.RequestException:  # not listening yet, or a worker still booting
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 200
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                                  text=True).stdout.split()
        assert len(children) == 2  # two gunicorn workers under the arbiter
    finally:
        server.send_signal(signal.SIGTERM)
        _out, err = server.communicate(timeout=30)
    assert server.returncode == 0
    assert b"gunicorn" in err.lower() or b"Booting worker" in err
