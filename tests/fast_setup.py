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
