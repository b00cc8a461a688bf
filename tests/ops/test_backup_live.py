"""`alliance backup DIR`, run as its own process while authors save, restores a sound home.

Three client threads save three chapters through the API without pause; the
backup runs in a subprocess meanwhile, as an operator's cron job would. The
backup restored (`alliance restore`, another process) into an empty home passes
`alliance check`, and holds every revision recorded before the backup started:
each save answered before it (with exactly the text saved) and each revision the
database named.
"""
import os
import subprocess
import threading

from sqlalchemy import select

from alliance.manuscripts.books import create_chapter, find_book
from alliance.extensions import db, manuscript_store
from alliance.models import Chapter, User
from served_home import BIN, git_lines, lost_saves

KEYS = ("ch01", "ch02", "ch03")


class Saver(threading.Thread):
    """Saves one chapter through the API in a loop; ``answered`` lists every save answered 200."""

    def __init__(self, app, token, key):
        super().__init__(daemon=True)
        self.client, self.key = app.test_client(), key
        self.headers = {"Authorization": f"Bearer {token}"}
        self.url = f"/api/v1/books/labor-rights/chapters/{key}"
        self.answered, self.errors, self.stop = [], [], threading.Event()

    def run(self):
        n = 0
        base = self.client.get(self.url, headers=self.headers).get_json()["head"]
        while not self.stop.is_set():
            n += 1
            text = f"# {self.key}\n\n第{n}稿。\n"
            answer = self.client.put(self.url, headers=self.headers,
                                     json={"content": text, "base_revision": base})
            if answer.status_code != 200:
                self.errors.append(answer.get_data(as_text=True))
                return
            base = answer.get_json()["revision"]
            self.answered.append(("labor-rights", self.key, text, base))


def alliance(env, *args):
    return subprocess.run([os.path.join(BIN, "alliance"), *args], env=env,
                          capture_output=True, text=True, timeout=300)


def home_env(home, database_url):
    env = {**os.environ, "ALLIANCE_HOME": str(home)}
    env.pop("ALLIANCE_DATABASE_URL", None)
    if database_url:
        env["ALLIANCE_DATABASE_URL"] = database_url
    return env


def test_a_backup_taken_by_another_process_during_saves_restores_clean(
        app, world, tmp_path, empty_database_url):
    with app.app_context():
        book = find_book("labor-rights")
        author = db.session.scalar(select(User).filter_by(email=world.author.email))
        editor = db.session.scalar(select(User).filter_by(email=world.editor.email))
        for key in KEYS[1:]:
            create_chapter(manuscript_store(), book, key, f"第{key[-1]}章", [author], editor,
                           f"# {key}\n".encode())
        db.session.commit()
    savers = [Saver(app, world.tokens[world.author.email], key) for key in KEYS]
    for saver in savers:
        saver.start()
    try:
        while min(len(s.answered) for s in savers) < 3 and not any(s.errors for s in savers):
            savers[0].stop.wait(0.05)
        with app.app_context():
            recorded = set(db.session.scalars(select(Chapter.revision)))
        before = [save for s in savers for save in list(s.answered)]
        backup = alliance(home_env(app.config["ALLIANCE_HOME"], app.config["DATABASE_URL"]),
                          "backup", str(tmp_path / "bak"))
        during = sum(len(s.answered) for s in savers) - len(before)
    finally:
        for saver in savers:
            saver.stop.set()
        for saver in savers:
            saver.join(30)
    assert not [e for s in savers for e in s.errors]
    assert backup.returncode == 0, backup.stdout + backup.stderr
    assert during > 0  # the saves really went on while the backup ran

    fresh = home_env(tmp_path / "fresh", empty_database_url)
    restored = alliance(fresh, "restore", str(tmp_path / "bak"))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    check = alliance(fresh, "check")
    assert check.returncode == 0 and "nothing found" in check.stdout, check.stdout + check.stderr

    home = str(tmp_path / "fresh")
    assert lost_saves(home, before) == []  # every answered save, with exactly its text
    on_main = set(git_lines(os.path.join(home, "manuscripts", "labor-rights.git"),
                            "rev-list", "main"))
    assert recorded <= on_main  # every revision the database named
