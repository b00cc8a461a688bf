"""``alliance check``: every book repository is sound, and the database agrees with Git.

Git is the truth for content. Writes land in Git first and are recorded in the
database after, so a crash or two racing saves can leave the database behind:
the chapter's recorded revision is then not the last commit that changed its
file. ``repair`` sets it from Git. What Git cannot tell (a recorded revision
that is not in the repository at all, a broken repository) is only reported.
"""
from dataclasses import dataclass

from sqlalchemy import select

from ..errors import Invalid
from ..extensions import db
from ..manuscripts import outline
from ..models import Book
from ..publishing import bookmeta
from ..store import FileNotFound, InvalidRevision
from ..store.gitcmd import GitFailed, run


@dataclass
class Finding:
    """One disagreement or fault in a book; ``repaired`` when --repair fixed it."""

    book: str
    message: str
    repaired: bool = False

    def __str__(self):
        return f"{self.book}: {self.message}" + (" (repaired)" if self.repaired else "")


def check(store, repair=False):
    """Return the findings for every book and repository; with ``repair``, fix what Git can.

    Repairs are flushed, never committed: the caller commits.
    """
    books = {b.slug: b for b in db.session.scalars(select(Book).order_by(Book.slug))}
    findings = [Finding(slug, "a repository with no book in the database")
                for slug in store.slugs() if slug not in books]
    for slug, book in books.items():
        if not store.exists(slug):
            findings.append(Finding(slug, "the book has no repository"))
            continue
        findings += _check_book(store.book(slug), book, repair)
    db.session.flush()
    return findings


def _check_book(repo, book, repair):
    findings = []
    try:
        run(repo.path, ["fsck", "--strict", "--no-progress", "--no-dangling"])
    except GitFailed as exc:
        findings.append(Finding(book.slug, f"git fsck --strict failed: {exc.stderr.strip()}"))
    head = repo.head()
    if head is None:
        return findings + [Finding(book.slug, "the repository has no main branch")]
    if book.head_revision and not _exists(repo, book.head_revision):
        findings.append(Finding(book.slug, f"the book's head revision {book.head_revision} "
                                           "is not in the repository", repair))
        if repair:
            book.head_revision = head
    for chapter in book.chapters:
        findings += _check_chapter(repo, book, chapter, head, repair)
    return findings + _check_outline(repo, book, head, repair)


def _check_outline(repo, book, head, repair):
    """Titles and order in the database against book.yaml at ``head``."""
    try:
        meta = bookmeta.parse(repo.load("book.yaml", head))
    except (Invalid, FileNotFound):
        return [Finding(book.slug, "book.yaml on main cannot be read")]
    findings = [Finding(book.slug, f"{what}: the database says “{ours}”, book.yaml says "
                                   f"“{theirs}”", repair)
                for what, ours, theirs in outline.differences(book, meta)]
    if findings and repair:
        outline.follow(book, meta)
    return findings


def _check_chapter(repo, book, chapter, head, repair):
    findings = []
    if chapter.approved_revision and not _exists(repo, chapter.approved_revision):
        findings.append(Finding(book.slug, f"chapter {chapter.key}: approved revision "
                                           f"{chapter.approved_revision} is not in the repository"))
    last = repo.last_change(chapter.path, head) if repo.blob_id(chapter.path, head) else None
    if last is None:
        return findings + [Finding(book.slug, f"chapter {chapter.key}: {chapter.path} "
                                              "does not exist on main")]
    if chapter.revision != last:
        findings.append(Finding(
            book.slug, f"chapter {chapter.key}: the database records revision "
                       f"{chapter.revision}, but the last change to {chapter.path} on main is "
                       f"{last}", repair))
        if repair:
            chapter.revision = last
    return findings


def _exists(repo, rev):
    try:
        repo.resolve(rev)
    except InvalidRevision:
        return False
    return True
