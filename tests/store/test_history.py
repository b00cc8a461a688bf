"""History and last change, walked in Python and remembered, agree with git's own answers;
trees and commits written in Python are what git writes."""
import subprocess

from alliance.store import ManuscriptStore, Person

ZHANG = Person("张老师", "zhang@ah.test")
ODD = Person(" <odd> ", "odd@x.test")  # an identity git must clean up itself


def git(book, *args):
    return subprocess.run(["git", "--git-dir", book.path, *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def test_last_change_and_log_agree_with_git_through_saves_deletes_and_a_merge(tmp_path):
    store = ManuscriptStore(tmp_path / "m")
    book = store.create("h", {"book.yaml": b"t\n", "chapters/a.md": b"a0\n"}, ZHANG, "init")
    for n in range(5):
        book.save({"chapters/a.md": f"a{n + 1}\n".encode()}, book.head(), ZHANG, f"a {n}")
        book.save({f"chapters/b{n % 2}.md": f"b{n}\n".encode()}, book.head(), ZHANG, f"b {n}")
    book.save({"chapters/b0.md": None}, book.head(), ODD, "delete b0")
    book.save({"images/x/y.png": b"\x89PNG"}, book.head(), ZHANG, "nested folder")
    # A merge commit, as a push could bring: main and a side commit joined.
    head = book.head()
    side = git(book, "commit-tree", git(book, "rev-parse", f"{head}~3^{{tree}}"),
               "-p", f"{head}~3", "-m", "side")
    merge = git(book, "commit-tree", git(book, "rev-parse", f"{head}^{{tree}}"),
                "-p", head, "-p", side, "-m", "merge")
    git(book, "update-ref", "refs/heads/main", merge, head)
    book.save({"chapters/a.md": b"after merge\n"}, book.head(), ZHANG, "after")
    for rev in git(book, "rev-list", "main").split():
        for path in ("chapters/a.md", "chapters/b0.md", "chapters/b1.md", "book.yaml",
                     "images/x/y.png", "chapters/none.md"):
            expected = git(book, "log", "-1", "--format=%H", rev, "--", path) or None
            assert book.last_change(path, rev) == expected, (rev, path)
            expected_log = git(book, "log", "--format=%H", rev, "--", path).split()
            assert [r.revision for r in book.log(path, rev)] == expected_log, (rev, path)
    assert [r.revision for r in book.log("chapters/a.md", limit=2)] == git(
        book, "log", "-2", "--format=%H", "main", "--", "chapters/a.md").split()
    git(book, "fsck", "--strict", "--no-dangling")
    assert git(book, "log", "-1", "--format=%an|%ae", "main~1", "--", "chapters/b0.md") == \
        "odd|odd@x.test"  # git's own clean-up of the identity, through commit-tree
    assert git(book, "ls-tree", "-r", "--name-only", "main").split() == [
        "book.yaml", "chapters/a.md", "chapters/b1.md", "images/x/y.png"]


def test_walks_longer_than_steps_are_handed_to_git_with_the_same_answers(tmp_path, monkeypatch):
    store = ManuscriptStore(tmp_path / "m")
    book = store.create("busy", {"chapters/quiet.md": b"q\n", "chapters/a.md": b"0\n"},
                        ZHANG, "init")
    for n in range(12):  # one chapter changes while the other stays as it was
        book.save({"chapters/a.md": f"{n}\n".encode()}, book.head(), ZHANG, f"a {n}")
    monkeypatch.setattr("alliance.store.history.STEPS", 3)
    for path in ("chapters/quiet.md", "chapters/a.md"):
        assert book.last_change(path) == (git(book, "log", "-1", "--format=%H", "main", "--",
                                               path) or None)
        assert [r.revision for r in book.log(path, limit=5)] == git(
            book, "log", "-5", "--format=%H", "main", "--", path).split()
