"""What makes a test's set-up cheap, for the test processes only (conftest.py applies it).

Every test builds an app, a database and a few people of its own. Profiled, most of that
time went to three things that are the same in every test and say nothing about it:

- **Password hashes.** werkzeug's scrypt (n = 2**15) costs 0.1-0.4 s a hash and a login;
  the world fixture alone hashes four passwords. Test processes hash with n = 2**10: the
  same algorithm and format, checked by the same ``check_password_hash``. Servers the tests
  start as subprocesses keep the full cost; tests/test_suite_setup.py checks the app's own.
- **URL rules.** werkzeug compiles two Python functions for every URL rule of every app
  (``Rule._compile_builder``, ~0.2 s an app). They depend only on the rule's text, its
  defaults and ``append_unknown``, so test processes compile each once and share it.
- **The SQLite schema.** ``db.create_all()`` is replaced by a copy of an empty database file
  made once per process (``sqlite_schema_copy``).
- **Java's start.** EPUBCheck is a JVM run per check; for a run of seconds the JIT's optimising
  tier costs more than it saves (7.5 s of CPU a check instead of 3.7). JAVA_TOOL_OPTIONS (unless
  set already) keeps the JVMs the tests start to the quick tier. The checks are the same.
"""
import atexit
import os
import shutil
import tempfile

import werkzeug.security
from werkzeug.routing.rules import Rule

TEST_PASSWORD_METHOD = "scrypt:1024:8:1"

_original_compile_builder = Rule._compile_builder
_builders = {}


def _builder_key(rule, append_unknown):
    """The key a rule's builder is shared under, or None when it must be compiled afresh."""
    defaults = rule.defaults or {}
    if any(dynamic and data in defaults for dynamic, data in rule._trace):
        return None  # a default folded into the function as a constant: not worth sharing
    return (rule.rule, tuple(rule._trace), tuple(sorted(map(str, defaults))), append_unknown)


def _shared_compile_builder(self, append_unknown=True):
    key = _builder_key(self, append_unknown)
    if key is None:
        return _original_compile_builder(self, append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _original_compile_builder(self, append_unknown)
    return builder


JAVA_TOOL_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def apply():
    """Cheap password hashes, shared URL builders and quick JVMs in this process."""
    werkzeug.security.generate_password_hash.__defaults__ = (TEST_PASSWORD_METHOD, 16)
    Rule._compile_builder = _shared_compile_builder
    os.environ.setdefault("JAVA_TOOL_OPTIONS", JAVA_TOOL_OPTIONS)


_schemas = {}


def sqlite_schema_copy(app, db):
    """Give ``app`` (on its default SQLite file, not yet used) the models' tables, empty.

    The first call in a process runs ``db.create_all()`` into a file of its own; every call
    copies that file to the app's database path. Returns False (having done nothing) when
    the app's database is not a plain SQLite file, or already exists.
    """
    target = app.config["DATABASE_URL"]
    if not target.startswith("sqlite:///"):
        return False
    path = target[len("sqlite:///"):]
    if not path or path == ":memory:" or os.path.exists(path):
        return False
    template = _schemas.get("sqlite")
    if template is None:
        from alliance import create_app
        folder = tempfile.mkdtemp(prefix="alliance-schema-")
        atexit.register(shutil.rmtree, folder, True)
        builder = create_app({"TESTING": True, "ALLIANCE_HOME": folder})
        with builder.app_context():
            db.create_all()
            db.engine.dispose()
        template = _schemas["sqlite"] = os.path.join(folder, "instance", "alliance.db")
        assert os.path.exists(template) and not os.path.exists(template + "-wal"), template
    os.makedirs(os.path.dirname(path), exist_ok=True)
    shutil.copyfile(template, path)
    return True


class HomeSnapshot:
    """An app's home and database as they are now, to be laid into other apps' homes.

    For fixtures whose world is expensive to build and the same for every test of a module
    (the permission matrix builds eight people, two books, a review, an agreement, a
    delivery and an export for each of its ~110 cases): build it once, ``take`` it, and
    ``restore`` it into each test's fresh app before the test touches it. Restored, the
    test's home holds the same Git repositories and exports (copied) and its database the
    same rows with the same ids and sequences: SQLite's file is copied; on PostgreSQL every
    table's rows are inserted into the test's (emptied) database, parents first.
    """

    def __init__(self, home, sqlite_file, tables, rows, sequences):
        self.home, self.sqlite_file = home, sqlite_file
        self.tables, self.rows, self.sequences = tables, rows, sequences

    @classmethod
    def take(cls, app, db, folder):
        """Snapshot ``app`` (whose work is all committed) into ``folder``; dispose its engine."""
        import sqlalchemy as sa
        with app.app_context():
            db.session.remove()
            url = db.engine.url
            if url.get_backend_name() == "sqlite":
                db.engine.dispose()
                source = url.database
                os.makedirs(folder, exist_ok=True)
                copy = os.path.join(folder, "database.sqlite")
                for suffix in ("", "-wal"):
                    if os.path.exists(source + suffix):
                        shutil.copyfile(source + suffix, copy + suffix)
                return cls(app.config["ALLIANCE_HOME"], copy, None, None, None)
            meta = sa.MetaData()
            with db.engine.connect() as conn:
                meta.reflect(conn)
                tables = [t for t in meta.sorted_tables if t.name != "alembic_version"]
                rows = {t.name: [dict(r) for r in conn.execute(sa.select(t)).mappings()]
                        for t in tables}
                sequences = conn.execute(sa.text(
                    "SELECT format('%I.%I', schemaname, sequencename), last_value "
                    "FROM pg_sequences WHERE schemaname = current_schema()")).all()
            db.engine.dispose()
        return cls(app.config["ALLIANCE_HOME"], None, tables, rows, sequences)

    def restore(self, app, db):
        """Lay the snapshot into ``app``'s home and database (empty, models' tables only)."""
        import sqlalchemy as sa
        home = app.config["ALLIANCE_HOME"]
        for name in os.listdir(self.home):
            if name != "instance":
                shutil.copytree(os.path.join(self.home, name), os.path.join(home, name),
                                dirs_exist_ok=True, symlinks=True)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
            if self.sqlite_file is not None:
                target = db.engine.url.database
                for suffix in ("-wal", "-shm"):
                    if os.path.exists(target + suffix):
                        os.remove(target + suffix)
                shutil.copyfile(self.sqlite_file, target)
                if os.path.exists(self.sqlite_file + "-wal"):
                    shutil.copyfile(self.sqlite_file + "-wal", target + "-wal")
                return
            with db.engine.begin() as conn:
                for table in self.tables:
                    if self.rows[table.name]:
                        conn.execute(table.insert(), self.rows[table.name])
                for sequence, last_value in self.sequences:
                    if last_value is not None:
                        conn.execute(sa.text("SELECT setval(:s, :v, true)"),
                                     {"s": sequence, "v": last_value})
            db.engine.dispose()
