"""Export jobs and editions (issue 6). Owned by the publishing area.

An ExportJob is a row that a worker (the app's own pool, or `alliance worker` on a
Redis queue) moves from queued to done or failed, committing its progress as the
chapters render, so any web process can show it. An Edition is an approved commit
tagged ``refs/tags/edition/<label>`` with the job that built its files.
"""
import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .core import Book, User, _enum, utcnow

__all__ = ["JobState", "ExportJob", "Edition"]


class JobState(str, enum.Enum):
    """Where an export job is."""

    QUEUED = "queued"    #: created and handed to a runner; nobody works on it yet
    RUNNING = "running"  #: a worker renders it; ``progress`` and ``message`` move
    DONE = "done"        #: every artifact and the manifest are written; ``artifacts`` lists them
    FAILED = "failed"    #: a render failed or the worker died; ``error`` says why


class ExportJob(db.Model):
    __tablename__ = "export_job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, url-safe
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    formats: Mapped[list] = mapped_column(JSON, default=list)
    rev: Mapped[str | None] = mapped_column(String(40))     # as asked for (None: head)
    commit: Mapped[str] = mapped_column(String(40))         # what is built
    profile: Mapped[str] = mapped_column(String(32))
    proof: Mapped[bool] = mapped_column(default=True)
    state: Mapped[JobState] = mapped_column(_enum(JobState), default=JobState.QUEUED)
    progress: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str] = mapped_column(String(300), default="")
    error: Mapped[str | None] = mapped_column(Text)
    artifacts: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]  # last progress write: a silent running job is dead

    book: Mapped[Book] = relationship()
    requested_by: Mapped[User | None] = relationship()


class Edition(db.Model):
    __table_args__ = (UniqueConstraint("book_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id"))
    label: Mapped[str] = mapped_column(String(64))
    commit: Mapped[str] = mapped_column(String(40))
    tag: Mapped[str] = mapped_column(String(200))  # refs/tags/edition/<label>
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    job_id: Mapped[str | None] = mapped_column(ForeignKey("export_job.id"))

    book: Mapped[Book] = relationship()
    created_by: Mapped[User | None] = relationship()
    job: Mapped[ExportJob | None] = relationship()
