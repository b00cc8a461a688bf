"""Editions: only of an approved book, by production, as an annotated tag that never moves;
rebuilding from the tag gives the same text however main moves on."""
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from alliance.production import editions, jobs
from alliance.review import workflow
from alliance.manuscripts.books import find_book, save_chapter
from alliance.errors import AlreadyExists, Forbidden, Invalid
from alliance.extensions import db, manuscript_store
from alliance.models import AuditEvent, Edition, ExportJob, JobState
from alliance.publishing import export
from alliance.store import Person

from export_helpers import PRODUCTION, add_production, approve_all, user


@pytest.fixture
def prod(app, world):
    add_production(app, world)
    return world


def _create(app, label, email=PRODUCTION):
    with app.app_context():
        edition = editions.create_edition(find_book("labor-rights"), label, user(email))
        db.session.commit()
        return edition.id, edition.job_id, edition.commit


def _git(app, *args):
    path = Path(app.config["MANUSCRIPTS"]) / "labor-rights.git"
    return subprocess.run(["git", "--git-dir", str(path), *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def test_an_unapproved_book_gets_no_edition_and_nothing_is_written(app, prod):
    with pytest.raises(Invalid, match="approved"):
        _create(app, "2026-1")
    with app.app_context():
        assert db.session.scalars(select(Edition)).all() == []
        assert manuscript_store().book("labor-rights").tags() == {}


def test_an_edition_is_a_tag_a_row_an_audit_event_and_a_pdf_epub_job(app, prod):
    approve_all(app, prod)
    edition_id, job_id, commit = _create(app, "第1版第1次印刷")
    assert _git(app, "cat-file", "-t", "refs/tags/edition/第1版第1次印刷") == "tag"
    assert _git(app, "rev-parse", "refs/tags/edition/第1版第1次印刷^{commit}") == commit
    assert "tagger 孙制作 <prod@cwph.test>" in _git(app, "cat-file", "-p",
                                                     "refs/tags/edition/第1版第1次印刷")
    with app.app_context():
        edition = editions.get(find_book("labor-rights"), "第1版第1次印刷")
        assert edition.id == edition_id and edition.commit == commit
        job = db.session.get(ExportJob, job_id)
        assert job.formats == ["pdf", "epub"] and job.profile == "16k-print"
        assert job.proof is False and job.commit == commit and job.state == JobState.QUEUED
        event = db.session.scalar(select(AuditEvent).filter_by(
            action=editions.EDITION_CREATED))
        assert event.target == "第1版第1次印刷" and event.details["commit"] == commit
    assert jobs.run_job(app, job_id) == JobState.DONE
    with app.app_context():
        artifacts = db.session.get(ExportJob, job_id).artifacts
        assert [a["format"] for a in artifacts] == ["pdf", "epub"]


@pytest.mark.parametrize("label", ["", " ", "../x", "a b", "a..b", "x.lock", "a/b", "-x", "x.",
                                   "a" * 41, "版\n次", "v1~2", "a:b"])
def test_bad_labels_are_refused(label):
    with pytest.raises(Invalid, match="edition label"):
        editions.check_label(label)


@pytest.mark.parametrize("label", ["2026-1", "v1.0", "第1版第1次印刷", "2026_秋", "A"])
def test_good_labels_are_accepted(label):
    assert editions.check_label(label) == label


def test_a_label_in_use_is_refused(app, prod):
    approve_all(app, prod)
    _create(app, "2026-1")
    with pytest.raises(AlreadyExists):
        _create(app, "2026-1")


def test_only_production_and_admins_create_editions(app, prod):
    approve_all(app, prod)
    for role in ("editor", "author", "coordinator"):
        with pytest.raises(Forbidden):
            _create(app, "2026-1", prod.emails[role])


def test_the_store_refuses_tags_outside_editions(app, prod):
    with app.app_context():
        repo = manuscript_store().book("labor-rights")
        for name in ("main", "edition/../x", "edition/a..b", "v1", "edition/a b"):
            with pytest.raises(ValueError):
                repo.tag(name, repo.head(), "x", Person("a", "a@b.test"))
        assert repo.tags() == {}


def _html_text(path):
    import re
    return re.sub(r"<[^>]+>", "", Path(path).read_text())


def _pdf_text(path):
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_rebuilding_from_the_tag_gives_the_same_text_after_main_moved_on(app, prod, tmp_path):
    approve_all(app, prod)
    _create(app, "2026-1")
    with app.app_context():  # the chapter is reopened and rewritten after the edition
        book = find_book("labor-rights")
        chapter = book.chapters[0]
        workflow.reopen(manuscript_store(), chapter, user(prod.emails["editor"]))
        save_chapter(manuscript_store(), chapter, user(prod.emails["author"]),
                     "# 第一章　概述\n\n改写后的正文。\n", chapter.revision)
        db.session.commit()
    tagged = jobs.resolve_rev(_repo(app), "edition/2026-1")
    first = export.build(app, "labor-rights", "pdf", tagged, None, tmp_path / "one")
    second = export.build(app, "labor-rights", "pdf", tagged, None, tmp_path / "two")
    head = export.build(app, "labor-rights", "html", None, None, tmp_path / "head")
    assert _pdf_text(first.path) == _pdf_text(second.path)
    assert "新就业形态劳动者。" in "".join(_pdf_text(first.path).split())
    assert "校" not in _pdf_text(first.path)  # the edition's text is approved: no watermark
    assert "改写后的正文" in _html_text(head.path) and "校样" in _html_text(head.path)


def _repo(app):
    from alliance.store import ManuscriptStore
    return ManuscriptStore(app.config["MANUSCRIPTS"]).book("labor-rights")


def test_alliance_edition_tags_and_builds_and_export_rebuilds_from_the_tag(app, prod, runner):
    result = runner.invoke(args=["edition", "labor-rights", "2026-1", "--by", PRODUCTION])
    assert result.exit_code == 1 and "approved" in result.output
    approve_all(app, prod)
    result = runner.invoke(args=["edition", "labor-rights", "2026-1", "--by", PRODUCTION])
    assert result.exit_code == 0, result.output
    paths = [Path(p) for p in result.output.split()]
    assert [p.suffix for p in paths] == [".pdf", ".epub"] and all(p.is_file() for p in paths)
    result = runner.invoke(args=["export", "labor-rights", "--format", "pdf",
                                 "--rev", "edition/2026-1"])
    assert result.exit_code == 0, result.output
    assert _pdf_text(result.output.strip()) == _pdf_text(paths[0])
    result = runner.invoke(args=["edition", "labor-rights", "2026-2", "--by",
                                 prod.emails["author"]])
    assert result.exit_code == 1 and "production" in result.output
