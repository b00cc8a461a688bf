"""Publishing agreements (教材出版合作书): draw them up, change them, sign and close them.

Verb functions check the actor's permission, change rows, record an audit
event and flush; the caller commits. Refusals are DomainErrors whose details
carry a ``reason`` the pages translate (see web/agreements.py).
"""
import hashlib
import io
from datetime import date
from pathlib import Path

import pikepdf
from flask_babel import gettext as _
from sqlalchemy import select

from ..people import audit
from . import isbn
from ..errors import AlreadyExists, DomainError, Forbidden, Invalid, NotFound
from ..extensions import db
from ..names import check_name
from ..models import (Agreement,
                      AgreementBook,
                      AgreementParty,
                      AgreementStatus,
                      Deliverable,
                      DeliverableFormat,
                      DeliveryStatus,
                      Organization,
                      OrgKind,
                      utcnow)
from ..people.permissions import can_manage_agreements, can_read_agreement
from ..publishing import profiles

S = AgreementStatus
# Allowed status changes. Closed agreements (fulfilled, terminated) never reopen: a new
# agreement (or a supplementary one) is drawn up instead, as on paper.
TRANSITIONS = {
    S.DRAFT: (S.SIGNED, S.TERMINATED),
    S.SIGNED: (S.FULFILLED, S.TERMINATED),
    S.FULFILLED: (),
    S.TERMINATED: (),
}
PDF_FORMATS = {DeliverableFormat.PRINT_PDF: "print", DeliverableFormat.SCREEN_PDF: "screen"}
MAX_SCAN_BYTES = 15 * 1024 * 1024  # under the request limit (16 MB) with room for the form
SCAN_FOLDER = "agreements"         # under app.config["EXPORTS"]
EDITABLE_FIELDS = ("number", "title", "signed_on", "starts_on", "ends_on", "notes")


class AgreementStateError(DomainError):
    """The agreement's status does not allow this change; the message names the status."""

    code = "invalid_transition"
    status = 409


# -- finding -----------------------------------------------------------------------------

def find_agreement(user, agreement_id):
    """Return the agreement if ``user`` may read it; NotFound otherwise (it may not exist
    or belong to other schools: the answer does not say which)."""
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or not can_read_agreement(user, agreement):
        raise NotFound(f"no agreement {agreement_id}")
    return agreement


def readable_agreements(user, school_id=None):
    """Return the agreements ``user`` may read, by number, optionally only one school's."""
    query = select(Agreement).order_by(Agreement.number)
    if school_id is not None:
        query = query.where(Agreement.parties.any(AgreementParty.org_id == school_id))
    return [a for a in db.session.scalars(query) if can_read_agreement(user, a)]


def find_deliverable(agreement, deliverable_id):
    """Return the deliverable ``deliverable_id`` of ``agreement``; NotFound for any other."""
    for deliverable in agreement.deliverables:
        if deliverable.id == deliverable_id:
            return deliverable
    raise NotFound(f"agreement {agreement.number} has no deliverable {deliverable_id}")


# -- drawing up --------------------------------------------------------------------------

def create_agreement(actor, number, title, publisher, schools, **fields):
    """Create a draft agreement between ``publisher`` and ``schools`` (Organizations).

    ``fields``: signed_on, starts_on, ends_on (dates or None), notes. Forbidden
    unless the actor manages agreements; AlreadyExists for a taken number.
    """
    _require_manager(actor)
    if publisher is None or publisher.kind != OrgKind.PUBLISHER:
        raise Invalid("the publisher party must be a publisher", reason="not_publisher")
    agreement = Agreement(number="", title="", publisher=publisher, created_by=actor)
    _apply(agreement, {"number": number, "title": title, **fields})
    db.session.add(agreement)
    for school in schools:
        _add_school(agreement, school)
    db.session.flush()
    audit.record(audit.AGREEMENT_CREATED, actor, agreement.number, number=agreement.number,
                 schools=[s.name for s in agreement.schools])
    return agreement


