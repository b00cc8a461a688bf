"""A chapter's timeline, a book's audit log (page and CSV), its progress, its review stages."""
import csv
import io
import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from ..people import audit
from ..manuscripts import books as svc
from ..review import progress, workflow
from ..errors import Forbidden
from ..extensions import db, manuscript_store
from ..models import AuditEvent, BookRole, User
from ..people.permissions import can_read_book_audit
from .pages import state_label
from .audit import ACTION_LABELS, details_text, event_time

bp = Blueprint("timeline", __name__)

LABELS = {**ACTION_LABELS,
          audit.CHAPTER_SUBMITTED: _l("Chapter submitted"),
          audit.STAGE_APPROVED: _l("Stage approved"),
          audit.CHAPTER_APPROVED: _l("Chapter approved"),
          audit.CHANGES_REQUESTED: _l("Changes requested"),
          audit.CHAPTER_REOPENED: _l("Chapter reopened"),
          audit.COMMENT_ADDED: _l("Comment added"),
          audit.COMMENT_RESOLVED: _l("Comment resolved"),
          audit.REVIEW_STAGES_CHANGED: _l("Review stages changed")}
PAGE_LIMIT, EXPORT_LIMIT = 500, 100_000


@bp.app_context_processor
def helpers():
    """Let the book page ask whether to show the links to stages and the audit log."""
    return {"review_may_manage": lambda book: can_read_book_audit(current_user, book)}


def label(action):
    """Return the translated label of an audit action."""
    return str(LABELS.get(action, action))


@bp.get("/books/<slug>/chapters/<key>/timeline")
@login_required
def chapter_timeline(slug, key):
    """Saves, transitions and comments of one chapter, merged by time."""
    book = svc.readable_book(current_user, slug)
    chapter = svc.find_chapter(book, key)
    events = progress.timeline(manuscript_store(), chapter)
    return render_template("review/timeline.html", book=book, chapter=chapter, events=events)


def _audited_book(slug):
    book = svc.readable_book(current_user, slug)
    if not can_read_book_audit(current_user, book):
        raise Forbidden("only the book's editors may read its audit log")
    return book


def _filters():
    return {name: request.args.get(name, "").strip() for name in ("action", "person", "chapter")}


def book_events(book, action, person, chapter, limit):
    """Return up to ``limit`` of the book's events, newest first, filtered by action name,
    part of the actor's e-mail, and chapter key."""
    query = (select(AuditEvent).outerjoin(User, AuditEvent.actor_id == User.id)
             .where(AuditEvent.book_id == book.id).order_by(AuditEvent.id.desc()).limit(limit))
    if action:
        query = query.where(AuditEvent.action == action)
    if person:
        query = query.where(User.email.contains(person.lower(), autoescape=True))
    if chapter:
        query = query.where(AuditEvent.target == chapter)
    return db.session.scalars(query).all()


@bp.get("/books/<slug>/audit")
@login_required
def book_audit(slug):
    """The book's audit log for its editors, filtered by ?action=, ?person=, ?chapter=."""
    book = _audited_book(slug)
    filters = _filters()
    return render_template("review/audit.html", book=book, filters=filters,
                           events=book_events(book, *filters.values(), PAGE_LIMIT),
                           actions=LABELS, label=label, event_time=event_time,
                           details_text=details_text, limit=PAGE_LIMIT)


def _cell(value):
    # Cells starting with = + - @ are formulas to spreadsheets: quote them to stay text.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/books/<slug>/audit.csv")
@login_required
def book_audit_csv(slug):
    """The filtered audit log as CSV, UTF-8 with a BOM so spreadsheets read the Chinese."""
    book = _audited_book(slug)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["time", "actor", "actor_name", "action", "action_label", "chapter",
                     "revision", "details"])
    for event in book_events(book, *_filters().values(), EXPORT_LIMIT):
        writer.writerow([_cell(v) for v in (
            event_time(event), event.actor.email if event.actor else "",
            event.actor.name if event.actor else "", event.action, label(event.action),
            event.target, (event.details or {}).get("revision") or "",
            json.dumps(event.details or {}, ensure_ascii=False))])
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename={book.slug}-audit.csv"})


@bp.get("/books/<slug>/progress")
@login_required
def book_progress(slug):
    """Chapters by state and school, and a chart of states per day."""
    book = svc.readable_book(current_user, slug)
    rows, totals = progress.board(book)
    labels = {s: state_label(s) for s in progress.STATES}
    labels["title"] = _("Chapters by state, per day")
    chart = progress.chart_svg(progress.daily_counts(book), labels)
    return render_template("review/progress.html", book=book, rows=rows, totals=totals,
                           states=progress.STATES, chart=chart)


@bp.route("/books/<slug>/stages", methods=["GET", "POST"])
@login_required
def stages(slug):
    """The book's review stages and their reviewers, for its editors to change."""
    book = _audited_book(slug)
    editors = svc.members_with_role(book, BookRole.EDITOR)
    if request.method == "POST":
        by_id = {str(u.id): u for u in editors}
        names = request.form.getlist("name")
        reviewers = request.form.getlist("reviewer")
        entries = [(name, by_id.get(reviewer)) for name, reviewer in zip(names, reviewers)
                   if name.strip()]
        workflow.configure_stages(book, entries, request.form.get("same_reviewer") == "on",
                                  current_user)
        db.session.commit()
        flash(_("The review stages were saved."))
        return redirect(url_for("timeline.stages", slug=book.slug))
    return render_template("review/stages.html", book=book, stages=workflow.stages(book),
                           editors=editors, same=workflow.same_reviewer_allowed(book))
