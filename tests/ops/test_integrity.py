"""`alliance check [--repair]`: repositories are sound and the database agrees with Git."""
import os
import subprocess

from sqlalchemy import select

from alliance.manuscripts.books import find_book, find_chapter
from alliance.extensions import db, manuscript_store
from alliance.models import Chapter
from alliance.store import Person, gitcmd, install_hooks

STRANGER = "1234567890abcdef1234567890abcdef12345678"


def chapter_revision(app):
    with app.app_context():
        return db.session.scalar(select(Chapter.revision).filter_by(key="ch01"))


def test_a_sound_instance_has_no_findings(runner, world):
    answer = runner.invoke(args=["check"])
    assert answer.exit_code == 0, answer.output
    assert "nothing found" in answer.output


def test_a_lagging_chapter_revision_is_found_and_repaired_from_git(app, runner, world):
    with app.app_context():
        repo = manuscript_store().book("labor-rights")
        first = repo.log()[-1].revision
        # A save that landed in Git but whose database record was lost (a crash, a race).
        landed = repo.save({"chapters/ch01.md": "# 第一章\n\n新稿。\n".encode()}, repo.head(),
                           Person("张老师", "author@ah.test"), "新稿").revision
        chapter = find_chapter(find_book("labor-rights"), "ch01")
        chapter.revision = first
        db.session.commit()
    answer = runner.invoke(args=["check"])
    assert answer.exit_code == 1
    assert f"chapter ch01: the database records revision {first}" in answer.output
    assert landed in answer.output
    assert chapter_revision(app) == first  # checking alone changes nothing

    answer = runner.invoke(args=["check", "--repair"])
    assert answer.exit_code == 0 and "(repaired)" in answer.output
    assert chapter_revision(app) == landed
    assert runner.invoke(args=["check"]).exit_code == 0


def test_revisions_missing_from_the_repository_are_reported(app, runner, world):
    with app.app_context():
        book = find_book("labor-rights")
        find_chapter(book, "ch01").approved_revision = STRANGER
        book.head_revision = STRANGER
        db.session.commit()
    answer = runner.invoke(args=["check", "--repair"])
    # Git cannot say which revision was approved: reported, not repaired.
    assert answer.exit_code == 1
    assert f"approved revision {STRANGER} is not in the repository" in answer.output
    assert f"head revision {STRANGER} is not in the repository (repaired)" in answer.output
    with app.app_context():
        assert find_book("labor-rights").head_revision == manuscript_store().book(
            "labor-rights").head()


def test_a_corrupt_object_fails_fsck_strict(app, runner, world):
    with app.app_context():
        path = manuscript_store().path_of("labor-rights")
    blob = gitcmd.output(path, ["hash-object", "-w", "--stdin"], input=b"x\n")
    # A zero-padded file mode: git tolerates it, fsck --strict does not.
    tree = b"040000 folder\0" + bytes.fromhex(blob)
    gitcmd.run(path, ["hash-object", "-t", "tree", "-w", "--literally", "--stdin"], input=tree)
    answer = runner.invoke(args=["check"])
    assert answer.exit_code == 1
    assert "labor-rights: git fsck --strict failed" in answer.output
    assert "zeroPaddedFilemode" in answer.output


def test_repositories_and_books_without_each_other_are_reported(app, runner, world, tmp_path):
    with app.app_context():
        root = manuscript_store().root
    subprocess.run(["git", "init", "-q", "--bare", os.path.join(root, "stray.git")], check=True)
    os.rename(os.path.join(root, "labor-rights.git"), os.path.join(tmp_path, "moved.git"))
    answer = runner.invoke(args=["check"])
    assert answer.exit_code == 1
    assert "stray: a repository with no book in the database" in answer.output
    assert "labor-rights: the book has no repository" in answer.output


def test_new_books_get_the_push_hooks_and_fsck_on_receive(app, world):
    with app.app_context():
        path = manuscript_store().path_of("labor-rights")
    for hook in ("pre-receive", "post-receive"):
        script = os.path.join(path, "hooks", hook)
        assert os.access(script, os.X_OK)
        assert f"-m alliance.ops.githooks {hook}" in open(script).read()
    assert gitcmd.output(path, ["config", "receive.fsckObjects"]) == "true"
    before = os.stat(os.path.join(path, "hooks", "pre-receive")).st_mtime_ns
    install_hooks(path)  # current already: left as it is
    assert os.stat(os.path.join(path, "hooks", "pre-receive")).st_mtime_ns == before


def test_titles_and_order_that_differ_from_book_yaml_are_found_and_repaired(app, runner, world):
    from alliance.publishing import bookmeta
    with app.app_context():
        repo = manuscript_store().book("labor-rights")
        meta = bookmeta.parse(repo.load("book.yaml"))
        meta["title"] = "改过的书名"
        meta["chapters"][0]["title"] = "第一章　改过的章名"
        # book.yaml changed in Git while the database kept the old outline (a lost record).
        repo.save({"book.yaml": bookmeta.dump(meta)}, repo.head(),
                  Person("王编辑", "editor@cwph.test"), "改书名")
    answer = runner.invoke(args=["check"])
    assert answer.exit_code == 1
    assert "改过的书名" in answer.output and "第一章　改过的章名" in answer.output
    assert runner.invoke(args=["check", "--repair"]).exit_code == 0
    with app.app_context():
        book = find_book("labor-rights")
        assert book.title == "改过的书名"
        assert find_chapter(book, "ch01").title == "第一章　改过的章名"
    assert runner.invoke(args=["check"]).exit_code == 0
