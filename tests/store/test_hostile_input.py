"""Hostile revisions and paths are refused with a clear error and touch nothing."""
import os

import pytest

from alliance.store import (InvalidPath, InvalidRevision, InvalidSlug, ManuscriptStore,
                            Person)

AUTHOR = Person("攻击者", "evil@x.test")
BAD_REVISIONS = ["--output=/tmp/alliance-pwned", "HEAD~1", "HEAD", "main", "abc1234",
                 "../x", "-p", "A" * 40, "g" * 40, "0" * 39, "", 12]
BAD_PATHS = ["../../etc/passwd", "/etc/passwd", ".git/config", "chapters/../../x",
             "chapters/.hidden.md", "chapters/", "chapters//x.md", "other/x.md",
             "chapters\\..\\x", "chapters/a\x00b", "", "x" * 300, "--output=x"]


@pytest.fixture
def book(tmp_path):
    store = ManuscriptStore(tmp_path / "m")
    return store.create("demo", {"chapters/ch01.md": b"text\n"}, AUTHOR, "init")


def snapshot(book):
    refs = {}
    for root, _dirs, files in os.walk(book.path):
        for name in files:
            refs[os.path.join(root, name)] = os.path.getmtime(os.path.join(root, name))
    return refs


@pytest.mark.parametrize("rev", BAD_REVISIONS)
def test_bad_revisions_are_refused_everywhere(book, rev):
    before = snapshot(book)
    for call in (lambda: book.load("chapters/ch01.md", rev),
                 lambda: book.save({"chapters/ch01.md": b"x"}, rev, AUTHOR, "m"),
                 lambda: book.diff(rev, book.head()),
                 lambda: book.log("chapters/ch01.md", rev),
                 lambda: book.restore("chapters/ch01.md", rev, AUTHOR)):
        with pytest.raises(InvalidRevision) as caught:
            call()
        assert "commit id" in str(caught.value) or "not a commit" in str(caught.value)
    assert snapshot(book) == before
    assert not os.path.exists("/tmp/alliance-pwned")


@pytest.mark.parametrize("path", BAD_PATHS)
def test_bad_paths_are_refused_everywhere(book, path):
    before = snapshot(book)
    head = book.head()
    for call in (lambda: book.load(path), lambda: book.save({path: b"x"}, head, AUTHOR, "m"),
                 lambda: book.log(path), lambda: book.diff(head, head, path)):
        with pytest.raises(InvalidPath):
            call()
    assert snapshot(book) == before


@pytest.mark.parametrize("slug", ["../etc", "Demo", "a/b", "-x", "", "a" * 80, ".git"])
def test_bad_book_slugs_are_refused(tmp_path, slug):
    with pytest.raises(InvalidSlug):
        ManuscriptStore(tmp_path).create(slug, {"book.yaml": b""}, AUTHOR, "m")
    assert not any(tmp_path.iterdir())


# Issue 16 (hardening): ?rev= accepts only commits the book's refs reach.
def _dangling(book, text=b"never in the history\n"):
    """A commit in the repository that no ref reaches, like a save that lost its race."""
    from alliance.store import gitcmd
    blob = gitcmd.output(book.path, ["hash-object", "-w", "--stdin"], input=text)
    tree = gitcmd.output(book.path, ["mktree"],
                         input=f"100644 blob {blob}\tch01.md\n".encode())
    tree = gitcmd.output(book.path, ["mktree"], input=f"040000 tree {tree}\tchapters\n".encode())
    return gitcmd.output(book.path, ["commit-tree", tree, "-p", book.head(), "-m", "lost"])


def test_a_commit_no_ref_reaches_is_not_a_revision(book):
    lost = _dangling(book)
    for call in (lambda: book.resolve(lost), lambda: book.load("chapters/ch01.md", lost),
                 lambda: book.diff(book.head(), lost), lambda: book.log("chapters/ch01.md", lost),
                 lambda: book.restore("chapters/ch01.md", lost, AUTHOR)):
        with pytest.raises(InvalidRevision):
            call()


def test_pins_tags_and_history_are_revisions(book):
    first = book.head()
    second = book.save({"chapters/ch01.md": b"two\n"}, first, AUTHOR, "two").revision
    assert book.resolve(first) == first and book.resolve(second) == second
    pinned, tagged = _dangling(book, b"pinned\n"), _dangling(book, b"tagged\n")
    book.set_ref("refs/approved/ch01", second)  # set_ref itself resolves: only reachable
    from alliance.store import gitcmd
    gitcmd.run(book.path, ["update-ref", "refs/approved/ch02", pinned])
    gitcmd.run(book.path, ["tag", "-a", "-m", "v", "edition/v1", tagged],
               env={"GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@b.test"})
    assert book.load("chapters/ch01.md", pinned) == b"pinned\n"
    assert book.load("chapters/ch01.md", tagged) == b"tagged\n"
