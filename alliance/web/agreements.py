"""Pages: publishing agreements (教材出版合作书) and the deliverables dashboard.

Anyone who may read an agreement sees it (publisher staff, admins, its schools'
people); others get 404. Changes are for the publisher's editors and admins
(403 for other readers). A refused change re-renders the agreement page with the
reason, translated, and the status of the refusal.
"""
from datetime import date

from flask import (Blueprint, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from ..production import agreements as svc
from ..errors import AlreadyExists, DomainError, Forbidden, Invalid, NotFound
from ..extensions import db
from ..models import AgreementStatus, Book, DeliverableFormat, Organization, OrgKind
from ..people.permissions import can_manage_agreements, can_read_book
from ..publishing import profiles

bp = Blueprint("agreements", __name__)

STATUS_LABELS = {AgreementStatus.DRAFT: _l("Draft"), AgreementStatus.SIGNED: _l("Signed"),
                 AgreementStatus.FULFILLED: _l("Fulfilled"),
                 AgreementStatus.TERMINATED: _l("Terminated")}
# The button that moves an agreement to each status.
STATUS_ACTIONS = {AgreementStatus.SIGNED: _l("Mark as signed"),
                  AgreementStatus.FULFILLED: _l("Mark as fulfilled"),
                  AgreementStatus.TERMINATED: _l("Terminate")}
FORMAT_LABELS = {DeliverableFormat.PRINT_PDF: _l("Print PDF"),
                 DeliverableFormat.SCREEN_PDF: _l("Screen PDF"),
                 DeliverableFormat.EPUB: _l("EPUB"), DeliverableFormat.DOCX: _l("Word (DOCX)")}
STATE_LABELS = {"delivered": _l("Delivered"), "pending": _l("Pending"),
                "overdue": _l("Overdue")}
# Service refusals by reason, as people read them.
REASONS = {
    "number": _l("Enter the agreement number (at most 64 characters)."),
    "number_taken": _l("Another agreement has this number."),
    "title": _l("Enter the title (at most 300 characters)."),
    "term": _l("The term ends before it starts."),
    "not_school": _l("Only member schools can be parties besides the publisher."),
    "not_publisher": _l("Choose the publisher."),
    "party_exists": _l("This school is already a party."),
    "last_school": _l("A signed agreement keeps at least one school."),
    "book_covered": _l("The agreement already covers this book."),
    "book_not_covered": _l("Add the book to the agreement first."),
    "delivered": _l("Files were already delivered for this; it stays on the agreement."),
    "format": _l("Choose a format."),
    "due_on": _l("Enter the due date."),
    "profile": _l("Choose a trim size (profile) for the PDF."),
    "profile_medium": _l("A print PDF needs a print profile, a screen PDF a screen profile."),
    "profile_unwanted": _l("EPUB and Word files have no trim size; leave the profile empty."),
    "isbn": _l("The ISBN is not a valid ISBN-13."),
    "incomplete": _l("An agreement is signed with at least one school and one deliverable."),
    "undelivered": _l("An agreement is fulfilled only when every deliverable is delivered."),
    "transition": _l("The agreement's status does not allow this change."),
    "closed": _l("This agreement is closed (fulfilled or terminated) and no longer changes."),
    "scan_empty": _l("Choose the PDF scan of the signed agreement."),
    "scan_not_pdf": _l("The file is not a PDF. Upload the scan as a PDF file."),
    "scan_too_large": _l("The file is too large (at most 15 MB)."),
    "date": _l("Enter dates as YYYY-MM-DD."),
}


@bp.app_context_processor
def _labels():
    return {"agreement_status_label": lambda s: STATUS_LABELS.get(s, s),
            "format_label": lambda f: FORMAT_LABELS.get(f, f),
            "delivery_state_label": lambda s: STATE_LABELS.get(s, s)}


@bp.get("/agreements")
@login_required
def index():
    """Every agreement the viewer may read, with its deliverables' status; ?school=ID filters."""
    school_id = request.args.get("school", type=int)
    agreements = svc.readable_agreements(current_user, school_id=school_id)
    today = date.today()
    rows = [(a, d, d.state(today)) for a in agreements for d in a.deliverables]
    totals = {state: sum(1 for *_x, s in rows if s == state) for state in STATE_LABELS}
    schools = _visible_schools()
    return render_template("agreements/index.html", agreements=agreements, rows=rows,
                           totals=totals, schools=schools, school_id=school_id, today=today,
                           manage=can_manage_agreements(current_user))


@bp.route("/agreements/new", methods=["GET", "POST"])
@login_required
def new():
    """The form for a new agreement (publisher editors and admins); creating it shows it."""
    if not can_manage_agreements(current_user):
        raise Forbidden("only the publisher's editors and admins draw up agreements")
    error, status = None, 200
    if request.method == "POST":
        try:
            publisher = _org(request.form.get("publisher", type=int), OrgKind.PUBLISHER)
            chosen = [_org(i, OrgKind.SCHOOL) for i in request.form.getlist("schools", type=int)]
            agreement = svc.create_agreement(current_user, request.form.get("number", ""),
                                             request.form.get("title", ""), publisher, chosen,
                                             **_dates(request.form),
                                             notes=request.form.get("notes", ""))
        except (Invalid, AlreadyExists) as exc:
            db.session.rollback()
            error, status = _reason(exc), exc.status
        else:
            db.session.commit()
            flash(_("Agreement %(number)s was created.", number=agreement.number))
            return redirect(url_for("agreements.show", agreement_id=agreement.id))
    return render_template("agreements/new.html", error=error, form=request.form,
                           publishers=svc.publishers(), schools=svc.schools()), status


@bp.get("/agreements/<int:agreement_id>")
@login_required
def show(agreement_id):
    """One agreement: parties, term, books and deliverables, the signed document."""
    return _page(svc.find_agreement(current_user, agreement_id))


@bp.post("/agreements/<int:agreement_id>/edit")
@login_required
def edit(agreement_id):
    """Change the agreement's number, title, dates and notes."""
    return _act(agreement_id, lambda a: svc.update_agreement(
        a, current_user, number=request.form.get("number", ""),
        title=request.form.get("title", ""), notes=request.form.get("notes", ""),
        **_dates(request.form)), _l("The agreement was saved."))


@bp.post("/agreements/<int:agreement_id>/parties")
@login_required
def add_party(agreement_id):
    """Make a member school a party."""
    return _act(agreement_id, lambda a: svc.add_party(
        a, _org(request.form.get("school", type=int), OrgKind.SCHOOL), current_user),
        _l("The school was added."))


@bp.post("/agreements/<int:agreement_id>/parties/<int:org_id>/remove")
@login_required
def remove_party(agreement_id, org_id):
    """Take a school off the agreement."""
    return _act(agreement_id, lambda a: svc.remove_party(
        a, _org(org_id, OrgKind.SCHOOL), current_user), _l("The school was removed."))


@bp.post("/agreements/<int:agreement_id>/books")
@login_required
def add_book(agreement_id):
    """Cover a book by the agreement."""
    return _act(agreement_id, lambda a: svc.add_book(
        a, _book(request.form.get("book", type=int)), current_user), _l("The book was added."))


@bp.post("/agreements/<int:agreement_id>/books/<int:book_id>/remove")
@login_required
def remove_book(agreement_id, book_id):
    """Stop covering a book (with its deliverables)."""
    return _act(agreement_id, lambda a: svc.remove_book(a, _book(book_id), current_user),
                _l("The book was removed."))


@bp.post("/agreements/<int:agreement_id>/deliverables")
@login_required
def add_deliverable(agreement_id):
    """Add a deliverable: a covered book in a format (and profile) by a due date."""
    form = request.form
    return _act(agreement_id, lambda a: svc.add_deliverable(
        a, _book(form.get("book", type=int)), form.get("format", ""),
        _date(form.get("due_on"), required=True), current_user,
        profile=form.get("profile") or None, isbn_text=form.get("isbn") or None),
        _l("The deliverable was added."))


@bp.post("/agreements/<int:agreement_id>/deliverables/<int:deliverable_id>/remove")
@login_required
def remove_deliverable(agreement_id, deliverable_id):
    """Remove a deliverable that was not delivered."""
    return _act(agreement_id, lambda a: svc.remove_deliverable(
        svc.find_deliverable(a, deliverable_id), current_user), _l("The deliverable was removed."))


@bp.post("/agreements/<int:agreement_id>/status")
@login_required
def status(agreement_id):
    """Move the agreement to another status (signed, fulfilled, terminated)."""
    return _act(agreement_id, lambda a: svc.change_status(
        a, request.form.get("status", ""), current_user), _l("The status was changed."))


@bp.post("/agreements/<int:agreement_id>/scan")
@login_required
def upload_scan(agreement_id):
    """Attach the PDF scan of the signed agreement."""
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    return _act(agreement_id, lambda a: svc.attach_scan(
        a, data, upload.filename if upload else "", current_user,
        current_app.config["EXPORTS"]), _l("The signed document was attached."))


@bp.get("/agreements/<int:agreement_id>/scan")
@login_required
def scan(agreement_id):
    """The signed document, for those who may read the agreement."""
    agreement = svc.find_agreement(current_user, agreement_id)
    path = svc.scan_file(agreement, current_app.config["EXPORTS"])
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=agreement.scan_name or "agreement.pdf")


