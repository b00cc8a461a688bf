"""Services for books and chapters: Git first, then SQL. They flush; the caller commits.

A write makes the commit and moves main through the store, then records the
commit id in the database, so the database never points at a commit that does
not exist. ``alliance check`` repairs the other direction.
"""
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..people import audit
from ..publishing import bookmeta
from . import search
from ..errors import AlreadyExists, ChapterInReview, ChapterLocked, Forbidden, Invalid, NotFound
from ..extensions import db
from ..models import Book, BookMember, BookRole, Chapter, ChapterState, utcnow
from ..names import check_name
from ..publishing.nesting import check_nesting
from ..people.permissions import can_assign_chapter, can_edit_chapter, can_read_book
from ..store import Person, check_slug, InvalidSlug

_CHAPTER_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")
TITLE_MAX = 300  # books and chapters (the columns' length)

# Every page view and save runs these. Built once with bound parameters, SQLAlchemy
# reuses their compiled form without walking a new statement each time (0.2 ms
# against 0.5 ms a query).
_BOOK_BY_SLUG = select(Book).where(Book.slug == bindparam("slug"))
_CHAPTER_BY_KEY = select(Chapter).where(Chapter.book_id == bindparam("book_id"),
                                        Chapter.key == bindparam("key"))
# A save's two UPDATEs, written directly: 0.14 ms against 1 ms through the unit of work.
_CHAPTER_CHANGED = (update(Chapter.__table__)
                    .where(Chapter.__table__.c.id == bindparam("chapter_id"))
                    .values(revision=bindparam("revision"), updated_at=bindparam("at"),
                            updated_by_id=bindparam("user_id")))
_BOOK_HEAD = (update(Book.__table__).where(Book.__table__.c.id == bindparam("book_id"))
              .values(head_revision=bindparam("revision")))


def person(user):
    """Return the Git author for ``user``."""
    return Person(user.name, user.email)


def create_book(store, slug, title, lead_org, creator):
    """Create the book's repository (first commit: book.yaml) and its row."""
    try:
        check_slug(slug)
    except InvalidSlug as exc:
        raise Invalid(str(exc)) from None
    title = check_name(title, _("book title"), TITLE_MAX)
    if not title:
        raise Invalid("a book needs a title")
    if db.session.scalar(select(Book).filter_by(slug=slug)) or store.exists(slug):
        raise AlreadyExists(f"a book called {slug} already exists")
    repo = store.create(slug, {"book.yaml": bookmeta.dump(bookmeta.new(title))},
                        person(creator), f"Create book {title}")
    book = Book(slug=slug, title=title, lead_org=lead_org, head_revision=repo.head())
    db.session.add(book)
    db.session.flush()
    return book


def find_book(slug):
    """Return the book with ``slug``; NotFound otherwise."""
    book = db.session.scalar(_BOOK_BY_SLUG, {"slug": slug})
    if book is None:
        raise NotFound(f"no book called {slug}")
    return book


def readable_book(user, slug):
    """Return the book if ``user`` may read it; NotFound otherwise, so nothing leaks."""
    book = find_book(slug)
    if not can_read_book(user, book):
        raise NotFound(f"no book called {slug}")
    return book


def visible_books(user):
    """Return the books ``user`` may read, by title."""
    books = db.session.scalars(select(Book).order_by(Book.title)).all()
    return [b for b in books if can_read_book(user, b)]


def _role(role):
    try:
        return BookRole(role)
    except ValueError:
        raise Invalid(f"role must be one of {', '.join(r.value for r in BookRole)}") from None


def add_member(book, user, role, actor=None):
    """Give ``user`` ``role`` on ``book``; adding a role twice is harmless (and not recorded)."""
    role = _role(role)
    member = db.session.scalar(select(BookMember).filter_by(book=book, user=user, role=role))
    if member is None:
        member = BookMember(book=book, user=user, role=role)
        db.session.add(member)
        db.session.flush()
        audit.record(audit.ROLE_ADDED, actor, target=user.email, book=book, role=role.value)
    return member


def remove_member(book, user, role, actor):
    """Take ``role`` on ``book`` away from ``user``; NotFound if they do not hold it.

    An author who leaves is also taken off the book's chapters, so assignees
    stay authors. The last editor cannot be removed: the book would have no one
    to manage it but the admins.
    """
    role = _role(role)
    member = db.session.scalar(select(BookMember).filter_by(book=book, user=user, role=role))
    if member is None:
        raise NotFound(f"{user.email} is not {role.value} of {book.slug}")
    if role == BookRole.EDITOR and len(members_with_role(book, BookRole.EDITOR)) == 1:
        raise Invalid("a book needs at least one editor")
    unassigned = []
    if role == BookRole.AUTHOR:
        for chapter in book.chapters:
            if user in chapter.assignees:
                chapter.assignees.remove(user)
                unassigned.append(chapter.key)
    db.session.delete(member)
    db.session.flush()
    audit.record(audit.ROLE_REMOVED, actor, target=user.email, book=book, role=role.value,
                 unassigned=unassigned)


def members_with_role(book, role):
    """Return the users holding ``role`` on ``book``, by name."""
    role = _role(role)
    return sorted((m.user for m in book.members if m.role == role), key=lambda u: u.name)


def find_member(book, member_id):
    """Return the membership ``member_id`` of ``book`` (never of another book); NotFound otherwise."""
    member = db.session.scalar(select(BookMember).filter_by(book=book, id=member_id))
    if member is None:
        raise NotFound(f"no member {member_id} in {book.slug}")
    return member


