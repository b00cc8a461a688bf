"""The manuscript store on real bare repositories: saves, merges, conflicts, history."""
import subprocess

import pytest

from alliance.store import (BookExists, Conflict, FileNotFound, InvalidRevision,
                            ManuscriptStore, Person)

ZHANG = Person("张老师", "zhang@ah.test")
LI = Person("李老师", "li@hb.test")
LINES = "".join(f"第{i}段。\n" for i in range(1, 13)).encode()


@pytest.fixture
def store(tmp_path):
    return ManuscriptStore(tmp_path / "manuscripts")


@pytest.fixture
def book(store):
    return store.create("demo", {"book.yaml": b"title: demo\n", "chapters/ch01.md": LINES},
                        ZHANG, "Create book")


def edit(data, line, text):
    lines = data.decode().splitlines(keepends=True)
    lines[line] = text + "\n"
    return "".join(lines).encode()


def git(book, *args):
    return subprocess.run(["git", "--git-dir", book.path, *args], capture_output=True,
                          text=True, check=True).stdout


def test_create_makes_bare_repo_with_one_commit_authored_by_person(book):
    assert git(book, "rev-parse", "--is-bare-repository").strip() == "true"
    log = git(book, "log", "--format=%an|%ae|%cn|%s", "main").splitlines()
    assert log == ["张老师|zhang@ah.test|Alliance|Create book"]
    assert book.list_files() == ["book.yaml", "chapters/ch01.md"]


def test_create_twice_is_refused(store, book):
    with pytest.raises(BookExists):
        store.create("demo", {"book.yaml": b"x"}, ZHANG, "again")


def test_save_from_head_lands_as_one_commit(book):
    base = book.head()
    result = book.save({"chapters/ch01.md": edit(LINES, 0, "新的第一段。")}, base, LI, "改第一段")
    assert result.changed and not result.merged
    assert git(book, "rev-parse", "main").strip() == result.revision
    assert git(book, "rev-parse", f"{result.revision}^").strip() == base
    assert book.load("chapters/ch01.md").decode().startswith("新的第一段。")
    assert book.load("chapters/ch01.md", base) == LINES


def test_save_of_unchanged_file_on_moved_head_lands_without_merge(book):
    base = book.head()
    other = book.save({"book.yaml": b"title: changed\n"}, base, ZHANG, "meta").revision
    result = book.save({"chapters/ch01.md": edit(LINES, 3, "改")}, base, LI, "edit")
    assert not result.merged
    assert git(book, "rev-parse", f"{result.revision}^").strip() == other
    assert book.load("book.yaml") == b"title: changed\n"


def test_disjoint_edits_from_one_base_merge_cleanly(book):
    base = book.head()
    book.save({"chapters/ch01.md": edit(LINES, 0, "张改第一段。")}, base, ZHANG, "a")
    result = book.save({"chapters/ch01.md": edit(LINES, 10, "李改第十一段。")}, base, LI, "b")
    assert result.merged and result.changed
    text = book.load("chapters/ch01.md").decode()
    assert "张改第一段。" in text and "李改第十一段。" in text


def test_overlapping_edits_conflict_with_all_three_texts_and_write_nothing(book):
    base = book.head()
    theirs = edit(LINES, 5, "张的版本。")
    mine = edit(LINES, 5, "李的版本。")
    head = book.save({"chapters/ch01.md": theirs}, base, ZHANG, "a").revision
    with pytest.raises(Conflict) as caught:
        book.save({"chapters/ch01.md": mine}, base, LI, "b")
    assert (caught.value.base, caught.value.mine, caught.value.theirs) == (LINES, mine, theirs)
    assert caught.value.head == head
    assert book.head() == head


def test_identical_save_makes_no_commit(book):
    head = book.head()
    result = book.save({"chapters/ch01.md": LINES}, head, LI, "nothing")
    assert not result.changed and result.revision == head


def test_binary_image_round_trips_and_conflicts_instead_of_merging(book):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    base = book.head()
    book.save({"images/fig.png": png}, base, ZHANG, "image")
    assert book.load("images/fig.png") == png
    with pytest.raises(Conflict):
        book.save({"images/fig.png": png[:100]}, base, LI, "other image")


def test_history_diff_and_restore(book):
    first = book.head()
    second = book.save({"chapters/ch01.md": edit(LINES, 0, "第二版。")}, first, LI, "二").revision
    history = book.log("chapters/ch01.md")
    assert [(r.revision, r.author, r.message) for r in history] == [
        (second, "李老师", "二"), (first, "张老师", "Create book")]
    diff = book.diff(first, second, "chapters/ch01.md")
    assert "-第1段。" in diff and "+第二版。" in diff
    restored = book.restore("chapters/ch01.md", first, ZHANG)
    assert restored.changed and book.load("chapters/ch01.md") == LINES
    assert len(book.log("chapters/ch01.md")) == 3


def test_delete_is_a_commit_and_the_old_revision_keeps_the_file(book):
    base = book.head()
    book.save({"chapters/ch01.md": None}, base, ZHANG, "delete")
    with pytest.raises(FileNotFound):
        book.load("chapters/ch01.md")
    assert book.load("chapters/ch01.md", base) == LINES


def test_unknown_but_well_formed_revision_is_refused(book):
    with pytest.raises(InvalidRevision):
        book.load("chapters/ch01.md", "0123456789" * 4)


def test_a_tree_id_is_not_accepted_as_a_revision(book):
    tree = git(book, "rev-parse", "main^{tree}").strip()
    with pytest.raises(InvalidRevision):
        book.save({"chapters/ch01.md": b"x"}, tree, LI, "x")


def test_fsck_strict_is_clean_after_saves(book):
    base = book.head()
    for i in range(5):
        base = book.save({"chapters/ch01.md": edit(LINES, i, f"第{i}次")}, base, LI, "e").revision
    subprocess.run(["git", "--git-dir", book.path, "fsck", "--strict"], check=True,
                   capture_output=True)
