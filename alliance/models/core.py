"""SQLAlchemy models: organisations, people, books, their members and chapters.

Content lives in Git; these rows hold the workflow and remember which commit
each chapter was last changed in.
"""
import enum
import hashlib
from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import JSON, Column, Enum, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db


def utcnow():
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def _enum(cls):
    # Store the value ("school"), not the member name, so the database reads well.
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class OrgKind(str, enum.Enum):
    """What an organisation is in the alliance."""

    SCHOOL = "school"        #: a member cadre school; its teachers write chapters
    PUBLISHER = "publisher"  #: the publisher; its editors review, its production builds


class BookRole(str, enum.Enum):
    """A person's role on one book."""

    AUTHOR = "author"            #: edits the chapters assigned to them
    COORDINATOR = "coordinator"  #: a school's lead: manages its authors' chapters
    EDITOR = "editor"            #: publisher side: reviews and manages the book
    PRODUCTION = "production"    #: builds exports and editions


class ChapterState(str, enum.Enum):
    """Where a chapter is in the review workflow."""

    DRAFT = "draft"          #: being written; authors may save
    SUBMITTED = "submitted"  #: handed in for review, waiting for the first stage
    IN_REVIEW = "in_review"  #: at review stage ``Chapter.review_stage``
    APPROVED = "approved"    #: passed every stage; pinned and locked against saves


class Organization(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrgKind] = mapped_column(_enum(OrgKind))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users: Mapped[list["User"]] = relationship(back_populates="org")


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of every session's user id (get_id): raising it ends every session made before.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    org: Mapped[Organization] = relationship(back_populates="users")
    memberships: Mapped[list["BookMember"]] = relationship(back_populates="user")

    def get_id(self):
        """Return what a session keeps to find the user again: "<id>:<session epoch>"."""
        return f"{self.id}:{self.session_epoch or 0}"

    @property
    def is_active(self):
        """Deactivated people cannot log in or use their tokens."""
        return self.active

    def set_password(self, password):
        """Store a salted scrypt hash of ``password``; the password itself is never kept."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        """Return True when ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)


class ApiToken(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(token):
        """Return the stored form of a token: tokens are random, so sha256 suffices."""
        return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Book(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    lead_org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    head_revision: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lead_org: Mapped[Organization] = relationship()
    members: Mapped[list["BookMember"]] = relationship(back_populates="book",
                                                       cascade="all, delete-orphan")
    chapters: Mapped[list["Chapter"]] = relationship(back_populates="book",
                                                     order_by="Chapter.position",
                                                     cascade="all, delete-orphan")


class BookMember(db.Model):
    __table_args__ = (UniqueConstraint("book_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    role: Mapped[BookRole] = mapped_column(_enum(BookRole))

    book: Mapped[Book] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="memberships")


chapter_assignee = Table(
    "chapter_assignee", db.Model.metadata,
    Column("chapter_id", ForeignKey("chapter.id"), primary_key=True),
    Column("user_id", ForeignKey("user.id"), primary_key=True),
)


class Chapter(db.Model):
    __table_args__ = (UniqueConstraint("book_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id"))
    key: Mapped[str] = mapped_column(String(64))  # the chapter id in URLs and the API
    title: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    state: Mapped[ChapterState] = mapped_column(_enum(ChapterState), default=ChapterState.DRAFT)
    review_stage: Mapped[int | None]
    revision: Mapped[str | None] = mapped_column(String(40))  # last commit changing the file
    approved_revision: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    book: Mapped[Book] = relationship(back_populates="chapters")
    assignees: Mapped[list[User]] = relationship(secondary=chapter_assignee)
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])


class AuditEvent(db.Model):
    """Something security- or workflow-relevant that happened: who, what, to what, from where."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(300), default="")
    book_id: Mapped[int | None] = mapped_column(ForeignKey("book.id"))
    address: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()
    book: Mapped[Book | None] = relationship()


class PushedCommit(db.Model):
    """A commit an editor pushed on someone else's behalf: its author is not the pusher.

    Git keeps the commit's author as written; the history shows the pusher beside it.
    """

    book_id: Mapped[int] = mapped_column(ForeignKey("book.id"), primary_key=True)
    revision: Mapped[str] = mapped_column(String(40), primary_key=True)
    pusher_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    pusher: Mapped[User] = relationship()
