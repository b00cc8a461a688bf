"""Eight client processes saving one chapter through a served app lose nothing."""
import multiprocessing
import os
import subprocess
import sys
import time

import pytest
import requests

from alliance import create_app
from alliance.manuscripts.books import add_member, create_book, create_chapter
from alliance.extensions import db, manuscript_store
from alliance.people.accounts import create_org, create_token, create_user
from helpers import free_port

WRITERS, SAVES, GAP = 8, 25, 4
# Alone on the machine: how the eight writers interleave (and so how often a save has to retry
# or merge) depends on the load, so they get the machine to themselves.
pytestmark = pytest.mark.serial("eight processes racing for one chapter")



@pytest.fixture
def served(tmp_path, empty_database_url):
    """A home with one book written by eight authors, served by `alliance serve`."""
    home = str(tmp_path)
    database = {"DATABASE_URL": empty_database_url} if empty_database_url else {}
    app = create_app({"ALLIANCE_HOME": home, **database})
    text = "".join(f"作者{i}：初稿。\n" + "".join(f"公共{i}-{k}。\n" for k in range(GAP - 1))
                   for i in range(WRITERS))
    with app.app_context():
        db.create_all()
        school = create_org("安徽省总工会干部学校", "school")
        editor = create_user("ed@pub.test", "编辑", create_org("中国工人出版社", "publisher"),
                             "editor-password")
        authors = [create_user(f"w{i}@ah.test", f"作者{i}", school, "author-password")
                   for i in range(WRITERS)]
        book = create_book(manuscript_store(), "race", "并发测试", school, editor)
        for author in authors:
            add_member(book, author, "author")
        create_chapter(manuscript_store(), book, "ch01", "第一章", authors, editor, text.encode())
        tokens = [create_token(a) for a in authors]
        db.session.commit()
        db.engine.dispose()
    port = free_port()
    env = {**os.environ, "ALLIANCE_HOME": home,
           **{f"ALLIANCE_{k}": v for k, v in database.items()}}
    server = subprocess.Popen([sys.executable, "-m", "alliance.cli", "serve", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api/v1/books/race/chapters/ch01"
    for _ in range(100):
        try:
            requests.get(url, timeout=1)
            break
        except requests.RequestException:  # not listening yet, or a worker still booting
            if server.poll() is not None:
                break
            time.sleep(0.1)
    else:
        server.kill()
        server.wait(10)
    if server.poll() is not None:  # else the writers would fail and the test wait 600 s
        pytest.fail(f"`alliance serve` did not answer (exit status {server.poll()})")
    yield url, tokens, home
    server.terminate()
    server.wait(timeout=10)


def client_writes(url, token, writer, results):
    headers = {"Authorization": f"Bearer {token}"}
    outcomes = []
    for n in range(SAVES):
        read = requests.get(url, headers=headers, timeout=30).json()
        lines = read["content"].splitlines()
        lines[writer * GAP] = f"作者{writer}：第{n}稿。"
        if n % 5 == 4:
            lines[GAP - 1] = f"作者{writer}改公共段，第{n}稿。"
        mine = "\n".join(lines) + "\n"
        answer = requests.put(url, headers=headers, timeout=30,
                              json={"content": mine, "base_revision": read["head"]})
        if answer.status_code == 200:
            outcomes.append(("landed", n, answer.json()["revision"]))
        else:
            outcomes.append((answer.status_code, n, answer.json().get("mine") == mine))
    results.put((writer, outcomes))


def test_eight_clients_twenty_five_saves_each_lose_nothing(served):
    url, tokens, home = served
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=client_writes, args=(url, tokens[w], w, results))
             for w in range(WRITERS)]
    for proc in procs:
        proc.start()
    outcomes = dict(results.get(timeout=600) for _ in procs)
    for proc in procs:
        proc.join(timeout=30)
    landed = [o for os_ in outcomes.values() for o in os_ if o[0] == "landed"]
    refused = [o for os_ in outcomes.values() for o in os_ if o[0] != "landed"]
    assert len(landed) + len(refused) == WRITERS * SAVES
    assert all(code == 409 and kept for code, _n, kept in refused)
    git_dir = os.path.join(home, "manuscripts", "race.git")
    commits = subprocess.run(["git", "--git-dir", git_dir, "rev-list", "main"],
                             capture_output=True, text=True, check=True).stdout.split()
    # Two commits made the book (creation, first chapter); the rest are the landed saves.
    assert sorted(commits[:-2]) == sorted(o[2] for o in landed)
    final = requests.get(url, headers={"Authorization": f"Bearer {tokens[0]}"}).json()
    lines = final["content"].splitlines()
    for writer, os_ in outcomes.items():
        last = max(o[1] for o in os_ if o[0] == "landed")
        assert lines[writer * GAP] == f"作者{writer}：第{last}稿。"
    subprocess.run(["git", "--git-dir", git_dir, "fsck", "--strict"], check=True,
                   capture_output=True)
