"""Many processes saving into one book at once lose nothing."""
import multiprocessing
import subprocess

import pytest

from alliance.store import Conflict, ManuscriptStore, Person

WRITERS = 8
SAVES = 25
GAP = 4  # lines between two writers' lines, so their edits never touch
# Alone on the machine: how the writers interleave (most saves merge cleanly, every retry
# lands) depends on the load, so they get the machine to themselves.
pytestmark = pytest.mark.serial("eight processes racing for one book")


def initial_text():
    lines = []
    for i in range(WRITERS):
        lines += [f"作者{i}的段落：初稿。"] + [f"公共段落{i}-{k}。" for k in range(GAP - 1)]
    return ("\n".join(lines) + "\n").encode()


def write_one_chapter(root, writer, results):
    book = ManuscriptStore(root).book("demo")
    person = Person(f"作者{writer}", f"w{writer}@school.test")
    outcomes = []
    for n in range(SAVES):
        base = book.head()
        lines = book.load("chapters/ch01.md", base).decode().splitlines()
        lines[writer * GAP] = f"作者{writer}的段落：第{n}稿。"
        if n % 5 == 4:  # every fifth save also touches a shared line: a real conflict
            lines[GAP - 1] = f"作者{writer}改了公共段落，第{n}稿。"
        mine = ("\n".join(lines) + "\n").encode()
        try:
            result = book.save({"chapters/ch01.md": mine}, base, person, f"w{writer} n{n}")
            outcomes.append(("landed", n, result.revision))
        except Conflict as exc:
            outcomes.append(("conflict", n, exc.mine == mine))
    results.put((writer, outcomes))


def run_writers(target, root):
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(root, w, results)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    collected = dict(results.get(timeout=300) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return collected


def git(path, *args):
    return subprocess.run(["git", "--git-dir", path, *args], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def root(tmp_path):
    root = str(tmp_path / "m")
    ManuscriptStore(root).create("demo", {"chapters/ch01.md": initial_text()},
                                 Person("编辑", "ed@pub.test"), "init")
    return root


def test_eight_writers_one_chapter_lose_nothing(root):
    outcomes = run_writers(write_one_chapter, root)
    book = ManuscriptStore(root).book("demo")
    landed = [(w, o) for w, os_ in outcomes.items() for o in os_ if o[0] == "landed"]
    conflicts = [(w, o) for w, os_ in outcomes.items() for o in os_ if o[0] == "conflict"]
    assert len(landed) + len(conflicts) == WRITERS * SAVES
    # Every refused save carried the writer's own text back.
    assert all(o[2] for _w, o in conflicts)
    # The commits on main are exactly the saves that landed, each once.
    commits = git(book.path, "rev-list", "main").split()
    assert len(commits) == len(landed) + 1
    assert sorted(commits[:-1]) == sorted(o[2] for _w, o in landed)
    # Each writer's last landed text is in the final chapter: no update was lost.
    final = book.load("chapters/ch01.md").decode().splitlines()
    for writer, os_ in outcomes.items():
        last = max(o[1] for o in os_ if o[0] == "landed")
        assert final[writer * GAP] == f"作者{writer}的段落：第{last}稿。"
    assert len(landed) > WRITERS * SAVES // 2  # most saves merge cleanly
    git(book.path, "fsck", "--strict")


def write_own_chapter(root, writer, results):
    book = ManuscriptStore(root).book("demo")
    person = Person(f"作者{writer}", f"w{writer}@school.test")
    path = f"chapters/w{writer}.md"
    outcomes = []
    for n in range(10):
        base = book.head()
        result = book.save({path: f"作者{writer}第{n}稿\n".encode()}, base, person, "save")
        outcomes.append(("landed", n, result.revision))
    results.put((writer, outcomes))


def test_writers_of_different_chapters_all_land(root):
    outcomes = run_writers(write_own_chapter, root)
    book = ManuscriptStore(root).book("demo")
    assert len(git(book.path, "rev-list", "main").split()) == WRITERS * 10 + 1
    for writer in outcomes:
        assert book.load(f"chapters/w{writer}.md").decode() == f"作者{writer}第9稿\n"
    git(book.path, "fsck", "--strict")
