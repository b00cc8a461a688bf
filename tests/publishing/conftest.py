"""Fixtures for the publishing tests: the demo book and a generated book as Snapshots."""
from pathlib import Path

import pytest

from alliance.demo import BOOK_SLUG, CONTENT
from alliance.publishing import snapshot
from alliance.store import ManuscriptStore, Person

from bookgen import make_book

DEMO_AUTHOR = Person("演示", "demo@alliance.test")


def write_demo(store_root, slug=BOOK_SLUG, extra=None):
    """Write alliance/demo/content (plus ``extra`` {path: bytes}) as a book; return its BookRepo."""
    files = {str(p.relative_to(CONTENT)): p.read_bytes()
             for p in Path(CONTENT).rglob("*") if p.is_file()}
    files.update(extra or {})
    return ManuscriptStore(store_root).create(slug, files, DEMO_AUTHOR, "演示教材")


@pytest.fixture(scope="session")
def demo_snapshot(tmp_path_factory):
    """The demo book (xinjiuye-quanyi) at its only commit, as a Snapshot."""
    root = tmp_path_factory.mktemp("demo-store")
    return snapshot.take(write_demo(root), BOOK_SLUG)


@pytest.fixture(scope="session")
def small_book_snapshot(tmp_path_factory):
    """A generated 3-chapter book with PNG figures, tables and footnotes, as a Snapshot."""
    root = tmp_path_factory.mktemp("gen-store")
    repo = make_book(root, slug="small", chapters=3, chars_per_chapter=3000)
    return snapshot.take(repo, "small")
