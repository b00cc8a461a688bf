"""Full-text search of chapters across the books a person may read.

The index (models/search.py) holds each chapter's title and Markdown as of a
revision: FTS5 with trigrams on SQLite, pg_trgm-indexed ILIKE on PostgreSQL.
Saves do not touch it: an author saving every few seconds would rewrite a
chapter's trigrams each time (most of a save's database writes). Instead
``search`` first indexes again every chapter whose revision moved since it was
indexed (``refresh``), so a search always sees the saved text. Chapters created
or renamed are indexed at once, ``remove_chapter`` runs when a chapter goes,
``reindex`` rebuilds a book. Writes go through the caller's session, so they
commit or roll back with it.
"""
import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import bindparam, select, text

from ..extensions import db, manuscript_store
from ..models import Book, Chapter
from ..people.permissions import can_read_book
from ..models.search import TABLE

# Snippet markers: control characters that never survive into indexed text.
OPEN, CLOSE = "\x02", "\x03"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MIN_TRIGRAM = 3  # the trigram tokenizer cannot match fewer characters
SNIPPET_CHARS = 40
MAX_QUERY = 200


def available():
    """Return True when the database has a search index (SQLite or PostgreSQL)."""
    return db.engine.dialect.name in ("sqlite", "postgresql")


def _postgres():
    return db.engine.dialect.name == "postgresql"


def _clean(value):
    return _CONTROL.sub(" ", value or "")


def index_chapter(chapter, content=None):
    """Put the chapter's title and text (default: read from Git at its revision) in the index."""
    if not available():
        return
    if content is None:
        repo = manuscript_store().book(chapter.book.slug)
        content = repo.load(chapter.path, chapter.revision).decode("utf-8", "replace")
    remove_chapter(chapter.book, chapter.key)
    db.session.execute(
        text(f"INSERT INTO {TABLE} (book_id, chapter_key, revision, title, body) "
             "VALUES (:book, :key, :rev, :title, :body)"),
        {"book": chapter.book.id, "key": chapter.key, "rev": chapter.revision,
         "title": _clean(chapter.title), "body": _clean(content)})


def refresh(book_ids):
    """Index again the chapters of ``book_ids`` saved since they were indexed; return how many.

    Each stale chapter's row is locked first (PostgreSQL: FOR UPDATE) and checked
    again, so two searches at once do not both index it.
    """
    if not available() or not book_ids:
        return 0
    indexed = _indexed_revisions(book_ids)
    chapters = db.session.scalars(select(Chapter).where(Chapter.book_id.in_(book_ids))).all()
    count = 0
    for chapter in chapters:
        if indexed.get((chapter.book_id, chapter.key)) == chapter.revision:
            continue
        chapter = db.session.get(Chapter, chapter.id, with_for_update=True,
                                 populate_existing=True)
        if _indexed_revisions([chapter.book_id]).get((chapter.book_id, chapter.key)) != \
                chapter.revision:
            index_chapter(chapter)
            count += 1
    return count


def _indexed_revisions(book_ids):
    statement = text(f"SELECT book_id, chapter_key, revision FROM {TABLE} "
                     "WHERE book_id IN :books").bindparams(bindparam("books", expanding=True))
    return {(r.book_id, r.chapter_key): r.revision
            for r in db.session.execute(statement, {"books": list(book_ids)})}


def remove_chapter(book, key):
    """Take chapter ``key`` of ``book`` out of the index."""
    if available():
        db.session.execute(text(f"DELETE FROM {TABLE} WHERE book_id = :book "
                                "AND chapter_key = :key"), {"book": book.id, "key": key})


def reindex(book):
    """Rebuild the book's part of the index from Git; return the number of chapters indexed."""
    if not available():
        return 0
    db.session.execute(text(f"DELETE FROM {TABLE} WHERE book_id = :book"), {"book": book.id})
    for chapter in book.chapters:
        index_chapter(chapter)
    return len(book.chapters)


@dataclass(frozen=True)
class Hit:
    """One chapter that matches: where it is, at which revision, and the matching passage."""

    book: object
    chapter_key: str
    title: str
    revision: str
    snippet: Markup