def update_agreement(agreement, actor, **fields):
    """Change number, title, dates or notes of an open agreement; Invalid names the field."""
    _require_open(agreement, actor)
    _apply(agreement, fields)
    _changed(agreement, actor, "details", fields=sorted(fields))


def add_party(agreement, school, actor):
    """Make ``school`` a party; AlreadyExists when it is one."""
    _require_open(agreement, actor)
    _add_school(agreement, school)
    _changed(agreement, actor, "party_added", school=school.name)


def remove_party(agreement, school, actor):
    """Take ``school`` off the agreement; a signed agreement keeps at least one school."""
    _require_open(agreement, actor)
    party = next((p for p in agreement.parties if p.org_id == school.id), None)
    if party is None:
        raise NotFound(f"{school.name} is not a party to {agreement.number}")
    if agreement.status != S.DRAFT and len(agreement.parties) == 1:
        raise Invalid("a signed agreement keeps at least one school", reason="last_school")
    agreement.parties.remove(party)
    _changed(agreement, actor, "party_removed", school=school.name)


def add_book(agreement, book, actor):
    """Cover ``book`` by the agreement; AlreadyExists when it is covered."""
    _require_open(agreement, actor)
    if any(b.book_id == book.id for b in agreement.books):
        raise AlreadyExists(f"{agreement.number} already covers {book.slug}",
                            reason="book_covered")
    agreement.books.append(AgreementBook(book=book))
    _changed(agreement, actor, "book_added", slug=book.slug)


def remove_book(agreement, book, actor):
    """Stop covering ``book``, with its deliverables; refused once one was delivered."""
    _require_open(agreement, actor)
    entry = next((b for b in agreement.books if b.book_id == book.id), None)
    if entry is None:
        raise NotFound(f"{agreement.number} does not cover {book.slug}")
    ours = [d for d in agreement.deliverables if d.book_id == book.id]
    if any(d.delivered_at for d in ours):
        raise Invalid(f"{book.slug} has delivered files under {agreement.number}",
                      reason="delivered")
    for deliverable in ours:
        agreement.deliverables.remove(deliverable)
    agreement.books.remove(entry)
    _changed(agreement, actor, "book_removed", slug=book.slug)


def add_deliverable(agreement, book, fmt, due_on, actor, profile=None, isbn_text=None):
    """Add a deliverable: ``book`` (covered by the agreement) in format ``fmt`` by ``due_on``.

    PDFs need a profile of their medium (16k-print for print, a4-screen for
    screen); EPUB and DOCX have none. The ISBN, if given, must be a valid
    ISBN-13 and is stored normalized.
    """
    _require_open(agreement, actor)
    if not any(b.book_id == book.id for b in agreement.books):
        raise Invalid(f"{agreement.number} does not cover {book.slug}", reason="book_not_covered")
    try:
        fmt = DeliverableFormat(fmt)
    except ValueError:
        raise Invalid(f"unknown format {fmt!r}", reason="format") from None
    if not isinstance(due_on, date):
        raise Invalid("a deliverable needs a due date", reason="due_on")
    deliverable = Deliverable(book=book, format=fmt, due_on=due_on,
                              profile=_profile_for(fmt, profile), isbn=_isbn(isbn_text))
    agreement.deliverables.append(deliverable)
    db.session.flush()
    _changed(agreement, actor, "deliverable_added", slug=book.slug, format=fmt.value,
             profile=deliverable.profile, due_on=due_on.isoformat())
    return deliverable


def remove_deliverable(deliverable, actor):
    """Remove a deliverable that was not delivered."""
    agreement = deliverable.agreement
    _require_open(agreement, actor)
    if deliverable.delivered_at is not None:
        raise Invalid("a delivered deliverable stays on the agreement", reason="delivered")
    agreement.deliverables.remove(deliverable)
    _changed(agreement, actor, "deliverable_removed", slug=deliverable.book.slug,
             format=deliverable.format.value)


