"""The audit log for administrators: a filtered list, newest first, and its CSV export."""
import csv
import io
import json
from datetime import timezone

from flask import Blueprint, Response, render_template, request
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from ..people import audit
from ..errors import Forbidden
from ..extensions import db
from ..models import AuditEvent, User

bp = Blueprint("audit", __name__, url_prefix="/admin")

PAGE_LIMIT = 500  # the page shows the newest; the CSV carries up to EXPORT_LIMIT
EXPORT_LIMIT = 100_000

ACTION_LABELS = {
    audit.LOGIN: _l("Logged in"),
    audit.LOGIN_FAILED: _l("Failed login"),
    audit.LOGOUT: _l("Logged out"),
    audit.SESSIONS_ENDED: _l("Signed out everywhere"),
    audit.ROLE_ADDED: _l("Role added"),
    audit.ROLE_REMOVED: _l("Role removed"),
    audit.TOKEN_CREATED: _l("API token created"),
    audit.TOKEN_REVOKED: _l("API token revoked"),
    audit.USER_CREATED: _l("User created"),
    audit.USER_DEACTIVATED: _l("User deactivated"),
    audit.USER_REACTIVATED: _l("User reactivated"),
    audit.PASSWORD_CHANGED: _l("Password changed"),
    audit.PASSWORD_RESET: _l("Password reset"),
    audit.ORG_CREATED: _l("Organisation created"),
    audit.CHAPTER_ASSIGNED: _l("Chapter assigned"),
    audit.LOCALE_CHANGED: _l("Language changed"),
    audit.CHAPTER_RESTORED: _l("Chapter restored"),
}


def action_label(action):
    """Return the translated label of an action name (the name itself if unknown)."""
    return str(ACTION_LABELS.get(action, action))


def event_time(event):
    """Return the event's time as 'yyyy-MM-dd HH:mm:ss' in the app's zone (Asia/Shanghai)."""
    value = event.created_at
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)  # the database keeps UTC without a zone
    return format_datetime(value, "yyyy-MM-dd HH:mm:ss")


def details_text(event):
    """Return the event's details as 'key: value' pairs joined by '; '."""
    return "; ".join(f"{key}: {value}" for key, value in (event.details or {}).items())


def _require_admin():
    if not current_user.is_admin:
        raise Forbidden("only administrators may read the audit log")


def filtered_events(action, actor, limit):
    """Return up to ``limit`` events, newest first, of ``action`` and about ``actor``.

    ``actor`` is part of an e-mail address: it matches the person who acted, or the
    target (a failed login has no actor, only the e-mail that was tried).
    """
    query = (select(AuditEvent).outerjoin(User, AuditEvent.actor_id == User.id)
             .order_by(AuditEvent.id.desc()).limit(limit))
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        pattern = "%" + actor.strip().lower().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        query = query.where(or_(User.email.ilike(pattern, escape="\\"),
                                AuditEvent.target.ilike(pattern, escape="\\")))
    return db.session.scalars(query).all()


def _filters():
    return (request.args.get("action", "").strip(), request.args.get("actor", "").strip())


@bp.get("/audit")
@login_required
def audit_log():
    """Show the audit log to an administrator, filtered by ?action= and ?actor=."""
    _require_admin()
    action, actor = _filters()
    events = filtered_events(action, actor, PAGE_LIMIT)
    return render_template("admin/audit.html", events=events, action=action, actor=actor,
                           actions=ACTION_LABELS, action_label=action_label,
                           event_time=event_time, details_text=details_text,
                           limit=PAGE_LIMIT)


def _cell(value):
    # A cell starting with = + - @ (or a tab/CR) is a formula to Excel: failed logins
    # carry whatever an attacker typed, so such cells are quoted to stay plain text.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/audit.csv")
@login_required
def audit_csv():
    """Export the filtered audit log as CSV, UTF-8 with a BOM so Excel reads the Chinese."""
    _require_admin()
    action, actor = _filters()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["time", "actor", "actor_name", "action", "action_label", "target",
                     "book", "address", "details"])
    for event in filtered_events(action, actor, EXPORT_LIMIT):
        writer.writerow([_cell(v) for v in (
            event_time(event),
            event.actor.email if event.actor else "",
            event.actor.name if event.actor else "",
            event.action,
            action_label(event.action),
            event.target,
            event.book.slug if event.book else "",
            event.address,
            json.dumps(event.details or {}, ensure_ascii=False),
        )])
    return Response(out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": "attachment; filename=audit.csv"})
