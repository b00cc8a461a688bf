"""Bounded disk: after many exports the render cache and the exports' files stay within
ALLIANCE_CACHE_MAX_MB, least recently used first; editions and deliveries are never pruned.

The issue's figure is 100 exports under a 200 MB limit. Exports of a small book are
about a thousandth of a real one, so the limit here is 200 KB: the same ratio, in seconds.
"""
from pathlib import Path

import pytest

from alliance.manuscripts.books import add_member, create_book, create_chapter, find_book, \
    save_chapter
from alliance.extensions import db, manuscript_store
from alliance.models import ExportJob, JobState
from alliance.production import cleanup, editions, jobs
from alliance.publishing import export

from export_helpers import PRODUCTION, add_production, approve_all, user

LIMIT_MB = 0.2  # 200 MB / 1000
EXPORTS = 100
DRAFT = "drafts"


@pytest.fixture
def prod(app, world):
    add_production(app, world)
    return world


def _size(folder):
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def _prunable_size(exports, kept):
    """Bytes of every render cache and every job folder not in ``kept`` (edition jobs)."""
    total = 0
    for book in Path(exports).iterdir():
        if book.name in ("deliveries", "agreements", "prepub"):
            continue
        total += _size(book / "cache") if (book / "cache").is_dir() else 0
        for parent in (book / "jobs", book / "cli"):
            if parent.is_dir():
                total += sum(_size(p) if p.is_dir() else p.stat().st_size
                             for p in parent.iterdir() if p.name not in kept)
    return total


def _draft_book(app, world):
    """A second book, not approved, whose chapter the author keeps changing."""
    with app.app_context():
        store = manuscript_store()
        editor = user(world.emails["editor"])
        book = create_book(store, DRAFT, "草稿", editor.org, editor)
        add_member(book, editor, "editor")
        add_member(book, user(world.emails["author"]), "author")
        create_chapter(store, book, "ch01", "第一章", [user(world.emails["author"])], editor,
                       "# 第一章\n\n草稿。\n".encode())
        db.session.commit()


def _export_a_new_revision(app, world, n):
    """Change the draft chapter (so its render is not in the cache) and export it as HTML."""
    with app.app_context():
        store = manuscript_store()
        book = find_book(DRAFT)
        chapter = book.chapters[0]
        head = store.book(DRAFT).resolve()
        text = f"# 第一章\n\n第{n}稿。" + "劳动者权益保障。" * 200 + "\n"
        save_chapter(store, chapter, user(world.emails["author"]), text, head)
        job = jobs.create_export(store, book, user(world.emails["editor"]), ["html"])
        db.session.commit()
        job_id = job.id
    assert jobs.run_job(app, job_id) == JobState.DONE  # prunes when it ends
    return job_id


def test_a_hundred_exports_stay_under_the_limit_and_the_edition_stays(app, prod):
    approve_all(app, prod)
    with app.app_context():
        edition = editions.create_edition(find_book("labor-rights"), "2026-1", user(PRODUCTION))
        db.session.commit()
        edition_job = edition.job_id
    assert jobs.run_job(app, edition_job) == JobState.DONE
    exports = app.config["EXPORTS"]
    edition_folder = Path(export.job_folder(exports, "labor-rights", edition_job))
    edition_files = sorted(p.name for p in edition_folder.iterdir())
    assert _size(edition_folder) > LIMIT_MB * 1024 * 1024  # bigger than the limit on its own
    app.config["CACHE_MAX_MB"] = LIMIT_MB
    _draft_book(app, prod)
    limit = cleanup.limit_bytes(app.config)
    sizes, job_ids = [], []
    for n in range(EXPORTS):
        job_ids.append(_export_a_new_revision(app, prod, n))
        sizes.append(_prunable_size(exports, {edition_job}))
    cache = sum(_size(Path(exports) / slug / "cache") for slug in ("labor-rights", DRAFT))
    print(f"\nafter {EXPORTS} exports, limit {limit} bytes: render caches and exports took at "
          f"most {max(sizes)} bytes, at the end {sizes[-1]} (render caches {cache}, exports "
          f"{sizes[-1] - cache}); the exports built about "
          f"{EXPORTS * _size(export.job_folder(exports, DRAFT, job_ids[-1]))} bytes of files; "
          f"the edition's {_size(edition_folder)} bytes kept")
    assert max(sizes) <= limit
    # Without pruning they would not fit: the limit was at work.
    assert sum(_size(export.job_folder(exports, DRAFT, j)) for j in job_ids[-3:]) * EXPORTS / 3 \
        > 2 * limit
    # The edition's files are all there, and so is the latest export.
    assert sorted(p.name for p in edition_folder.iterdir()) == edition_files
    assert Path(export.job_folder(exports, DRAFT, job_ids[-1])).is_dir()
    assert not Path(export.job_folder(exports, DRAFT, job_ids[0])).exists()
    with app.app_context():
        first = db.session.get(ExportJob, job_ids[0])
        assert not jobs.files_kept(app, first)
        assert jobs.files_kept(app, db.session.get(ExportJob, edition_job))


def test_the_page_of_a_pruned_export_says_its_files_were_removed(app, prod, client, auth):
    _draft_book(app, prod)
    job_id = _export_a_new_revision(app, prod, 1)
    with app.app_context():
        cleanup.collect(app, 0)
    auth.login(prod.emails["editor"])
    page = client.get(f"/books/{DRAFT}/exports/{job_id}")
    assert page.status_code == 200
    assert "为释放磁盘空间，这些文件已被删除" in page.get_data(as_text=True)


def test_alliance_gc_prints_what_it_freed_and_keeps_editions(app, prod, runner):
    approve_all(app, prod)
    with app.app_context():
        edition = editions.create_edition(find_book("labor-rights"), "2026-1", user(PRODUCTION))
        db.session.commit()
        edition_job = edition.job_id
    assert jobs.run_job(app, edition_job) == JobState.DONE
    _draft_book(app, prod)
    job_id = _export_a_new_revision(app, prod, 1)
    exports = app.config["EXPORTS"]
    job_folder = Path(export.job_folder(exports, DRAFT, job_id))
    assert job_folder.is_dir() and (Path(exports) / DRAFT / "cache").is_dir()
    delivery = Path(exports) / "deliveries" / "1" / "labor-rights-2026-1-1.zip"
    delivery.parent.mkdir(parents=True)
    delivery.write_bytes(b"PK" * 1000)
    result = runner.invoke(args=["gc", "--max-mb", "0"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("freed ")
    assert "now take 0.0 MB of 0.0 MB" in result.output
    assert not job_folder.exists()
    assert not [p for p in (Path(exports) / DRAFT / "cache").rglob("*")
                if p.is_file() and p.name != ".lock"]
    assert Path(export.job_folder(exports, "labor-rights", edition_job)).is_dir()
    assert delivery.is_file()
    again = runner.invoke(args=["gc"])
    assert again.output.startswith("freed 0.0 MB: 0 render cache file(s), 0 export(s)")


def test_the_limit_comes_from_alliance_cache_max_mb():
    from alliance.config import load_config
    assert load_config({})["CACHE_MAX_MB"] == 2048
    config = load_config({"ALLIANCE_CACHE_MAX_MB": "0.5"})
    assert cleanup.limit_bytes(config) == 512 * 1024
    assert cleanup.limit_bytes(config, 3) == 3 * 1024 * 1024
