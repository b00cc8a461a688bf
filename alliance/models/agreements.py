"""Publishing agreements (教材出版合作书), their deliverables and deliveries (issue 7).

An agreement binds the publisher and one or more member schools to publish
some books, each in some formats (deliverables) by a due date. A delivery is
one package of a book's files handed over under an agreement; a deliverable
is delivered when a delivery covering it is recorded on it.
"""
import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .core import Book, Organization, User, _enum, utcnow

__all__ = ["Agreement", "AgreementBook", "AgreementParty", "AgreementStatus", "Deliverable",
           "DeliverableFormat", "Delivery", "DeliveryStatus"]


class AgreementStatus(str, enum.Enum):
    """Where an agreement is in its life; the service enforces the allowed moves."""

    DRAFT = "draft"            #: being drawn up; parties, books and deliverables change freely
    SIGNED = "signed"          #: in force; deliverables may still be amended
    FULFILLED = "fulfilled"    #: every deliverable delivered; closed, read-only
    TERMINATED = "terminated"  #: ended or called off before fulfilment; closed, read-only


class DeliverableFormat(str, enum.Enum):
    """The file format a deliverable is handed over in."""

    PRINT_PDF = "print_pdf"    #: PDF for the printer (trim, bleed, marks per the profile)
    SCREEN_PDF = "screen_pdf"  #: PDF for reading on screen
    EPUB = "epub"              #: EPUB 3 e-book
    DOCX = "docx"              #: Word document (for the schools' own editing)


class DeliveryStatus(str, enum.Enum):
    """The outcome of one delivery attempt."""

    PENDING = "pending"  #: being checked and packaged
    READY = "ready"      #: checks passed; the package is built and may be handed over
    BLOCKED = "blocked"  #: pre-publication checks found problems; no package
    FAILED = "failed"    #: the build itself failed (see summary)


class Agreement(db.Model):
    """A textbook publishing agreement between the publisher and member schools."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)  # 合同编号
    title: Mapped[str] = mapped_column(String(300))
    publisher_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    status: Mapped[AgreementStatus] = mapped_column(_enum(AgreementStatus),
                                                    default=AgreementStatus.DRAFT)
    signed_on: Mapped[date | None]
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    # The signed document: a PDF under EXPORTS/agreements/<id>/, path relative to EXPORTS.
    scan_path: Mapped[str | None] = mapped_column(String(300))
    scan_name: Mapped[str | None] = mapped_column(String(200))  # the uploaded file's name
    scan_sha256: Mapped[str | None] = mapped_column(String(64))
    scan_bytes: Mapped[int | None] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None]

    publisher: Mapped[Organization] = relationship(foreign_keys=[publisher_id])
    created_by: Mapped[User | None] = relationship()
    parties: Mapped[list["AgreementParty"]] = relationship(back_populates="agreement",
                                                           cascade="all, delete-orphan")
    books: Mapped[list["AgreementBook"]] = relationship(back_populates="agreement",
                                                        order_by="AgreementBook.id",
                                                        cascade="all, delete-orphan")
    deliverables: Mapped[list["Deliverable"]] = relationship(
        back_populates="agreement", order_by=lambda: (Deliverable.due_on, Deliverable.id),
        cascade="all, delete-orphan")

    @property
    def schools(self):
        """The member schools party to the agreement, by name."""
        return sorted((p.org for p in self.parties), key=lambda o: o.name)

    @property
    def is_closed(self):
        """Fulfilled and terminated agreements no longer change."""
        return self.status in (AgreementStatus.FULFILLED, AgreementStatus.TERMINATED)


class AgreementParty(db.Model):
    """A member school that is party to an agreement (the publisher is Agreement.publisher)."""

    __table_args__ = (UniqueConstraint("agreement_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    org: Mapped[Organization] = relationship()


class AgreementBook(db.Model):
    """A book covered by an agreement."""

    __table_args__ = (UniqueConstraint("agreement_id", "book_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id"), index=True)

    agreement: Mapped[Agreement] = relationship(back_populates="books")
    book: Mapped[Book] = relationship()

    @property
    def deliverables(self):
        """This book's deliverables under the agreement."""
        return [d for d in self.agreement.deliverables if d.book_id == self.book_id]


class Delivery(db.Model):
    """One package of a book's files delivered (or attempted) under an agreement."""

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id"), index=True)
    edition: Mapped[str] = mapped_column(String(100), default="")  # the edition's label
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The package under EXPORTS, path relative to EXPORTS; None until built.
    package_path: Mapped[str | None] = mapped_column(String(500))
    package_sha256: Mapped[str | None] = mapped_column(String(64))
    bytes: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus),
                                                   default=DeliveryStatus.PENDING)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)  # check results, file list

    agreement: Mapped[Agreement] = relationship()
    book: Mapped[Book] = relationship()
    created_by: Mapped[User | None] = relationship()
    deliverables: Mapped[list["Deliverable"]] = relationship(back_populates="delivery")


class Deliverable(db.Model):
    """One book in one format (and, for PDF, one profile) due by a date under an agreement."""

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id"), index=True)
    format: Mapped[DeliverableFormat] = mapped_column(_enum(DeliverableFormat))
    profile: Mapped[str | None] = mapped_column(String(32))  # publishing.profiles name
    isbn: Mapped[str | None] = mapped_column(String(13))     # normalized ISBN-13
    due_on: Mapped[date]
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("delivery.id"))
    delivered_at: Mapped[datetime | None]

    agreement: Mapped[Agreement] = relationship(back_populates="deliverables")
    book: Mapped[Book] = relationship()
    delivery: Mapped[Delivery | None] = relationship(back_populates="deliverables")

    def state(self, today):
        """'delivered', 'overdue' (due before ``today`` and not delivered) or 'pending'."""
        if self.delivered_at is not None:
            return "delivered"
        return "overdue" if self.due_on < today else "pending"
