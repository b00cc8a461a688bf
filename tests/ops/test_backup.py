"""`alliance backup DIR` / `alliance restore DIR`: consistent while saves run, and guarded."""
import hashlib
import json
import os
import threading

import pytest
from sqlalchemy import select

from alliance import create_app
from alliance.manuscripts.books import find_book, find_chapter
from alliance.extensions import db, manuscript_store
from alliance.models import Book, Chapter
from alliance.store import gitcmd

URL = "/api/v1/books/labor-rights/chapters/ch01"


@pytest.fixture
def fresh(tmp_path):
    """A second app whose home is empty: where backups are restored."""
    app = create_app({"TESTING": True, "ALLIANCE_HOME": str(tmp_path / "fresh")})
    yield app
    with app.app_context():
        db.engine.dispose()


def approve_first_version(app):
    """Pin ch01's first revision as approved, as the review workflow does (ref and row)."""
    with app.app_context():
        repo = manuscript_store().book("labor-rights")
        first = repo.log("chapters/ch01.md")[-1].revision
        repo.set_ref("refs/approved/ch01", first)
        find_chapter(find_book("labor-rights"), "ch01").approved_revision = first
        db.session.commit()
        return first


class Saver(threading.Thread):
    """Saves ch01 through the API in a loop; ``answered`` lists every revision answered 200."""

    def __init__(self, app, token):
        super().__init__(daemon=True)
        self.client, self.headers = app.test_client(), {"Authorization": f"Bearer {token}"}
        self.answered, self.stop, self.errors = [], threading.Event(), []

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            base = self.client.get(URL, headers=self.headers).get_json()["revision"]
            answer = self.client.put(URL, headers=self.headers, json={
                "content": f"# 第一章\n\n第{n}稿。\n", "base_revision": base})
            if answer.status_code != 200:
                self.errors.append(answer.get_data(as_text=True))
                return
            self.answered.append(answer.get_json()["revision"])


def wait_for(saver, count):
    while len(saver.answered) < count and not saver.errors and saver.is_alive():
        saver.stop.wait(0.05)


def test_a_backup_taken_while_saves_run_restores_everything_recorded_before_it(
        app, runner, world, fresh, tmp_path):
    approved = approve_first_version(app)
    saver = Saver(app, world.tokens[world.author.email])
    saver.start()
    try:
        wait_for(saver, 5)
        before = list(saver.answered)
        answer = runner.invoke(args=["backup", str(tmp_path / "bak")])
        wait_for(saver, len(saver.answered) + 3)  # saves go on after the backup too
    finally:
        saver.stop.set()
        saver.join(30)
    assert not saver.errors, saver.errors
    assert answer.exit_code == 0, answer.output
    assert "1 books" in answer.output

    restored = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "bak")])
    assert restored.exit_code == 0, restored.output
    check = fresh.test_cli_runner().invoke(args=["check"])
    assert check.exit_code == 0 and "nothing found" in check.output, check.output

    with fresh.app_context():
        store = manuscript_store()
        assert store.slugs() == ["labor-rights"]
        repo = store.book("labor-rights")
        history = {r.revision for r in repo.log("chapters/ch01.md")}
        assert set(before) <= history  # every save answered before the backup is there
        assert gitcmd.output(repo.path, ["rev-parse", "refs/approved/ch01"]) == approved
        chapter = db.session.scalar(select(Chapter).filter_by(key="ch01"))
        assert chapter.approved_revision == approved
        assert chapter.revision in history and chapter.revision == repo.last_change(
            "chapters/ch01.md")
        assert [b.slug for b in db.session.scalars(select(Book))] == ["labor-rights"]
    # The restored repository takes pushes under the app's rules, like a created one.
    hooks = os.path.join(fresh.config["MANUSCRIPTS"], "labor-rights.git", "hooks")
    assert os.access(os.path.join(hooks, "pre-receive"), os.X_OK)


def test_restore_refuses_a_home_that_is_not_empty(app, runner, world, tmp_path):
    assert runner.invoke(args=["backup", str(tmp_path / "bak")]).exit_code == 0
    answer = runner.invoke(args=["restore", str(tmp_path / "bak")])
    assert answer.exit_code == 1
    assert "restore needs an empty home" in answer.output


def test_backup_refuses_a_folder_that_is_not_empty(app, runner, world, tmp_path):
    (tmp_path / "bak").mkdir()
    (tmp_path / "bak" / "notes.txt").write_text("keep me")
    answer = runner.invoke(args=["backup", str(tmp_path / "bak")])
    assert answer.exit_code == 1 and "must be missing or empty" in answer.output
    assert os.listdir(tmp_path / "bak") == ["notes.txt"]


def test_a_tampered_bundle_is_refused_and_nothing_is_restored(
        app, runner, world, fresh, tmp_path):
    assert runner.invoke(args=["backup", str(tmp_path / "bak")]).exit_code == 0
    with open(tmp_path / "bak" / "labor-rights.bundle", "ab") as handle:
        handle.write(b"\0")
    answer = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "bak")])
    assert answer.exit_code == 1
    assert "labor-rights.bundle is missing or does not match" in answer.output
    assert os.listdir(fresh.config["MANUSCRIPTS"]) == []
    assert not os.path.exists(os.path.join(fresh.instance_path, "alliance.db"))


def test_a_bundle_git_cannot_read_leaves_the_home_empty_again(
        app, runner, world, fresh, tmp_path):
    assert runner.invoke(args=["backup", str(tmp_path / "bak")]).exit_code == 0
    bundle, manifest = tmp_path / "bak" / "labor-rights.bundle", tmp_path / "bak" / "manifest.json"
    bundle.write_bytes(b"not a bundle\n")  # damaged, and the manifest made to agree
    data = json.loads(manifest.read_text())
    data["bundles"]["labor-rights"]["sha256"] = hashlib.sha256(b"not a bundle\n").hexdigest()
    manifest.write_text(json.dumps(data))
    answer = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "bak")])
    assert answer.exit_code == 1 and "cannot restore labor-rights.bundle" in answer.output
    assert os.listdir(fresh.config["MANUSCRIPTS"]) == []
    assert not os.path.exists(os.path.join(fresh.instance_path, "alliance.db"))
