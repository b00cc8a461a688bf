"""Managing a book's chapters: create, rename, reorder, delete and restore.

The chapter order and titles live in book.yaml in Git; every change here is
one commit by the editor, after which the database follows (positions are
re-read from book.yaml). A deleted chapter stays in Git history, and an editor
can bring it back from the commit before its deletion. Services flush; the
caller commits.
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..people import audit
from ..publishing import bookmeta
from . import search
from .books import check_unlocked, create_chapter, members_with_role, person
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db
from ..models import BookRole
from ..names import check_name
from ..people.permissions import can_manage_book
from ..store import check_revision, gitcmd


def _require_manager(user, book):
    if not can_manage_book(user, book):
        raise Forbidden(f"only the editors of {book.slug} may manage its chapters")


def _meta(repo, head):
    return bookmeta.parse(repo.load("book.yaml", head))


def _commit_meta(store, book, user, meta, head, message, extra=None):
    """Commit book.yaml (and ``extra`` files) from ``head``; positions follow the new order."""
    result = store.book(book.slug).save({"book.yaml": bookmeta.dump(meta), **(extra or {})},
                                        head, person(user), message)
    book.head_revision = result.revision
    order = {entry.get("id"): i for i, entry in enumerate(meta["chapters"])}
    for chapter in book.chapters:
        chapter.position = order.get(chapter.key, len(order))
    db.session.flush()
    return result


def create(store, book, key, title, assignees, user):
    """Add an empty chapter at the end of the book (editors only); return it."""
    _require_manager(user, book)
    authors = members_with_role(book, BookRole.AUTHOR)
    strangers = [u.email for u in assignees if u not in authors]
    if strangers:
        raise Invalid(f"not authors of {book.slug}: {', '.join(strangers)}")
    chapter = create_chapter(store, book, key, title, assignees, user)  # indexes it too
    audit.record(audit.CHAPTER_CREATED, user, target=key, book=book, title=chapter.title)
    return chapter


def rename(store, chapter, title, user):
    """Give the chapter a new title, in book.yaml and in the database."""
    book = chapter.book
    _require_manager(user, book)
    title = check_name(title, _("chapter title"))
    if not title or len(title) > 300:
        raise Invalid("a chapter needs a title of at most 300 characters")
    if title == chapter.title:
        return chapter
    repo = store.book(book.slug)
    head = repo.resolve()
    meta = _meta(repo, head)
    for entry in meta["chapters"]:
        if entry.get("id") == chapter.key:
            entry["title"] = title
    before, chapter.title = chapter.title, title
    _commit_meta(store, book, user, meta, head, f"Rename chapter {chapter.key}: {title}")
    search.index_chapter(chapter)
    audit.record(audit.CHAPTER_RENAMED, user, target=chapter.key, book=book,
                 before=before, after=title)
    return chapter


def move(store, chapter, position, user):
    """Put the chapter at ``position`` (0 = first) in the book's order."""
    book = chapter.book
    _require_manager(user, book)
    repo = store.book(book.slug)
    head = repo.resolve()
    meta = _meta(repo, head)
    entries = meta["chapters"]
    index = next((i for i, e in enumerate(entries) if e.get("id") == chapter.key), None)
    if index is None:
        raise Invalid(f"chapter {chapter.key} is missing from book.yaml; run alliance check")
    position = max(0, min(int(position), len(entries) - 1))
    if position == index:
        return chapter
    entries.insert(position, entries.pop(index))
    _commit_meta(store, book, user, meta, head,
                 f"Move chapter {chapter.key} to position {position + 1}")
    audit.record(audit.CHAPTER_MOVED, user, target=chapter.key, book=book,
                 before=index + 1, after=position + 1)
    return chapter


def _workflow_records(chapter):
    """Count rows of other tables (reviews, comments, ...) that refer to the chapter."""
    count = 0
    for table in db.metadata.tables.values():
        if table.name == "chapter_assignee":
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "chapter":
                count += db.session.scalar(
                    select(func.count()).select_from(table).where(fk.parent == chapter.id))
    return count


def delete(store, chapter, user):
    """Remove the chapter's file and its book.yaml entry in one commit; return the commit.

    Approved chapters are locked. A chapter with review records (transitions,
    comments) is refused too: deleting its row would lose them.
    """
    book = chapter.book
    _require_manager(user, book)
    check_unlocked(chapter)
    if _workflow_records(chapter):
        raise Invalid(f"chapter {chapter.key} has review records and cannot be deleted")
    repo = store.book(book.slug)
    head = repo.resolve()
    meta = _meta(repo, head)
    meta["chapters"] = [e for e in meta["chapters"] if e.get("id") != chapter.key]
    key, title = chapter.key, chapter.title
    assignees = [u.email for u in chapter.assignees]
    book.chapters.remove(chapter)
    db.session.delete(chapter)
    result = _commit_meta(store, book, user, meta, head, f"Delete chapter {key}: {title}",
                          {chapter.path: None})
    search.remove_chapter(book, key)
    audit.record(audit.CHAPTER_DELETED, user, target=key, book=book, title=title,
                 revision=result.revision, assignees=assignees)
    return result.revision


@dataclass(frozen=True)
class DeletedChapter:
    """A chapter deleted in ``revision``; ``parent`` is the last commit that had it."""

    key: str
    title: str
    path: str
    revision: str
    parent: str
    author: str
    date: str


def deleted_chapters(store, book):
    """Return the chapters deleted from the book and not restored since, newest first."""
    repo = store.book(book.slug)
    head = repo.resolve()
    raw = gitcmd.output(repo.path, ["log", "--diff-filter=D", "--name-only", "--no-renames",
                                    "--format=@%H %P%x09%aI%x09%an", head, "--", "chapters/"])
    present = set(repo.list_files(head, "chapters/")) | {c.path for c in book.chapters}
    found, commit = {}, None
    for line in raw.splitlines():
        if line.startswith("@"):
            commit = line[1:].split("\t")
        elif line.endswith(".md") and line not in present and line not in found:
            found[line] = commit
    result = []
    for path, (ids, date, author) in found.items():
        revision, parent = (ids.split() + [""])[:2]
        if not parent:
            continue
        key = path.removeprefix("chapters/").removesuffix(".md")
        titles = {e.get("id"): e.get("title") for e in _meta(repo, parent)["chapters"]}
        result.append(DeletedChapter(key, titles.get(key) or key, path, revision, parent,
                                     author, date))
    return result


def restore(store, book, key, revision, user):
    """Bring back chapter ``key`` deleted in ``revision``, with its text, at the book's end."""
    _require_manager(user, book)
    check_revision(revision)
    match = next((d for d in deleted_chapters(store, book)
                  if d.key == key and d.revision == revision), None)
    if match is None:
        raise NotFound(f"no deleted chapter {key} at {revision[:10]} in {book.slug}")
    content = store.book(book.slug).load(match.path, match.parent)
    chapter = create_chapter(store, book, key, match.title, [], user, content)  # and indexes
    audit.record(audit.CHAPTER_UNDELETED, user, target=key, book=book, deleted_in=revision)
    return chapter