def mark_delivered(deliverables, delivery, actor=None):
    """Record that ``delivery`` (a READY Delivery) hands over ``deliverables``.

    For the delivery service: each deliverable must be of the delivery's
    agreement and book, and not delivered before.
    """
    db.session.flush()  # a new delivery gets its ids
    if delivery.status != DeliveryStatus.READY:
        raise Invalid("only a ready delivery delivers", reason="delivery_not_ready")
    for deliverable in deliverables:
        if (deliverable.agreement_id != delivery.agreement_id
                or deliverable.book_id != delivery.book_id):
            raise Invalid("a delivery covers its own agreement's and book's deliverables only",
                          reason="wrong_delivery")
        if deliverable.delivered_at is not None:
            raise Invalid("this deliverable was delivered already", reason="delivered")
        deliverable.delivery = delivery
        deliverable.delivered_at = utcnow()
    db.session.flush()
    _changed(delivery.agreement, actor, "delivered", delivery=delivery.id,
             deliverables=[d.id for d in deliverables])


# -- status --------------------------------------------------------------------------------

def change_status(agreement, status, actor, today=None):
    """Move the agreement to ``status`` if TRANSITIONS allow it.

    Signing needs at least one school and one deliverable, and records today as
    the signing date when none was set. Fulfilment needs every deliverable
    delivered. AgreementStateError for a move the status does not allow.
    """
    _require_manager(actor)
    try:
        status = AgreementStatus(status)
    except ValueError:
        raise Invalid(f"unknown status {status!r}", reason="status") from None
    old = agreement.status
    if status not in TRANSITIONS[old]:
        raise AgreementStateError(f"agreement {agreement.number} is {old.value}; it cannot "
                                  f"become {status.value}", reason="transition",
                                  status=old.value, to=status.value)
    if status == S.SIGNED:
        if not agreement.parties or not agreement.deliverables:
            raise Invalid("an agreement is signed with at least one school and one deliverable",
                          reason="incomplete")
        agreement.signed_on = agreement.signed_on or today or date.today()
    if status == S.FULFILLED and any(d.delivered_at is None for d in agreement.deliverables):
        raise Invalid("an agreement is fulfilled when every deliverable is delivered",
                      reason="undelivered")
    agreement.status = status
    agreement.updated_at = utcnow()
    db.session.flush()
    audit.record(audit.AGREEMENT_STATUS, actor, agreement.number, number=agreement.number,
                 old=old.value, new=status.value)


# -- the signed document -------------------------------------------------------------------

def attach_scan(agreement, data, filename, actor, exports_root):
    """Keep ``data`` (bytes) as the signed document of the agreement.

    It must be a PDF by content (starts with %PDF- and pikepdf opens it) and
    at most MAX_SCAN_BYTES. Stored under EXPORTS/agreements/<id>/ named by its
    sha256; earlier scans stay on disk (a rolled-back request must not lose
    the file the database still names).
    """
    _require_manager(actor)
    if agreement.is_closed:
        raise AgreementStateError(f"agreement {agreement.number} is {agreement.status.value}",
                                  reason="closed", status=agreement.status.value)
    check_pdf(data)
    digest = hashlib.sha256(data).hexdigest()
    relative = f"{SCAN_FOLDER}/{agreement.id}/scan-{digest[:16]}.pdf"
    target = Path(exports_root) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(target)
    agreement.scan_path, agreement.scan_sha256, agreement.scan_bytes = relative, digest, len(data)
    agreement.scan_name = Path(filename or "scan.pdf").name[:200] or "scan.pdf"
    agreement.updated_at = utcnow()
    db.session.flush()
    audit.record(audit.AGREEMENT_SCAN, actor, agreement.number, number=agreement.number,
                 sha256=digest, bytes=len(data))


def check_pdf(data):
    """Invalid unless ``data`` is a PDF of at most MAX_SCAN_BYTES that pikepdf can open."""
    if not data:
        raise Invalid("the file is empty", reason="scan_empty")
    if len(data) > MAX_SCAN_BYTES:
        raise Invalid(f"the file is larger than {MAX_SCAN_BYTES // (1024 * 1024)} MB",
                      reason="scan_too_large")
    if not data.startswith(b"%PDF-"):
        raise Invalid("the file is not a PDF", reason="scan_not_pdf")
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) == 0:
                raise Invalid("the PDF has no pages", reason="scan_not_pdf")
    except pikepdf.PdfError:
        raise Invalid("the file is not a readable PDF", reason="scan_not_pdf") from None


