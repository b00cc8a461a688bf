"""The export dispatcher: snapshot, render by format, artifacts with their sha256 and a
manifest; proof (校样) unless every chapter is approved at that commit."""
import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from alliance.manuscripts.books import find_book
from alliance.errors import Invalid
from alliance.extensions import db, manuscript_store
from alliance.publishing import export, manifest
from alliance.store import ManuscriptStore, Person

from export_helpers import approve_all

EDITOR = Person("王编辑", "editor@cwph.test")


def _text(path):
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_build_from_a_store_writes_the_file_its_digest_and_a_manifest(tmp_path):
    store = ManuscriptStore(tmp_path / "store")
    from bookgen import make_book
    make_book(tmp_path / "store", slug="small", chapters=2, chars_per_chapter=800)
    out = tmp_path / "out"
    artifact = export.build(store, "small", "html", None, None, out)
    path = Path(artifact.path)
    assert path.parent == out and path.suffix == ".html"
    assert artifact.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert artifact.bytes == path.stat().st_size
    assert "校样" in path.read_text()  # no database to say it is approved: a proof
    data = json.loads((out / "manifest.json").read_text())
    repo = store.book("small")
    assert data["book"] == "small" and data["commit"] == repo.head() and data["proof"] is True
    assert data["profile"] == "16k-print"
    assert data["chapters"] == [{"key": c["key"], "path": c["path"],
                                 "blob": repo.blob_id(c["path"])} for c in data["chapters"]]
    assert len(data["chapters"]) == 2
    assert data["tools"]["pandoc"] and data["tools"]["weasyprint"]
    assert data["artifacts"] == [{"format": "html", "file": path.name, "sha256": artifact.sha256,
                                  "bytes": artifact.bytes, "skipped": [], "pages": None}]
    assert not list(out.glob(".partial-*"))


def test_an_unapproved_book_exports_a_proof_and_an_approved_one_does_not(app, world, tmp_path):
    artifact = export.build(app, "labor-rights", "html", None, None, tmp_path / "a")
    assert "校样" in Path(artifact.path).read_text()
    approve_all(app, world)
    artifact = export.build(app, "labor-rights", "html", None, None, tmp_path / "b")
    assert "校样" not in Path(artifact.path).read_text()
    assert manifest.read(tmp_path / "b")["proof"] is False


def test_a_change_after_approval_makes_the_export_a_proof_again(app, world):
    approve_all(app, world)
    with app.app_context():
        book = find_book("labor-rights")
        repo = manuscript_store().book("labor-rights")
        approved = repo.head()
        assert not export.needs_proof(repo, approved, book.chapters)
        # A change that bypassed the lock (a repair, a raw push): the file differs from approval.
        changed = repo.save({"chapters/ch01.md": "# 改过\n".encode()}, approved, EDITOR, "x")
        assert export.needs_proof(repo, changed.revision, book.chapters)
        assert not export.needs_proof(repo, approved, book.chapters)  # that commit still is
        db.session.rollback()


def test_a_pdf_export_carries_the_proof_watermark_and_the_fonts_in_the_manifest(app, world,
                                                                               tmp_path):
    artifact = export.build(app, "labor-rights", "pdf", None, "a5-screen", tmp_path)
    text = _text(artifact.path)
    assert "新就业形态劳动者。" in "".join(text.split())
    pages = [p for p in text.split("\f") if p.strip()]
    assert pages and all("校" in p and "样" in p for p in pages)  # the watermark, rotated
    data = manifest.read(tmp_path)
    assert data["profile"] == "a5-screen" and data["artifacts"][0]["pages"] >= 1
    assert data["fonts"] and all(len(f["sha256"]) == 64 for f in data["fonts"])


def test_progress_goes_from_zero_to_one_across_formats(app, world, tmp_path):
    seen = []
    with app.app_context():
        from alliance.publishing import snapshot
        snap = snapshot.take(manuscript_store().book("labor-rights"), "labor-rights")
    artifacts, path = export.run(snap, ["html", "epub"], "16k-print", tmp_path, True,
                                 lambda f, m="": seen.append((f, m)))
    assert [a.format for a in artifacts] == ["html", "epub"] and path.exists()
    fractions = [f for f, _m in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert any(m.startswith("epub") for _f, m in seen)


@pytest.mark.parametrize("formats", [[], ["mobi"], "pdf; rm", [None]])
def test_unknown_formats_are_refused(formats):
    with pytest.raises(Invalid):
        export.check_formats(formats)


def test_an_unknown_profile_is_refused_before_anything_renders(app, world, tmp_path):
    with pytest.raises(Invalid, match="unknown profile"):
        export.build(app, "labor-rights", "pdf", None, "16k-poster", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_alliance_export_prints_the_path_of_the_file_it_built(app, world, runner, tmp_path):
    result = runner.invoke(args=["export", "labor-rights", "--format", "html"])
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path.is_file() and path.parent == Path(app.config["EXPORTS"]) / "labor-rights" / "cli"
    assert "校样" in path.read_text()
    assert json.loads(Path(f"{path}.manifest.json").read_text())["proof"] is True
    out = tmp_path / "given.html"
    result = runner.invoke(args=["export", "labor-rights", "--format", "html", "--out", str(out)])
    assert result.exit_code == 0 and Path(result.output.strip()) == out and out.is_file()
    result = runner.invoke(args=["export", "labor-rights", "--format", "pdf", "--profile",
                                 "a5-screen", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert Path(result.output.strip()).parent == tmp_path and (tmp_path / "manifest.json").is_file()


@pytest.mark.parametrize("args,message", [
    (["nope", "--format", "html"], "no book called nope"),
    (["labor-rights", "--format", "html", "--rev", "abc"], "40-character"),
    (["labor-rights", "--format", "pdf", "--profile", "x"], "unknown profile"),
])
def test_alliance_export_refuses_bad_input_in_one_line(world, runner, args, message):
    result = runner.invoke(args=["export", *args])
    assert result.exit_code == 1 and message in result.output


def test_every_format_builds_through_the_dispatcher(app, world, tmp_path):
    magic = {"pdf": b"%PDF", "epub": b"PK", "docx": b"PK", "html": b"<!DOCTYPE html>"}
    for fmt in export.FORMATS:
        artifact = export.build(app, "labor-rights", fmt, None, None, tmp_path / fmt)
        assert Path(artifact.path).read_bytes().startswith(magic[fmt]), fmt
        assert artifact.path.endswith(f".{fmt}")
