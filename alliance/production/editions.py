"""Editions: an approved commit of a book, tagged and built for print and e-book.

An edition label is 1 to 40 characters: letters, digits or CJK ideographs, with
``-``, ``_`` and ``.`` between them (never ``..``, never a ``.`` at either end), e.g.
``2026-1``, ``v1.0`` or ``第1版第1次印刷``. It becomes the annotated tag
``refs/tags/edition/<label>`` on the commit, which never moves, so rebuilding
from the tag reads the same text. Services flush; the caller commits, then
submits the edition's job (jobs.submit).

Service API for other areas (delivery packages):
    create_edition(book, label, user, store=None) -> Edition (its .job queued)
    get(book, label) -> Edition (NotFound)
    for_book(book) -> [Edition], newest first
"""
import re

from sqlalchemy import select

from ..people import audit
from . import jobs
from ..manuscripts.books import person
from ..errors import AlreadyExists, Forbidden, Invalid, NotFound
from ..extensions import db, manuscript_store
from ..models import Edition
from ..people.permissions import can_create_edition
from ..publishing import export

EDITION_CREATED = "edition_created"
EDITION_FORMATS = ("pdf", "epub")
_LABEL = re.compile(r"[0-9A-Za-z\u4e00-\u9fff](?:[0-9A-Za-z\u4e00-\u9fff._-]{0,38}"
                    r"[0-9A-Za-z\u4e00-\u9fff_-])?")


def check_label(label):
    """Return ``label`` stripped if it is a valid edition label; Invalid saying why not."""
    label = (label or "").strip() if isinstance(label, str) else ""
    if not _LABEL.fullmatch(label) or ".." in label or label.endswith(".lock"):
        raise Invalid("an edition label has 1 to 40 letters, digits or Chinese characters, "
                      "with - _ . between them, e.g. 2026-1 or 第1版第1次印刷")
    return label


def tag_name(label):
    """Return the tag of an edition below refs/tags/: ``edition/<label>``."""
    return f"edition/{label}"


def create_edition(book, label, user, store=None):
    """Tag the head of ``book`` as edition ``label`` and queue its pdf (the book's print
    profile) and epub build; return the Edition.

    Forbidden unless ``user`` may create editions; Invalid for a bad label or when a
    chapter is not approved at the head (an edition is never a proof); AlreadyExists
    for a label in use. Git first (the tag), then the rows; flushes.
    """
    if not can_create_edition(user, book):
        raise Forbidden("only the book's production staff and admins may create editions")
    label = check_label(label)
    store = store or manuscript_store()
    repo = store.book(book.slug)
    if db.session.scalar(select(Edition).filter_by(book_id=book.id, label=label)) \
            or tag_name(label) in repo.tags():
        raise AlreadyExists(f"edition {label} of this book already exists")
    commit = repo.resolve()
    if export.needs_proof(repo, commit, book.chapters):
        raise Invalid("every chapter must be approved (and unchanged since) before an "
                      "edition can be made")
    repo.tag(tag_name(label), commit, f"Edition {label} of {book.title}", person(user))
    job = jobs.queue_export(store, book, user, list(EDITION_FORMATS), commit)
    edition = Edition(book=book, label=label, commit=commit, tag=f"refs/tags/{tag_name(label)}",
                      created_by=user, job=job)
    db.session.add(edition)
    audit.record(EDITION_CREATED, user, target=label, book=book, commit=commit, job=job.id)
    db.session.flush()
    return edition


def get(book, label):
    """Return edition ``label`` of ``book``; NotFound otherwise."""
    edition = db.session.scalar(select(Edition).filter_by(book_id=book.id, label=label))
    if edition is None:
        raise NotFound(f"no edition {label} of this book")
    return edition


def for_book(book):
    """Return the book's editions, newest first."""
    return db.session.scalars(select(Edition).filter_by(book_id=book.id)
                              .order_by(Edition.created_at.desc(), Edition.id.desc())).all()
