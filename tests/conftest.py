"""Shared fixtures, after the Flask tutorial: app, client, runner, auth, plus a small world.

The suite runs on SQLite by default. With ALLIANCE_TEST_DATABASE_URL set (a PostgreSQL
database whose user may CREATE DATABASE; .ci/with-services provides one), every ``app``
uses a database on that server instead: one per test session, its tables emptied and
its id sequences restarted before each test, so each test starts as on a new database.
The ``postgres`` fixture makes further databases (``schema()``, ``empty()``) for tests
that build apps of their own.
"""
import os
import shutil
import subprocess
import sys
import time
import uuid

import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from alliance import create_app
from alliance.manuscripts.books import add_member, create_book, create_chapter
from alliance.extensions import db, manuscript_store
from alliance.people.accounts import create_org, create_token, create_user

import fast_setup

PASSWORD = "correct-horse-battery"

# Cheap password hashes and URL rules shared between apps, in the test processes only
# (see fast_setup.py: they took most of a test's set-up).
fast_setup.apply()


TEST_DATABASE_URL = os.environ.get("ALLIANCE_TEST_DATABASE_URL")


_THIS = sys.modules[__name__]


def pytest_collectstart(collector):
    # tests/publishing has a conftest.py too: pytest imports both as module "conftest", the
    # later one replacing this one. Test modules import PASSWORD and friends from this one.
    sys.modules["conftest"] = _THIS


def pytest_addoption(parser):
    parser.addoption("--serial", choices=("all", "skip", "only"), default="all",
                     help="tests marked serial: run them with the others (all, the default), "
                          "leave them out (skip: the parallel run of `make test`), or run "
                          "only them (only: the run after it, alone on the machine)")


def pytest_ignore_collect(collection_path, config):
    """With --serial=only, leave unread the test modules that mark nothing serial.

    A serial test's module says ``pytest.mark.serial`` itself (as ``pytestmark`` or on the
    test), so the run of the serial tests need not import the whole suite to find them.
    """
    if (config.getoption("serial") == "only" and collection_path.suffix == ".py"
            and collection_path.name.startswith("test_")
            and b"mark.serial" not in collection_path.read_bytes()):
        return True
    return None


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(reason): the test cannot run on PostgreSQL; "
                                       "skipped when ALLIANCE_TEST_DATABASE_URL is set")
    config.addinivalue_line("markers", "serial(reason): the test must not share the machine with "
                                       "other tests (a fault storm, timing under load); "
                                       "`make test` runs these alone, after the parallel run")


