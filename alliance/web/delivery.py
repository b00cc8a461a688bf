"""Pages: a book's pre-publication checks, its deliveries, delivering an edition, a delivery.

Checks and deliveries render the book, which takes a while: the request waits for
it (a delivery is a deliberate, occasional act by production staff).
"""
from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..manuscripts import books as svc
from ..production import delivery as delivery_svc
from ..production import editions
from ..production.checks import gate, runner
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..models import Agreement, AgreementBook, AgreementStatus, Delivery
from ..people.permissions import can_check_book, can_deliver, can_see_delivery
from ..production.checks.findings import CheckFailed

bp = Blueprint("delivery", __name__)


def status_label(status):
    """Return the translated name of a check's status."""
    return {"passed": _("Passed"), "failed": _("Failed"), "warnings": _("Warnings"),
            "skipped": _("Not run")}.get(status, status)


@bp.app_context_processor
def helpers():
    """Let pages label check statuses."""
    return {"check_status_label": status_label}


def _checked_book(slug):
    """Return the book if the user may read it (else NotFound) and check it (else Forbidden)."""
    book = svc.readable_book(current_user, slug)
    if not can_check_book(current_user, book):
        raise Forbidden("only the book's editors and production staff check and deliver it")
    return book


def _agreements_for(book):
    """Return the signed agreements covering ``book`` that the user may deliver under."""
    rows = db.session.scalars(select(Agreement).join(AgreementBook)
                              .where(AgreementBook.book_id == book.id,
                                     Agreement.status == AgreementStatus.SIGNED)
                              .order_by(Agreement.number)).all()
    return [a for a in rows if can_deliver(current_user, book, a)]


@bp.get("/books/<slug>/prepub")
@login_required
def checks(slug):
    """The checks page: choose an edition (or the head) and run the checks."""
    book = _checked_book(slug)
    return render_template("delivery/checks.html", book=book, editions=editions.for_book(book),
                           checks=gate.CHECKS, report=None,
                           selected=request.args.get("edition", ""))


@bp.post("/books/<slug>/prepub")
@login_required
def run_checks(slug):
    """Run every check on the chosen edition (or the head) and show each with its findings."""
    book = _checked_book(slug)
    label = request.form.get("edition", "").strip() or None
    report = runner.check_book(book, label)
    return render_template("delivery/checks.html", book=book, editions=editions.for_book(book),
                           checks=gate.CHECKS, report=report, selected=label or "")


@bp.get("/books/<slug>/deliveries")
@login_required
def index(slug):
    """The book's deliveries, newest first, and the form to deliver an edition."""
    book = _checked_book(slug)
    return _index_page(book)


def _index_page(book, refused=None, status=200):
    rows = db.session.scalars(select(Delivery).filter_by(book_id=book.id)
                              .order_by(Delivery.created_at.desc(), Delivery.id.desc())).all()
    return render_template("delivery/index.html", book=book, deliveries=rows,
                           agreements=_agreements_for(book), editions=editions.for_book(book),
                           refused=refused), status


@bp.post("/books/<slug>/deliveries")
@login_required
def create(slug):
    """Build, check and package an edition for an agreement; a failed check refuses it."""
    book = _checked_book(slug)
    agreement = db.session.get(Agreement, request.form.get("agreement", type=int) or 0)
    if agreement is None or agreement not in _agreements_for(book):
        raise NotFound("no such agreement for this book")
    try:
        delivery = delivery_svc.deliver(agreement, book, request.form.get("edition", ""),
                                        current_user)
    except CheckFailed as exc:
        db.session.rollback()
        return _index_page(book, refused=exc.details["report"], status=exc.status)
    except DomainError as exc:
        db.session.rollback()
        flash(_("The delivery was refused: %(reason)s", reason=exc.message))
        return redirect(url_for("delivery.index", slug=book.slug))
    db.session.commit()
    flash(_("Delivery %(id)s is ready.", id=delivery.id))
    return redirect(url_for("delivery.show", delivery_id=delivery.id))


def _visible_delivery(delivery_id):
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or not can_see_delivery(current_user, delivery):
        raise NotFound(f"no delivery {delivery_id}")
    return delivery


@bp.get("/deliveries/<int:delivery_id>")
@login_required
def show(delivery_id):
    """A delivery: its agreement, edition, files with checksums, checks and download."""
    delivery = _visible_delivery(delivery_id)
    return render_template("delivery/show.html", delivery=delivery, book=delivery.book)


@bp.get("/deliveries/<int:delivery_id>/package")
@login_required
def package(delivery_id):
    """Download the delivery's zip."""
    delivery = _visible_delivery(delivery_id)
    path = delivery_svc.package_file(delivery)
    return send_file(path, as_attachment=True, mimetype="application/zip",
                     download_name=path.name)
