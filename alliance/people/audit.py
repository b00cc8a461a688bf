"""The audit log: services record events here; admins read them. Flushes, never commits."""
from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent

# Actions recorded, by name. Keep names stable: they are filtered on and exported.
LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGOUT = "logout"
SESSIONS_ENDED = "sessions_ended"
ROLE_ADDED = "role_added"
ROLE_REMOVED = "role_removed"
TOKEN_CREATED = "token_created"
TOKEN_REVOKED = "token_revoked"
USER_CREATED = "user_created"
USER_DEACTIVATED = "user_deactivated"
USER_REACTIVATED = "user_reactivated"
PASSWORD_CHANGED = "password_changed"
PASSWORD_RESET = "password_reset"
ORG_CREATED = "org_created"
CHAPTER_ASSIGNED = "chapter_assigned"
LOCALE_CHANGED = "locale_changed"
CHAPTER_SUBMITTED = "chapter_submitted"
STAGE_APPROVED = "stage_approved"
CHAPTER_APPROVED = "chapter_approved"
CHANGES_REQUESTED = "changes_requested"
CHAPTER_REOPENED = "chapter_reopened"
COMMENT_ADDED = "comment_added"
COMMENT_RESOLVED = "comment_resolved"
REVIEW_STAGES_CHANGED = "review_stages_changed"
GIT_PUSH = "git_push"
CHAPTER_CREATED = "chapter_created"
CHAPTER_RENAMED = "chapter_renamed"
CHAPTER_MOVED = "chapter_moved"
CHAPTER_DELETED = "chapter_deleted"
CHAPTER_UNDELETED = "chapter_undeleted"
IMAGE_UPLOADED = "image_uploaded"
WORD_IMPORTED = "word_imported"
CHAPTER_RESTORED = "chapter_restored"
AGREEMENT_CREATED = "agreement_created"
AGREEMENT_CHANGED = "agreement_changed"
AGREEMENT_STATUS = "agreement_status"
AGREEMENT_SCAN = "agreement_scan"


def record(action, actor=None, target="", book=None, address=None, **details):
    """Add an audit event and return it; the caller's transaction commits it."""
    event = AuditEvent(action=action, actor=actor, target=str(target)[:300], book=book,
                       address=address, details=details)
    db.session.add(event)
    db.session.flush()
    return event


def recent(limit=200, action=None):
    """Return the newest events first, optionally only those of one ``action``."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query).all()