def set_assignees(chapter, users, actor):
    """Make ``users`` (authors of the book) the chapter's assignees, replacing the old ones.

    Invalid if one of them is not an author of the book; Forbidden unless
    ``actor`` may assign each of them (permissions.can_assign_chapter).
    """
    users = list(dict.fromkeys(users))  # a person chosen twice is one assignee
    authors = members_with_role(chapter.book, BookRole.AUTHOR)
    strangers = [u.email for u in users if u not in authors]
    if strangers:
        raise Invalid(f"not authors of {chapter.book.slug}: {', '.join(strangers)}")
    if not can_assign_chapter(actor, chapter) or not all(
            can_assign_chapter(actor, chapter, u) for u in users):
        raise Forbidden(f"you may not assign chapter {chapter.key} to these authors")
    before = [u.email for u in chapter.assignees]
    if set(chapter.assignees) == set(users):
        return chapter  # nothing changes, nothing to record
    chapter.assignees = users
    db.session.flush()
    audit.record(audit.CHAPTER_ASSIGNED, actor, target=chapter.key, book=chapter.book,
                 before=before, after=[u.email for u in users])
    return chapter


def find_chapter(book, key):
    """Return the chapter ``key`` of ``book`` (never of another book); NotFound otherwise."""
    chapter = db.session.scalar(_CHAPTER_BY_KEY, {"book_id": book.id, "key": key})
    if chapter is None:
        raise NotFound(f"no chapter {key} in {book.slug}")
    # The session holds objects weakly: without this link a caller that kept only the
    # chapter would have the book loaded a second time.
    set_committed_value(chapter, "book", book)
    return chapter


def create_chapter(store, book, key, title, assignees, actor, content=b""):
    """Add chapter ``key`` with its file and its place in book.yaml, in one commit."""
    if not isinstance(key, str) or not _CHAPTER_KEY.fullmatch(key):
        raise Invalid("a chapter id is ASCII letters, digits and '-', at most 64")
    title = check_name(title, _("chapter title"), TITLE_MAX)
    if not title:
        raise Invalid("a chapter needs a title")
    if db.session.scalar(_CHAPTER_BY_KEY, {"book_id": book.id, "key": key}):
        raise AlreadyExists(f"chapter {key} already exists in {book.slug}")
    check_nesting(content.decode("utf-8", "replace"))
    repo = store.book(book.slug)
    head = repo.resolve()
    path = f"chapters/{key}.md"
    meta = bookmeta.add_chapter(bookmeta.parse(repo.load("book.yaml", head)), key, title, path)
    result = repo.save({"book.yaml": bookmeta.dump(meta), path: content}, head,
                       person(actor), f"Add chapter {key}: {title}")
    position = len(book.chapters)
    chapter = Chapter(book=book, key=key, title=title, path=path, position=position,
                      revision=result.revision, updated_at=utcnow(), updated_by=actor,
                      assignees=list(assignees))
    db.session.add(chapter)
    book.head_revision = result.revision
    db.session.flush()
    search.index_chapter(chapter, content.decode("utf-8", "replace"))
    return chapter


@dataclass(frozen=True)
class ChapterText:
    """A chapter's text at a revision, and the last commit that changed it."""

    content: str
    revision: str
    head: str


def read_chapter(store, chapter, rev=None):
    """Return the chapter's text at ``rev`` (default: the book's head)."""
    repo = store.book(chapter.book.slug)
    at = repo.resolve(rev)
    data = repo.load(chapter.path, at)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid(f"chapter {chapter.key} at {at[:10]} is not UTF-8 text") from None
    return ChapterText(text, repo.last_change(chapter.path, at), at)


def check_unlocked(chapter):
    """Refuse any change to the chapter's text while it is approved or under review.

    ChapterLocked when approved (an editor must reopen it); ChapterInReview while
    submitted or in review (its reviewers read exactly the submitted text).
    """
    if chapter.state == ChapterState.APPROVED:
        raise ChapterLocked(f"chapter {chapter.key} is approved and locked; "
                            "an editor must reopen it before it can change")
    if chapter.state in (ChapterState.SUBMITTED, ChapterState.IN_REVIEW):
        raise ChapterInReview(f"chapter {chapter.key} is in review; it can change again "
                              "when its reviewers send it back or after it is reopened")


def save_chapter(store, chapter, user, content, base_revision, message=None):
    """Save the chapter as ``user`` from ``base_revision``; return the store's SaveResult.

    Refuses people who may not edit it (Forbidden), approved chapters (ChapterLocked)
    and chapters in review (ChapterInReview). A conflict propagates as store.Conflict
    with both texts.
    """
    if not can_edit_chapter(user, chapter):
        raise Forbidden(f"you may not edit chapter {chapter.key}")
    check_unlocked(chapter)
    if not isinstance(content, str):
        raise Invalid("content must be text")
    check_nesting(content)
    message = (message or "").strip() or f"Update {chapter.title}"
    result = store.book(chapter.book.slug).save(
        {chapter.path: content.encode("utf-8")}, base_revision, person(user), message)
    if result.changed:
        record_change(chapter, result.revision, user)
    return result


def record_change(chapter, revision, user):
    """Remember in the database that ``revision`` is the chapter's latest change.

    The search index follows when someone next searches (search.refresh). The rows are
    written at once; the loaded chapter and book show the new values as stored.
    """
    at = utcnow()
    db.session.execute(_CHAPTER_CHANGED, {"chapter_id": chapter.id, "revision": revision,
                                          "at": at, "user_id": user.id})
    db.session.execute(_BOOK_HEAD, {"book_id": chapter.book.id, "revision": revision})
    for name, value in (("revision", revision), ("updated_at", at),
                        ("updated_by_id", user.id), ("updated_by", user)):
        set_committed_value(chapter, name, value)
    set_committed_value(chapter.book, "head_revision", revision)
