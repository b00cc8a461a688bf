"""Commits read in Python give what git itself says of them: author, date with its
time zone, message, parents and tree, in the commit's declared encoding."""
import os
import subprocess
import time

import pytest

from alliance.store import ManuscriptStore, Person, objects, repos

ZHANG = Person("张老师", "zhang@ah.test")
# Author, e-mail, strict ISO date, full message, parents, tree: NUL between fields.
FORMAT = "%an%x00%ae%x00%aI%x00%B%x00%P%x00%T"


def git(book, *args, env=None, input=None):
    return subprocess.run(["git", "--git-dir", book.path, *args], check=True,
                          capture_output=True, input=input, env=env).stdout.strip()


def commit(book, message, *, parents, author=b"\xe4\xbd\x9c\xe8\x80\x85", date, encoding=None):
    """A commit written by git commit-tree, message bytes as given."""
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": "au@x.test",
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_NAME": "c", "GIT_COMMITTER_EMAIL": "c@x"}
    config = ["-c", f"i18n.commitEncoding={encoding}"] if encoding else []
    args = [*config, "commit-tree", git(book, "rev-parse", "main^{tree}").decode()]
    for parent in parents:
        args += ["-p", parent]
    return git(book, *args, env=env, input=message).decode()


def as_git_says(book, rev):
    name, email, date, message, parents, tree = git(
        book, "log", "-1", f"--format={FORMAT}", rev).decode("utf-8").split("\0")
    return name, email, date, message.strip(), tuple(parents.split()), tree


def as_read(book, rev):
    with repos.opened(book.path) as repo:
        c = objects.read_commit(repo, rev)
    return (c.author_name, c.author_email, c.authored_datetime.isoformat(),
            c.message.strip(), c.parents, c.tree.hex())


@pytest.fixture
def book(tmp_path):
    store = ManuscriptStore(tmp_path / "m")
    return store.create("b", {"chapters/a.md": b"a\n"}, ZHANG, "第一稿")


def test_a_saved_commit_reads_as_git_shows_it(book):
    head = book.save({"chapters/a.md": b"b\n"}, book.head(), ZHANG,
                     "修改：第二稿\n\n说明一行").revision
    assert as_read(book, head) == as_git_says(book, head)
    assert as_read(book, head)[0] == "张老师"


@pytest.mark.parametrize("date", ["2026-01-02T03:04:05-0530", "2026-05-02T03:04:05+0845",
                                  "@0 +0000"])
def test_dates_keep_their_time_zone(book, date):
    rev = commit(book, "时区".encode(), parents=[book.head()], date=date)
    assert as_read(book, rev) == as_git_says(book, rev)


def test_a_gbk_commit_is_decoded_by_its_declared_encoding(book):
    # What a Windows author with i18n.commitEncoding=GBK pushes.
    rev = commit(book, "国标码的说明".encode("gbk"), parents=[book.head()],
                 author="作者".encode("gbk"), date="@1700000000 +0800", encoding="GBK")
    assert as_read(book, rev)[0] == "作者"
    assert as_read(book, rev)[3] == "国标码的说明"
    assert as_read(book, rev) == as_git_says(book, rev)


def test_a_merge_has_both_parents(book):
    first = book.head()
    second = book.save({"chapters/a.md": b"c\n"}, first, ZHANG, "second").revision
    merge = commit(book, "合并".encode(), parents=[second, first], date="@1700000000 +0800")
    assert as_read(book, merge)[4] == (second, first)
    assert as_read(book, merge) == as_git_says(book, merge)


def test_bytes_that_do_not_decode_are_replaced_not_refused(book):
    # git commit-tree would re-encode them; a raw object written by another tool may not.
    tree = git(book, "rev-parse", "main^{tree}").decode()
    raw = (f"tree {tree}\nauthor \xff <a@x> 1700000000 +0800\ncommitter c <c@x> 1700000000 "
           "+0800\n\n").encode() + b"bad \xff\xfe\n"
    rev = git(book, "hash-object", "-t", "commit", "-w", "--stdin", input=raw).decode()
    read = as_read(book, rev)
    assert read[0] == "\xff" and read[3] == "bad \ufffd\ufffd"


def test_something_that_is_not_a_commit_is_refused(book):
    with repos.opened(book.path) as repo:
        tree = git(book, "rev-parse", "main^{tree}").decode()
        with pytest.raises(ValueError):
            objects.read_commit(repo, tree)


@pytest.fixture
def shanghai(monkeypatch):
    """Commits dated in +0800, as the schools' servers date them."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_what_a_save_remembers_is_what_is_read_back_from_disk(book, shanghai, monkeypatch):
    rev = book.save({"chapters/a.md": b"d\n", "images/x.png": b"\x89PNG"}, book.head(),
                    ZHANG, "记住的\n").revision
    remembered = objects._commits.get(rev)
    with repos.opened(book.path) as repo:
        tree = objects.entries(repo, remembered.tree)
        # A fresh process knows nothing: read the commit and its tree from the disk.
        monkeypatch.setattr(objects, "_commits", objects.Memo(8))
        monkeypatch.setattr(objects, "_trees", objects.Memo(8))
        assert objects.read_commit(repo, rev) == remembered
        assert objects.entries(repo, remembered.tree) == tree
    assert as_read(book, rev) == as_git_says(book, rev)
    assert remembered.authored_datetime.utcoffset().total_seconds() == 8 * 3600
