"""Review workflow tables: stages per book, transitions, comments, last-seen revisions, inbox.

The chapter's current state stays on Chapter (state, review_stage,
approved_revision); these rows are the history and the configuration.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .core import Book, Chapter, User, utcnow


class ReviewStage(db.Model):
    """One review stage of a book (初审, 复审, 终审 ...), in order, with its reviewer if any."""

    __table_args__ = (UniqueConstraint("book_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id"))
    position: Mapped[int]  # 1..n
    name: Mapped[str] = mapped_column(String(100))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    reviewer: Mapped[User | None] = relationship()


class ReviewPolicy(db.Model):
    """Per-book review rules; a book without a row has the defaults."""

    book_id: Mapped[int] = mapped_column(ForeignKey("book.id"), primary_key=True)
    # A small press may have one editor: then one person may pass several stages of a round.
    same_reviewer_allowed: Mapped[bool] = mapped_column(default=False)


class Transition(db.Model):
    """One move of a chapter through the workflow: who, when, at which revision, and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapter.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))  # submit, approve, request_changes, reopen
    from_state: Mapped[str] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    stage: Mapped[int | None]  # the stage acted on (approve, request_changes)
    stage_name: Mapped[str | None] = mapped_column(String(100))
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    revision: Mapped[str | None] = mapped_column(String(40))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    chapter: Mapped[Chapter] = relationship()
    actor: Mapped[User] = relationship()


class Comment(db.Model):
    """A review comment anchored to lines of a revision, or (with parent_id) a reply to one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapter.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    revision: Mapped[str | None] = mapped_column(String(40))  # thread roots only
    line_start: Mapped[int | None]
    line_end: Mapped[int | None]
    anchored_text: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    chapter: Mapped[Chapter] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    replies: Mapped[list["Comment"]] = relationship(order_by="Comment.id")


class ReviewerSeen(db.Model):
    """The last revision of a chapter a person looked at on the review page."""

    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapter.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    revision: Mapped[str] = mapped_column(String(40))


class Notification(db.Model):
    """An inbox entry for one person: what happened (kind), to which chapter, by whom."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id"))
    chapter_id: Mapped[int | None] = mapped_column(ForeignKey("chapter.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    link: Mapped[str] = mapped_column(String(300))  # a path on this site
    excerpt: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    book: Mapped[Book] = relationship()
    chapter: Mapped[Chapter | None] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