def search(user, query, limit=50):
    """Return the Hits for ``query`` among the books ``user`` may read, best first.

    The index is brought up to date first (``refresh``: the caller commits). Every
    whitespace-separated term must occur (as a phrase), case-insensitively.
    On SQLite, terms shorter than three characters cannot use the FTS5 trigram
    index and fall back to LIKE; on PostgreSQL every query is an ILIKE that the
    pg_trgm indexes serve.
    """
    terms = _clean(query)[:MAX_QUERY].split()
    books = {b.id: b for b in db.session.scalars(select(Book)) if can_read_book(user, b)}
    if not terms or not books or not available():
        return []
    refresh(list(books))
    if _postgres():
        rows = _like(terms, list(books), limit, operator="ILIKE")
    elif all(len(t) >= MIN_TRIGRAM for t in terms):
        rows = _match(terms, list(books), limit)
    else:
        rows = _like(terms, list(books), limit)
    return [Hit(books[row.book_id], row.chapter_key, row.title, row.revision,
                _highlight(row.snippet)) for row in rows]


def _match(terms, book_ids, limit):
    phrase = " ".join('"' + t.replace('"', '""') + '"' for t in terms)
    statement = text(
        f"SELECT book_id, chapter_key, revision, title, "
        f"snippet({TABLE}, -1, :open, :close, '…', 24) AS snippet "
        f"FROM {TABLE} WHERE {TABLE} MATCH :phrase AND book_id IN :books "
        "ORDER BY rank LIMIT :limit").bindparams(bindparam("books", expanding=True))
    return db.session.execute(statement, {"open": OPEN, "close": CLOSE, "phrase": phrase,
                                          "books": book_ids, "limit": limit}).all()


def _like(terms, book_ids, limit, operator="LIKE"):
    # SQLite's LIKE ignores ASCII case, as FTS5 does; PostgreSQL needs ILIKE for that.
    matches = [f"(title {operator} :t{i} ESCAPE '\\')" for i in range(len(terms))]
    where = " AND ".join(f"(body {operator} :t{i} ESCAPE '\\' OR title {operator} :t{i} "
                         "ESCAPE '\\')" for i in range(len(terms)))
    # Best first: chapters whose title holds more of the terms, then in book order.
    order = " + ".join(f"(CASE WHEN {m} THEN 1 ELSE 0 END)" for m in matches)
    params = {f"t{i}": "%" + re.sub(r"([%_\\])", r"\\\1", t) + "%"
              for i, t in enumerate(terms)}
    statement = text(
        f"SELECT book_id, chapter_key, revision, title, body FROM {TABLE} "
        f"WHERE book_id IN :books AND {where} "
        f"ORDER BY {order} DESC, book_id, chapter_key LIMIT :limit"
    ).bindparams(bindparam("books", expanding=True))
    rows = db.session.execute(statement, {**params, "books": book_ids, "limit": limit}).all()
    return [_Row(r.book_id, r.chapter_key, r.revision, r.title,
                 _passage(r.body, terms) or _passage(r.title, terms)) for r in rows]


@dataclass(frozen=True)
class _Row:
    book_id: int
    chapter_key: str
    revision: str
    title: str
    snippet: str


def _passage(body, terms):
    """Return the text around the first term found in ``body``, terms marked; '' if none."""
    lowered = body.lower()
    found = [(lowered.find(t.lower()), t) for t in terms if t.lower() in lowered]
    if not found:
        return ""
    start = max(min(found)[0] - SNIPPET_CHARS // 2, 0)
    passage = body[start:start + SNIPPET_CHARS * 2]
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    marked = pattern.sub(lambda m: OPEN + m.group(0) + CLOSE, passage)
    return ("…" if start else "") + marked + ("…" if start + len(passage) < len(body) else "")


def _highlight(snippet):
    """Escape the snippet (it is the author's text), then turn the markers into <mark>."""
    escaped = str(escape(snippet or ""))
    return Markup(escaped.replace(OPEN, "<mark>").replace(CLOSE, "</mark>"))
