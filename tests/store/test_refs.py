"""Moving main in Python by git's locking rules: compare-and-swap, reflog, held and stale
locks, packed refs; and the per-thread repository cache."""
import os
import shutil
import subprocess
import threading
import time

import pytest

from alliance.store import ConcurrentUpdate, ManuscriptStore, Person, refs

ZHANG = Person("张老师", "zhang@ah.test")


@pytest.fixture
def book(tmp_path):
    store = ManuscriptStore(tmp_path / "m")
    return store.create("r", {"book.yaml": b"t\n", "chapters/a.md": b"a0\n"}, ZHANG, "init")


def git(book, *args):
    return subprocess.run(["git", "--git-dir", book.path, *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def _hold_like_git(book):
    """A live git process working in the book, as a push holding main.lock would be."""
    return subprocess.Popen(["git", "update-ref", "--stdin"], cwd=book.path,
                            stdin=subprocess.PIPE)


def test_swap_moves_main_only_from_the_expected_commit_and_logs_it(book):
    first = book.head()
    second = book.save({"chapters/a.md": b"a1\n"}, first, ZHANG, "a1").revision
    assert not refs.compare_and_swap(book.path, "refs/heads/main", first, first,
                                     ("Alliance", "p@x"), "stale")  # main is at second
    assert git(book, "rev-parse", "main") == second
    assert not os.path.exists(os.path.join(book.path, "refs/heads/main.lock"))
    reflog = git(book, "reflog", "--format=%H %gs", "main").splitlines()
    assert reflog[0] == f"{second} alliance save"
    assert len(reflog) == 2  # the book's first commit and this save
    git(book, "fsck", "--strict")


def test_a_save_waits_for_a_lock_git_holds_and_then_lands(book):
    lock = os.path.join(book.path, "refs/heads/main.lock")
    with open(lock, "w") as handle:
        handle.write(book.head() + "\n")  # as a push holding main would
    pusher = _hold_like_git(book)

    def push_ends():
        os.unlink(lock)
        pusher.communicate(b"")
    threading.Timer(0.3, push_ends).start()
    start = time.monotonic()
    result = book.save({"chapters/a.md": b"after the push\n"}, book.head(), ZHANG, "wait")
    assert time.monotonic() - start >= 0.25
    assert git(book, "rev-parse", "main") == result.revision
    assert book.load("chapters/a.md") == b"after the push\n"


def test_a_lock_that_a_live_git_process_may_hold_refuses_the_save(book, monkeypatch):
    monkeypatch.setattr("alliance.store.book_repo.MAX_ATTEMPTS", 5)
    lock = os.path.join(book.path, "refs/heads/main.lock")
    with open(lock, "w") as handle:
        handle.write("held\n")
    head = book.head()
    git_proc = _hold_like_git(book)
    try:
        with pytest.raises(ConcurrentUpdate):
            book.save({"chapters/a.md": b"lost?\n"}, head, ZHANG, "refused")
        assert book.head() == head and os.path.exists(lock)
    finally:
        git_proc.communicate(b"")
    # The git process is gone: the lock is nobody's now, and the next save lands.
    result = book.save({"chapters/a.md": b"after\n"}, head, ZHANG, "after")
    assert git(book, "rev-parse", "main") == result.revision


def test_a_fresh_lock_left_by_a_killed_process_is_cleared_at_once(book):
    lock = os.path.join(book.path, "refs/heads/main.lock")
    with open(lock, "w") as handle:
        handle.write("")  # just now: age says nothing
    reader = subprocess.Popen(["git", "cat-file", "--batch"], cwd=book.path,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:  # a reader in the book, as GitPython keeps one, does not hold refs
        start = time.monotonic()
        result = book.save({"chapters/a.md": b"a2\n"}, book.head(), ZHANG, "after a crash")
        assert time.monotonic() - start < 1.0
    finally:
        reader.communicate(b"")
    assert git(book, "rev-parse", "main") == result.revision
    assert not os.path.exists(lock)
    git(book, "fsck", "--strict")


def test_two_writers_never_both_take_over_one_stale_lock(book, monkeypatch):
    """The old race: A judges the lock stale and pauses; B judges it stale, removes it and
    takes the lock; A resumes and removes B's lock. Only the write-lock holder judges now."""
    lock = os.path.join(book.path, "refs/heads/main.lock")
    with open(lock, "w") as handle:
        handle.write("")
    judged, resume = threading.Event(), threading.Event()
    real = refs.clear_stale_lock
    calls = []

    def slow_judge(git_dir, path):
        calls.append(threading.current_thread().name)
        if threading.current_thread().name == "A":
            judged.set()
            resume.wait(5)
        return real(git_dir, path)

    monkeypatch.setattr(refs, "clear_stale_lock", slow_judge)
    head = book.head()
    results = {}

    def writer(name, path):
        results[name] = book.save({path: f"from {name}\n".encode()}, head, ZHANG, name)

    a = threading.Thread(target=writer, name="A", args=("A", "chapters/a.md"))
    a.start()
    assert judged.wait(5)
    b = threading.Thread(target=writer, name="B", args=("B", "chapters/b.md"))
    b.start()
    b.join(0.5)
    assert b.is_alive() and calls == ["A"]  # B waits for the write lock; it judges nothing
    resume.set()
    a.join(5)
    b.join(5)
    # Both landed one after the other, B on top of A: no two writers held main.lock at once.
    assert git(book, "rev-parse", "main") == results["B"].revision
    assert git(book, "rev-parse", "main~1") == results["A"].revision
    assert book.load("chapters/a.md") == b"from A\n" and book.load("chapters/b.md") == b"from B\n"
    assert not os.path.exists(lock)
    git(book, "fsck", "--strict")


def test_only_git_commands_that_may_write_refs_count_as_holders():
    assert refs._may_write_refs(["git", "receive-pack", "--stateless-rpc", "."])
    assert refs._may_write_refs(["/usr/lib/git-core/git-receive-pack", "."])
    assert refs._may_write_refs(["git", "-c", "x=y", "update-ref", "refs/heads/main"])
    assert not refs._may_write_refs(["git", "cat-file", "--batch"])
    assert not refs._may_write_refs(["python", "-m", "alliance.ops.githooks"])


def test_packed_refs_are_read_and_a_save_after_pack_refs_lands(book):
    git(book, "pack-refs", "--all")
    assert not os.path.exists(os.path.join(book.path, "refs/heads/main"))
    head = book.head()
    assert head == git(book, "rev-parse", "main")
    result = book.save({"chapters/a.md": b"packed\n"}, head, ZHANG, "packed")
    assert git(book, "rev-parse", "main") == result.revision
    assert git(book, "log", "--format=%s", "-2", "main").splitlines() == ["packed", "init"]
    git(book, "fsck", "--strict")


def test_a_book_made_again_at_the_same_path_is_read_afresh(tmp_path):
    store = ManuscriptStore(tmp_path / "m")
    old = store.create("same", {"chapters/a.md": b"old\n"}, ZHANG, "old")
    assert old.load("chapters/a.md") == b"old\n"  # this thread now keeps it open
    shutil.rmtree(old.path)
    new = store.create("same", {"chapters/a.md": b"new\n"}, ZHANG, "new")
    assert new.load("chapters/a.md") == b"new\n"
    assert [r.message for r in new.log("chapters/a.md")] == ["new"]


def test_commits_written_by_git_itself_are_seen_by_an_open_repository(book):
    assert book.load("chapters/a.md") == b"a0\n"
    blob = subprocess.run(["git", "--git-dir", book.path, "hash-object", "-w", "--stdin"],
                          input=b"by git\n", capture_output=True, check=True).stdout.decode()
    tree = subprocess.run(["git", "--git-dir", book.path, "mktree"], check=True,
                          input=f"100644 blob {blob.strip()}\tb.md\n".encode(),
                          capture_output=True).stdout.decode().strip()
    root = subprocess.run(["git", "--git-dir", book.path, "mktree"], check=True, input=(
        f"100644 blob {git(book, 'rev-parse', 'main:book.yaml')}\tbook.yaml\n"
        f"040000 tree {tree}\tchapters\n").encode(), capture_output=True).stdout.decode().strip()
    commit = git(book, "commit-tree", root, "-p", book.head(), "-m", "by git")
    git(book, "update-ref", "refs/heads/main", commit)
    assert book.load("chapters/b.md") == b"by git\n"
    assert book.last_change("chapters/b.md") == commit


def test_a_repacked_book_reads_and_saves_from_its_pack(book):
    first = book.save({"chapters/a.md": b"a1\n"}, book.head(), ZHANG, "a1").revision
    git(book, "repack", "-a", "-d")  # every object into one pack, loose ones gone
    git(book, "prune-packed")
    assert book.load("chapters/a.md", first) == b"a1\n"
    result = book.save({"chapters/a.md": b"a2\n"}, first, ZHANG, "a2")
    assert book.last_change("chapters/a.md") == result.revision
    assert [r.message for r in book.log("chapters/a.md")] == ["a2", "a1", "init"]
    git(book, "fsck", "--strict")
