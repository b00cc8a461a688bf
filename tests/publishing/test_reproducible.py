"""Byte-identical builds: the same commit gives the same PDF, EPUB and DOCX, in another
process with another render cache, every time recorded in the files being the commit's (not the clock's)."""
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pikepdf
import pytest

from alliance.demo import BOOK_SLUG, CONTENT
from alliance.publishing import epub_package, export, reproducible, snapshot
from alliance.store import ManuscriptStore, Person

FORMATS = ("pdf", "epub", "docx")
#: The committer time of the book's commit: 2024-03-01 08:00 UTC, long before any build.
COMMITTED = 1_709_280_000
PROFILE = "16k-print"

# Rebuilds in a new interpreter: nothing in memory (lru caches, memos, imported fonts)
# is shared with the first build, and the render cache is a different, empty folder.
REBUILD = """
import json, sys
from alliance.publishing import export, snapshot
from alliance.store import ManuscriptStore
store, slug, commit, out = sys.argv[1:5]
snap = snapshot.take(ManuscriptStore(store).book(slug), slug, commit)
artifacts, _ = export.run(snap, ["pdf", "epub", "docx"], "16k-print", out, False,
                          cache_dir=out + "/cache")
print(json.dumps({a.format: a.sha256 for a in artifacts}))
"""


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """(store root, Snapshot) of the demo book (images, an SVG, footnotes, tables)."""
    root = tmp_path_factory.mktemp("repro-store")
    files = {str(p.relative_to(CONTENT)): p.read_bytes()
             for p in Path(CONTENT).rglob("*") if p.is_file()}
    repo = ManuscriptStore(root).create(BOOK_SLUG, files, Person("演示", "demo@alliance.test"),
                                        "演示教材")
    # A commit dated long ago, so a time taken from the clock would show.
    dated = {**os.environ, "GIT_DIR": repo.path, "GIT_AUTHOR_DATE": f"@{COMMITTED} +0800",
             "GIT_COMMITTER_DATE": f"@{COMMITTED} +0800"}
    commit = subprocess.run(["git", "commit-tree", f"{repo.head()}^{{tree}}", "-p", repo.head(),
                             "-m", "定稿"], env=dated, capture_output=True, text=True,
                            check=True).stdout.strip()
    subprocess.run(["git", "update-ref", "refs/heads/main", commit], env=dated, check=True)
    snap = snapshot.take(repo, BOOK_SLUG)
    assert snap.commit == commit and snap.committed_at == COMMITTED
    return root, snap


@pytest.fixture(scope="module")
def first_build(demo, tmp_path_factory):
    folder = tmp_path_factory.mktemp("first")
    artifacts, _ = export.run(demo[1], list(FORMATS), PROFILE, folder, False,
                              cache_dir=folder / "cache")
    return {a.format: a for a in artifacts}


def test_a_rebuild_in_a_fresh_process_with_an_empty_cache_is_byte_identical(
        demo, first_build, tmp_path):
    root, snap = demo
    done = subprocess.run(
        [sys.executable, "-c", REBUILD, str(root), snap.slug, snap.commit,
         str(tmp_path / "again")],
        capture_output=True, text=True, timeout=600, check=True)
    again = json.loads(done.stdout.strip().splitlines()[-1])
    assert again == {fmt: first_build[fmt].sha256 for fmt in FORMATS}
    for fmt in FORMATS:
        assert _sha(first_build[fmt].path) == _sha(
            tmp_path / "again" / Path(first_build[fmt].path).name)


def test_a_rebuild_from_a_warm_cache_is_byte_identical(demo, first_build, tmp_path):
    folder = Path(first_build["pdf"].path).parent
    artifacts, _ = export.run(demo[1], list(FORMATS), PROFILE, tmp_path, False,
                              cache_dir=folder / "cache")
    assert {a.format: a.sha256 for a in artifacts} == \
        {fmt: first_build[fmt].sha256 for fmt in FORMATS}


def test_the_epub_package_is_fixed_and_dated_by_the_commit(demo, first_build):
    epoch = demo[1].committed_at
    with zipfile.ZipFile(first_build["epub"].path) as package:
        infos = package.infolist()
        opf = package.read("EPUB/content.opf").decode()
    assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
    names = [i.filename for i in infos]
    assert names[:3] == list(epub_package.FIRST) and names[3:] == sorted(names[3:])
    assert {i.date_time for i in infos} == {reproducible.zip_time(epoch)}
    assert f'<meta property="dcterms:modified">{reproducible.iso_time(epoch)}</meta>' in opf
    assert "1970-01-01" not in opf


def test_the_docx_package_is_fixed_and_dated_by_the_commit(demo, first_build):
    epoch = demo[1].committed_at
    with zipfile.ZipFile(first_build["docx"].path) as package:
        infos = package.infolist()
        core = package.read("docProps/core.xml").decode()
    assert infos[0].filename == "[Content_Types].xml"
    names = [i.filename for i in infos]
    assert names[2:] == sorted(names[2:])
    assert {i.date_time for i in infos} == {reproducible.zip_time(epoch)}
    stamps = re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core)
    assert stamps == [reproducible.iso_time(epoch)] * 2


def test_the_pdf_is_dated_by_the_commit_and_has_no_random_id(demo, first_build):
    snap = demo[1]
    iso = reproducible.iso_time(snap.committed_at)
    pdf_date = "D:" + re.sub(r"[-:TZ]", "", iso)
    with pikepdf.open(first_build["pdf"].path) as pdf:
        info = {str(k): str(v) for k, v in pdf.docinfo.items()}
        xmp = pdf.Root.Metadata.read_bytes().decode()
    assert info["/CreationDate"].startswith(pdf_date)
    assert info["/ModDate"].startswith(pdf_date)
    expected = reproducible.build_uuid(snap.commit, PROFILE, False)
    assert re.findall(r"xmp\.did:([0-9a-f-]+)", xmp) == [str(expected)]
    assert set(re.findall(r"\d{4}-\d\d-\d\dT[\d:]+Z", xmp)) == {iso}


def test_write_zip_gives_the_same_bytes_whatever_the_order_given(tmp_path):
    entries = {"b.txt": b"b" * 100, "mimetype": b"application/epub+zip", "a.txt": b"a"}
    reproducible.write_zip(tmp_path / "one.zip", entries, 1_700_000_000,
                           first=("mimetype",), stored=("mimetype",))
    reproducible.write_zip(tmp_path / "two.zip", dict(reversed(entries.items())),
                           1_700_000_000, first=("mimetype",), stored=("mimetype",))
    assert _sha(tmp_path / "one.zip") == _sha(tmp_path / "two.zip")
    with zipfile.ZipFile(tmp_path / "one.zip") as package:
        assert package.namelist() == ["mimetype", "a.txt", "b.txt"]