def _act(agreement_id, change, done):
    agreement = svc.find_agreement(current_user, agreement_id)  # 404 before 403
    if not can_manage_agreements(current_user):
        raise Forbidden("only the publisher's editors and admins change agreements")
    try:
        change(agreement)
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        db.session.rollback()
        return _page(db.session.get(type(agreement), agreement_id), _reason(exc), exc.status)
    db.session.commit()
    flash(str(done))
    return redirect(url_for("agreements.show", agreement_id=agreement_id))


def _page(agreement, error=None, status=200):
    manage = can_manage_agreements(current_user) and not agreement.is_closed
    today = date.today()
    context = {"agreement": agreement, "error": error, "today": today, "manage": manage,
               "moves": [s for s in svc.TRANSITIONS[agreement.status]]
               if can_manage_agreements(current_user) else [],
               "status_actions": STATUS_ACTIONS}
    if manage:
        covered = {b.book_id for b in agreement.books}
        parties = {p.org_id for p in agreement.parties}
        context.update(
            other_schools=[s for s in svc.schools() if s.id not in parties],
            other_books=[b for b in db.session.scalars(select(Book).order_by(Book.title))
                         if b.id not in covered and can_read_book(current_user, b)],
            formats=list(DeliverableFormat), profile_names=profiles.names())
    return render_template("agreements/show.html", **context), status


def _visible_schools():
    # The filter offers only schools the viewer may see agreements of.
    if current_user.is_admin or current_user.org.kind == OrgKind.PUBLISHER:
        return svc.schools()
    return [current_user.org] if current_user.org.kind == OrgKind.SCHOOL else []


def _org(org_id, kind):
    org = db.session.get(Organization, org_id) if org_id else None
    if org is None or org.kind != kind:
        raise Invalid("no such organisation",
                      reason="not_school" if kind == OrgKind.SCHOOL else "not_publisher")
    return org


def _book(book_id):
    book = db.session.get(Book, book_id) if book_id else None
    if book is None or not can_read_book(current_user, book):
        raise Invalid("no such book", reason="book_not_covered")
    return book


def _date(text, required=False):
    text = (text or "").strip()
    if not text:
        if required:
            raise Invalid("a date is required", reason="due_on")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{text!r} is not a date", reason="date") from None


def _dates(form):
    return {name: _date(form.get(name)) for name in ("signed_on", "starts_on", "ends_on")}


def _reason(exc):
    reason = exc.details.get("reason")
    return str(REASONS[reason]) if reason in REASONS else exc.message
