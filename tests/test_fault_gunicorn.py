"""Saves survive SIGKILLs: gunicorn workers (and sometimes the master) die under a storm of saves.

Clients save their chapters through the API as fast as they can while a killer
SIGKILLs a gunicorn process twenty times; when the master dies, its orphaned
workers are killed too and gunicorn is started again, as a supervisor would.
Connection errors are expected and tolerated; an answer is only counted when it
is a 200. Afterwards every answered save is in Git (its revision on main, its
text the chapter's file at that revision), `git fsck --strict` and
`alliance check` are clean. Each client saves again after the last kill, so
the database's record of every chapter has caught up with Git (a kill between
the Git commit and the database commit leaves the record behind until the
chapter's next save, or `alliance check --repair`).
"""
import os
import random
import subprocess
import threading
import time

import pytest
import requests

from helpers import free_port
from served_home import BIN, Gunicorn, alive, git_lines, kill, lost_saves, seed

KILLS, MASTER_EVERY = 20, 5  # every fifth kill takes the master
CLIENTS = 6
# Alone on the machine (`make test` runs it after the parallel run): the storm keeps both cores
# busy, and each kill waits a bounded time for saves to land again.
pytestmark = pytest.mark.serial("a SIGKILL storm under a gunicorn save load")


class Client(threading.Thread):
    """Saves one chapter in a loop, from the revision each answer names, tolerating outages."""

    def __init__(self, base, chapter, stop):
        super().__init__(daemon=True)
        self.slug, self.key, _email, token = chapter
        self.url = f"{base}/api/v1/books/{self.slug}/chapters/{self.key}"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.stop = stop
        self.answered, self.failures, self.refused = [], 0, []

    def run(self):
        n, base = 0, None
        while not self.stop.is_set():
            n += 1
            try:
                if base is None:
                    base = self.session.get(self.url, timeout=20).json()["head"]
                text = f"# {self.key}\n\n第{n}稿，{time.time_ns()}。\n"
                answer = self.session.put(self.url, timeout=20,
                                          json={"content": text, "base_revision": base})
            except (requests.RequestException, ValueError):
                self.failures += 1  # the server died under us: not an answer
                base = None
                time.sleep(0.05)
                continue
            if answer.status_code == 200:
                base = answer.json()["revision"]
                self.answered.append((self.slug, self.key, text, base))
            else:
                self.refused.append((answer.status_code, answer.text[:300]))
                base = None


def kill_storm(server, kills, log, answered):
    """SIGKILL a worker (or, every MASTER_EVERY-th time, the master) ``kills`` times.

    Each kill waits until saves are landing again (``answered()`` grew), so every
    one strikes a server in the middle of work rather than one still booting.
    """
    for n in range(1, kills + 1):
        mark, deadline = answered(), time.monotonic() + 30
        while answered() < mark + 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(random.uniform(0, 0.3))
        if n % MASTER_EVERY == 0:
            orphans = server.workers()
            kill(server.proc.pid)
            server.proc.wait(10)
            # A worker notices its master is gone within a second or two and exits; a machine
            # crash would take them at once, so take those left at once.
            for pid in orphans:
                kill(pid)
            deadline = time.monotonic() + 10
            while any(alive(p) for p in orphans) and time.monotonic() < deadline:
                time.sleep(0.05)
            server.start()
            log.append(("master", server.proc.pid))
            continue
        for _ in range(100):  # after a kill the master needs a moment to fork a new worker
            workers = server.workers()
            if workers:
                break
            time.sleep(0.05)
        victim = random.choice(workers)
        kill(victim)
        log.append(("worker", victim))


def test_saves_answered_200_survive_twenty_sigkills(tmp_path, empty_database_url):
    seeded = seed(str(tmp_path / "home"), books=2, chapters_per_book=CLIENTS // 2,
                  database_url=empty_database_url)
    server = Gunicorn(seeded, free_port(), workers=2, log=str(tmp_path / "gunicorn.log"))
    server.start()
    stop, kills = threading.Event(), []
    clients = [Client(server.url, chapter, stop) for chapter in seeded.chapters]
    try:
        for client in clients:
            client.start()
        kill_storm(server, KILLS, kills, lambda: sum(len(c.answered) for c in clients))
        # Every chapter is saved again after the last kill, so the database catches up.
        marks = [len(c.answered) for c in clients]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(
                len(c.answered) < m + 2 for c, m in zip(clients, marks)):
            time.sleep(0.1)
        stop.set()
        for client in clients:
            client.join(30)
    finally:
        stop.set()
        server.stop()

    assert len(kills) == KILLS and sum(k == "master" for k, _ in kills) == KILLS // MASTER_EVERY
    assert all(len(c.answered) >= m + 2 for c, m in zip(clients, marks)), \
        [len(c.answered) - m for c, m in zip(clients, marks)]
    answered = [save for c in clients for save in c.answered]
    print(f"{len(answered)} saves answered 200, {sum(c.failures for c in clients)} "
          f"connection errors, {len(kills)} SIGKILLs")
    assert len(answered) >= 3 * KILLS  # the storm really saved between the kills
    assert not [r for c in clients for r in c.refused], [r for c in clients for r in c.refused]
    assert lost_saves(seeded.home, answered) == []
    for slug in sorted({s for s, *_ in answered}):
        git_dir = os.path.join(seeded.home, "manuscripts", f"{slug}.git")
        git_lines(git_dir, "fsck", "--strict", "--no-dangling")  # raises when not clean
    check = subprocess.run([os.path.join(BIN, "alliance"), "check"], env=seeded.env(),
                           capture_output=True, text=True)
    assert check.returncode == 0 and "nothing found" in check.stdout, check.stdout + check.stderr

