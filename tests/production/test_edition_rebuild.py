"""Byte-identical editions: the PDF, EPUB and DOCX of an edition rebuilt from its tag, in
a fresh process with another exports folder (so an empty render cache), have the same
sha256 as the first build."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alliance.production import editions, jobs
from alliance.manuscripts.books import find_book
from alliance.extensions import db
from alliance.models import ExportJob, JobState
from alliance.publishing import export, manifest

from export_helpers import PRODUCTION, add_production, approve_all, user

LABEL = "第1版第1次印刷"
SLUG = "labor-rights"


@pytest.fixture
def prod(app, world):
    add_production(app, world)
    return world


def _first_build(app, tmp_path):
    """Create the edition, run its job (pdf, epub) and build its docx from the tag;
    return ({format: sha256}, {format: path}, commit)."""
    with app.app_context():
        edition = editions.create_edition(find_book(SLUG), LABEL, user(PRODUCTION))
        db.session.commit()
        job_id, commit = edition.job_id, edition.commit
    assert jobs.run_job(app, job_id) == JobState.DONE
    with app.app_context():
        job = db.session.get(ExportJob, job_id)
        folder = Path(export.job_folder(app.config["EXPORTS"], SLUG, job_id))
        paths = {a["format"]: folder / a["file"] for a in job.artifacts}
        # Editions build pdf and epub; the docx (for deliveries) is built from the tag too.
        docx = export.build(app, SLUG, "docx", commit, None, str(tmp_path / "first-docx"))
        paths["docx"] = Path(docx.path)
    return {fmt: manifest.sha256_of(p) for fmt, p in paths.items()}, paths, commit


def _rebuild(app, fmt, out, exports):
    """Run `alliance export --rev edition/<label>` in a new process with its own EXPORTS."""
    env = {**os.environ, "ALLIANCE_HOME": app.config["ALLIANCE_HOME"],
           "ALLIANCE_EXPORTS": str(exports), "ALLIANCE_DATABASE_URL": app.config["DATABASE_URL"]}
    done = subprocess.run([sys.executable, "-m", "alliance.cli", "export", SLUG,
                           "--format", fmt, "--rev", f"edition/{LABEL}", "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip().splitlines()[-1])


def test_an_edition_rebuilt_from_its_tag_in_a_fresh_process_is_byte_identical(
        app, prod, tmp_path):
    approve_all(app, prod)
    first, paths, commit = _first_build(app, tmp_path)
    assert set(first) == {"pdf", "epub", "docx"}
    time.sleep(1.1)  # a time taken from the clock would differ now
    exports = tmp_path / "other-exports"  # another render cache, empty
    again = {}
    for fmt in ("pdf", "epub", "docx"):
        out = tmp_path / "rebuilt" / fmt
        out.mkdir(parents=True)
        path = _rebuild(app, fmt, out, exports)
        assert path.name == paths[fmt].name
        again[fmt] = manifest.sha256_of(path)
        built = json.loads((out / "manifest.json").read_text())
        assert built["commit"] == commit and built["proof"] is False
    assert again == first
    assert (exports / SLUG / "cache").is_dir()  # the rebuild rendered with its own cache