def pytest_collection_modifyitems(config, items):
    """Keep or leave out the serial tests (--serial); skip the sqlite_only ones on PostgreSQL."""
    serial = config.getoption("serial")
    if serial != "all":
        wanted = serial == "only"
        keep, drop = [], []
        for item in items:
            (keep if (item.get_closest_marker("serial") is not None) == wanted else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
    if not TEST_DATABASE_URL:
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


class PostgresDatabases:
    """The test databases on the server of ALLIANCE_TEST_DATABASE_URL.

    ``app_database()`` hands every ``app`` the same database, emptied first:
    deleting the few rows a test leaves takes milliseconds, while CREATE DATABASE
    takes seconds on a busy machine. ``schema()`` makes a new database with the
    models' tables (for an app of a module-scoped fixture, say) and ``empty()`` one
    with no tables (for migrations and restores); ``drop()`` drops those.
    """

    def __init__(self, url, home):
        self.url = sa.make_url(url)
        # CREATE/DROP DATABASE cannot run inside a transaction.
        self.admin = sa.create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        # Unique per run and per xdist worker, so runs sharing a server never collide.
        self.prefix = f"alliance_test_{uuid.uuid4().hex[:8]}"
        self.home = home
        self.template = None  # a database with the models' tables that nobody connects to
        self.shared = None  # the engine of app_database()'s database, once made
        self.created = []
        self.made = 0  # databases made so far: names never repeat, even after a drop()

    def _execute(self, sql):
        with self.admin.connect() as conn:
            conn.execute(sa.text(sql))

    def url_of(self, name):
        """The SQLAlchemy URL (as a string) of database ``name`` on the test server."""
        return self.url.set(database=name).render_as_string(hide_password=False)

    def _create(self, template=None):
        name = f"{self.prefix}_{self.made}"
        self.made += 1
        self._execute(f'CREATE DATABASE "{name}"'
                      + (f' TEMPLATE "{template}"' if template else ""))
        self.created.append(name)
        return name

    def empty(self):
        """Return the URL of a new database with no tables (for migrations, restores)."""
        return self.url_of(self._create())

    def schema(self):
        """Return the URL of a new database holding the models' tables, empty."""
        if self.template is None:
            name = self._create()
            builder = create_app({"TESTING": True, "ALLIANCE_HOME": self.home,
                                  "DATABASE_URL": self.url_of(name)})
            with builder.app_context():
                db.create_all()
                # Marked as migrated, like a database `alliance init` made (restore checks it).
                flask_migrate.stamp(directory=builder.extensions["migrate"].directory)
                db.engine.dispose()  # a template must have no connections when cloned
            self.template = name
        return self.url_of(self._create(self.template))

    def app_database(self):
        """Return the URL of the database every ``app`` shares, every table emptied."""
        if self.shared is None:
            self.shared = sa.create_engine(self.schema(), pool_size=1)
        else:
            self._clear()
        return self.shared.url.render_as_string(hide_password=False)

    def _clear(self):
        """Empty every table but alembic_version and restart every id sequence."""
        with self.shared.begin() as conn:
            # A server or thread the last test left behind must not hold locks or write on.
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            existing = set(conn.scalars(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")))
            # Children before parents, so foreign keys hold at every step.
            ordered = [t.name for t in reversed(db.metadata.sorted_tables) if t.name in existing]
            others = sorted(existing - set(ordered) - {"alembic_version"})
            conn.exec_driver_sql("; ".join(f'DELETE FROM "{n}"' for n in others + ordered))
            conn.execute(sa.text(
                "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
                "FROM pg_sequences WHERE schemaname = current_schema()"))

    def drop(self, url):
        """Drop the database of ``url`` (from ``empty`` or ``schema``) and its connections."""
        name = sa.make_url(url).database
        if name in (self.template, self.shared is not None and self.shared.url.database):
            return  # shared by the tests: dropped by close()
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def close(self):
        if self.shared is not None:
            self.shared.dispose()
        for name in self.created:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """The PostgreSQL database factory, or None when the suite runs on SQLite."""
    if not TEST_DATABASE_URL:
        yield None
        return
    databases = PostgresDatabases(TEST_DATABASE_URL, str(tmp_path_factory.mktemp("template")))
    yield databases
    databases.close()


@pytest.fixture
def empty_database_url(postgres):
    """A database URL with no tables for a test's own app or subprocess, or None on SQLite.

    None means: let the app use its default SQLite file under its ALLIANCE_HOME.
    Pass it as DATABASE_URL (create_app) or ALLIANCE_DATABASE_URL (environment).
    """
    if postgres is None:
        yield None
        return
    url = postgres.empty()
    yield url
    postgres.drop(url)


@pytest.fixture
def app(tmp_path, postgres):
    """An app with its own home (database, manuscripts, exports) under tmp_path.

    On PostgreSQL the database is the session's test database, emptied for this test.
    """
    config = {"TESTING": True, "ALLIANCE_HOME": str(tmp_path), "WTF_CSRF_ENABLED": False}
    if postgres is not None:
        config["DATABASE_URL"] = postgres.app_database()
    app = create_app(config)
    if postgres is None and not fast_setup.sqlite_schema_copy(app, db):
        with app.app_context():
            db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
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
    return build_world(app)


def build_world(app):
    """Make the World in ``app`` (for fixtures of a wider scope than ``world``)."""
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


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server on a free port, without persistence."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    import redis

    from helpers import free_port
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--save", "", "--appendonly", "no",
                             "--bind", "127.0.0.1", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)
