"""The test suite's own set-up: what conftest.py and helpers.py change for speed and for
running on several pytest-xdist workers at once must not change what the tests test."""
import os
import shutil
import subprocess
import sys

import pytest

from flask import url_for
from werkzeug.routing.rules import Rule
from werkzeug.security import check_password_hash, generate_password_hash

import fast_setup
import helpers
from alliance import create_app
from alliance.config import PROJECT_ROOT
from alliance.extensions import db
from fast_setup import TEST_PASSWORD_METHOD


def test_the_application_hashes_passwords_at_full_scrypt_cost_outside_the_tests():
    code = ("from alliance.models import User; u = User(); u.set_password('correct-horse-battery');"
            " print(u.password_hash)")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    assert out.startswith("scrypt:32768:8:1$") and check_password_hash(out, "correct-horse-battery")


def test_the_tests_hash_with_cheaper_scrypt_that_checks_the_same_way():
    made = generate_password_hash("correct-horse-battery")
    assert made.startswith(TEST_PASSWORD_METHOD + "$")
    assert check_password_hash(made, "correct-horse-battery")
    assert not check_password_hash(made, "correct-horse-batterY")


def test_each_xdist_worker_takes_ports_from_a_block_of_its_own(monkeypatch):
    blocks = {}
    for worker in ("gw0", "gw1", "gw2"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        ports = [helpers.free_port() for _ in range(5)]
        assert len(set(ports)) == 5
        blocks[worker] = {(p - helpers.PORT_BLOCK_START) // helpers.PORT_BLOCK_SIZE for p in ports}
    assert blocks == {"gw0": {0}, "gw1": {1}, "gw2": {2}}
    assert helpers.PORT_BLOCK_START + helpers.PORT_BLOCK_SIZE * helpers.PORT_BLOCKS <= 32768
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert helpers.free_port() > 0


def test_serial_option_splits_the_suite_between_the_two_runs(tmp_path):
    (tmp_path / "test_split.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.serial\n"
        "def test_alone():\n    pass\n\n"
        "def test_with_others():\n    pass\n")
    for name in ("conftest.py", "fast_setup.py"):
        shutil.copyfile(os.path.join(os.path.dirname(__file__), name), tmp_path / name)
    def run(*args):
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "-p", "no:xdist", *args, str(tmp_path / "test_split.py")],
                              cwd=tmp_path, capture_output=True, text=True)
        return proc.returncode, proc.stdout
    code, out = run("--serial=only")
    assert code == 0 and "1 passed, 1 deselected" in out, out
    code, out = run("--serial=skip")
    assert code == 0 and "1 passed, 1 deselected" in out, out
    code, out = run()
    assert code == 0 and "2 passed" in out, out


def _code(function):
    code = function.__code__
    return code.co_code, code.co_consts, code.co_names, code.co_varnames


def test_shared_url_builders_are_the_ones_werkzeug_would_compile(app):
    assert Rule._compile_builder is fast_setup._shared_compile_builder
    second = create_app({"TESTING": True, "ALLIANCE_HOME": app.config["ALLIANCE_HOME"]})
    shared = 0
    for rule in app.url_map.iter_rules():
        for unknown, built in ((False, rule._build), (True, rule._build_unknown)):
            fresh = fast_setup._original_compile_builder(rule, unknown)
            assert _code(built.__func__) == _code(fresh), rule.rule
            shared += fast_setup._builder_key(rule, unknown) is not None
    assert shared > 100
    others = {r.rule: r for r in second.url_map.iter_rules()}
    for rule in app.url_map.iter_rules():  # the same function, bound to each app's own rule
        if fast_setup._builder_key(rule, True) is not None:
            twin = others[rule.rule]
            assert twin._build_unknown.__func__ is rule._build_unknown.__func__
            assert twin._build_unknown.__self__ is twin
    with app.test_request_context():
        assert url_for("auth.login") == "/login"
        assert url_for("auth.login", next="/x y") == "/login?next=/x+y"


def test_the_copied_sqlite_schema_is_the_one_create_all_makes(tmp_path):
    import sqlalchemy as sa
    def tables(app):
        with app.app_context():
            names = sorted(sa.inspect(db.engine).get_table_names())
            rows = db.session.execute(sa.text(
                "SELECT type, name, sql FROM sqlite_master ORDER BY type, name")).all()
            db.engine.dispose()
        return names, rows
    made = create_app({"TESTING": True, "ALLIANCE_HOME": str(tmp_path / "made")})
    with made.app_context():
        db.create_all()
    copied = create_app({"TESTING": True, "ALLIANCE_HOME": str(tmp_path / "copied")})
    assert fast_setup.sqlite_schema_copy(copied, db)
    assert not fast_setup.sqlite_schema_copy(copied, db)  # the file is there now: left alone
    assert tables(copied) == tables(made) and "user" in tables(made)[0]


def test_a_home_snapshot_restores_rows_ids_and_repositories(tmp_path, postgres):
    import sqlalchemy as sa
    from conftest import build_world
    from alliance.extensions import manuscript_store
    from alliance.models import User
    from alliance.people.accounts import create_org, create_user

    def state(app):
        with app.app_context():
            users = db.session.execute(sa.select(User.id, User.email).order_by(User.id)).all()
            return users, manuscript_store().book("labor-rights").head()

    def make(name):
        config = {"TESTING": True, "ALLIANCE_HOME": str(tmp_path / name)}
        if postgres is not None:
            config["DATABASE_URL"] = postgres.schema()
        made = create_app(config)
        if postgres is None:
            assert fast_setup.sqlite_schema_copy(made, db)
        return made

    source = make("source")
    build_world(source)
    snapshot = fast_setup.HomeSnapshot.take(source, db, str(tmp_path / "snapshot"))
    target = make("target")
    snapshot.restore(target, db)
    assert state(target) == state(source) and len(state(target)[0]) == 4
    with target.app_context():  # ids go on from where the snapshot's left off
        org = create_org("山东管理学院", "school")
        assert create_user("new@sd.test", "新人", org, "correct-horse-battery").id == 5
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    if postgres is not None:
        postgres.drop(source.config["DATABASE_URL"])
        postgres.drop(target.config["DATABASE_URL"])