def scan_file(agreement, exports_root):
    """Return the path of the agreement's signed document; NotFound when there is none."""
    if not agreement.scan_path:
        raise NotFound(f"agreement {agreement.number} has no signed document")
    root = Path(exports_root).resolve()
    path = (root / agreement.scan_path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound(f"the signed document of {agreement.number} is missing")
    return path


# -- helpers -------------------------------------------------------------------------------

def _require_manager(actor):
    if not can_manage_agreements(actor):
        raise Forbidden("only the publisher's editors and admins manage agreements")


def _require_open(agreement, actor):
    _require_manager(actor)
    if agreement.is_closed:
        raise AgreementStateError(f"agreement {agreement.number} is {agreement.status.value} "
                                  "and no longer changes", reason="closed",
                                  status=agreement.status.value)


def _add_school(agreement, school):
    if school is None or school.kind != OrgKind.SCHOOL:
        raise Invalid("the parties besides the publisher are member schools",
                      reason="not_school")
    if any(p.org_id == school.id for p in agreement.parties):
        raise AlreadyExists(f"{school.name} is already a party", reason="party_exists")
    agreement.parties.append(AgreementParty(org=school))


def _apply(agreement, fields):
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise Invalid(f"unknown fields: {', '.join(sorted(unknown))}", reason="fields")
    if "number" in fields:
        number = check_name(fields["number"], _("agreement number"))
        if not number or len(number) > 64:
            raise Invalid("the agreement number is required (at most 64 characters)",
                          reason="number")
        taken = db.session.scalar(select(Agreement.id).where(Agreement.number == number))
        if taken is not None and taken != agreement.id:
            raise AlreadyExists(f"agreement number {number} is taken", reason="number_taken")
        agreement.number = number
    if "title" in fields:
        title = check_name(fields["title"], _("agreement title"))
        if not title or len(title) > 300:
            raise Invalid("the title is required (at most 300 characters)", reason="title")
        agreement.title = title
    for name in ("signed_on", "starts_on", "ends_on"):
        if name in fields:
            if fields[name] is not None and not isinstance(fields[name], date):
                raise Invalid(f"{name} must be a date", reason=name)
            setattr(agreement, name, fields[name])
    if "notes" in fields:
        agreement.notes = (fields["notes"] or "")[:10_000]
    if agreement.starts_on and agreement.ends_on and agreement.ends_on < agreement.starts_on:
        raise Invalid("the term ends before it starts", reason="term")
    agreement.updated_at = utcnow()


def _profile_for(fmt, name):
    medium = PDF_FORMATS.get(fmt)
    if medium is None:
        if name:
            raise Invalid(f"{fmt.value} has no profile", reason="profile_unwanted")
        return None
    try:
        profile = profiles.get(name or "")
    except Invalid as exc:
        raise Invalid(exc.message, reason="profile") from None
    if profile.medium != medium:
        raise Invalid(f"a {fmt.value} deliverable needs a {medium} profile, not {name}",
                      reason="profile_medium")
    return profile.name


def _isbn(text):
    if not (text or "").strip():
        return None
    try:
        return isbn.validate(text)
    except Invalid as exc:
        raise Invalid(exc.message, reason="isbn") from None


def _changed(agreement, actor, change, **details):
    agreement.updated_at = utcnow()
    db.session.flush()
    audit.record(audit.AGREEMENT_CHANGED, actor, agreement.number, number=agreement.number,
                 change=change, **details)


def schools():
    """Return every member school, by name (the choices for a party)."""
    return db.session.scalars(select(Organization).where(Organization.kind == OrgKind.SCHOOL)
                              .order_by(Organization.name)).all()


def publishers():
    """Return every publisher organisation, by name."""
    return db.session.scalars(select(Organization).where(Organization.kind == OrgKind.PUBLISHER)
                              .order_by(Organization.name)).all()
