"""The review workflow: states, stages and transitions. Raises domain errors, never HTTP.

States (models.ChapterState) and what moves between them::

    draft --submit--> submitted (stage 1) --approve--> in_review (stage 2) --approve--> ...
        ... --approve (last stage)--> approved --reopen--> draft
    submitted / in_review --request_changes--> draft

``Chapter.review_stage`` is the stage (1..n) a chapter waits at while submitted or in
review: ``submitted`` means no stage of this round has passed yet, ``in_review`` that
at least one has.

What is approved is what was reviewed. A round reviews one revision: the one
submitted (``round_revision``). While a chapter is submitted or in review its text
cannot change (books.check_unlocked refuses saves, restores and imports; the push
gate refuses pushes), every pass names the revision its reviewer saw and is refused
(StaleRevision) when that is not the round's, or when the chapter has changed since
anyway. The final approval pins the round's revision (approved_revision and the
Git ref refs/approved/<key>) and locks the chapter. Reopening keeps the pin, so the
last approved text stays exportable and reachable until the next approval moves it.
"""
from flask_babel import gettext as _
from sqlalchemy import select

from ..people import audit
from . import notifications
from ..errors import DomainError, Forbidden, Invalid
from ..extensions import db
from ..names import check_name
from ..models import BookRole, ChapterState, ReviewPolicy, ReviewStage, Transition
from ..people.permissions import (can_manage_book,
                                  can_pass_stage,
                                  can_reopen_chapter,
                                  can_submit_chapter)

DEFAULT_STAGES = ("初审", "复审", "终审")
MAX_STAGES = 10
SUBMIT, APPROVE, REQUEST_CHANGES, REOPEN = "submit", "approve", "request_changes", "reopen"
ACTIONS = (SUBMIT, APPROVE, REQUEST_CHANGES, REOPEN)
REVIEWING = (ChapterState.SUBMITTED, ChapterState.IN_REVIEW)
MAX_COMMENT = 10_000


class InvalidTransition(DomainError):
    """The action does not fit the chapter's current state; the message names the state."""

    code = "invalid_transition"
    status = 409


class StaleRevision(DomainError):
    """A pass names a revision other than the one under review; details name both."""

    code = "stale"
    status = 409


def pin_ref(chapter):
    """Return the Git ref that keeps the chapter's approved revision reachable."""
    return f"refs/approved/{chapter.key}"


def stages(book):
    """Return the book's review stages in order; the defaults (初审, 复审, 终审) if none are set.

    Default stages are unsaved ReviewStage objects with nobody assigned.
    """
    rows = db.session.scalars(select(ReviewStage).filter_by(book_id=book.id)
                              .order_by(ReviewStage.position)).all()
    return rows or [ReviewStage(book_id=book.id, position=i, name=name)
                    for i, name in enumerate(DEFAULT_STAGES, 1)]


def same_reviewer_allowed(book):
    """Return True when one person may pass several stages of one chapter's round."""
    policy = db.session.get(ReviewPolicy, book.id)
    return bool(policy and policy.same_reviewer_allowed)


def configure_stages(book, entries, allow_same_reviewer, actor):
    """Replace the book's stages by ``entries`` [(name, reviewer or None)], in order.

    Reviewers must be editors of the book. Forbidden unless ``actor`` manages the
    book; Invalid when a name is missing or a chapter waits at a stage that would vanish.
    """
    if not can_manage_book(actor, book):
        raise Forbidden("only the book's editors may configure its review stages")
    entries = [(check_name(name, _("stage name")), reviewer) for name, reviewer in entries]
    if not 1 <= len(entries) <= MAX_STAGES or any(not n or len(n) > 100 for n, _r in entries):
        raise Invalid(f"a book needs 1 to {MAX_STAGES} review stages, each with a name")
    editors = {m.user_id for m in book.members if m.role == BookRole.EDITOR}
    if any(r is not None and r.id not in editors for _n, r in entries):
        raise Invalid("every stage's reviewer must be an editor of the book")
    if any(c.state in REVIEWING and c.review_stage > len(entries) for c in book.chapters):
        raise Invalid("a chapter is waiting at a stage that would be removed")
    for row in db.session.scalars(select(ReviewStage).filter_by(book_id=book.id)):
        db.session.delete(row)
    db.session.flush()
    for position, (name, reviewer) in enumerate(entries, 1):
        db.session.add(ReviewStage(book_id=book.id, position=position, name=name,
                                   reviewer=reviewer))
    policy = db.session.get(ReviewPolicy, book.id) or ReviewPolicy(book_id=book.id)
    policy.same_reviewer_allowed = bool(allow_same_reviewer)
    db.session.add(policy)
    db.session.flush()
    audit.record(audit.REVIEW_STAGES_CHANGED, actor, target=book.slug, book=book,
                 stages=[[n, r.email if r else None] for n, r in entries],
                 same_reviewer_allowed=bool(allow_same_reviewer))


def current_stage(chapter):
    """Return the ReviewStage the chapter waits at, or None when it is not in review."""
    if chapter.state not in REVIEWING or not chapter.review_stage:
        return None
    return stages(chapter.book)[chapter.review_stage - 1]


def describe_state(chapter):
    """Return the chapter's state in English words, with the stage when in review."""
    stage = current_stage(chapter)
    if stage is not None:
        return f"{chapter.state.value} (waiting at stage {stage.position}, {stage.name})"
    return chapter.state.value


def transitions(chapter):
    """Return the chapter's transitions, oldest first."""
    return db.session.scalars(select(Transition).filter_by(chapter_id=chapter.id)
                              .order_by(Transition.id)).all()


def _round(chapter):
    """Return the transitions since the last submit (the current review round)."""
    rows = transitions(chapter)
    starts = [i for i, t in enumerate(rows) if t.action == SUBMIT]
    return rows[starts[-1]:] if starts else []


def shown_revision(chapter):
    """Return the revision a reviewer reads: as submitted while in review, as approved when
    approved, else the latest."""
    if chapter.state == ChapterState.APPROVED and chapter.approved_revision:
        return chapter.approved_revision
    return round_revision(chapter) or chapter.revision


def round_revision(chapter):
    """Return the revision this review round reviews (the one submitted); None out of review."""
    if chapter.state not in REVIEWING:
        return None
    submitted = [t.revision for t in _round(chapter)[:1] if t.revision]
    return submitted[0] if submitted else chapter.revision


def act(store, chapter, user, action, comment="", revision=None):
    """Apply ``action`` (submit, approve, request_changes, reopen) as ``user``; return the
    Transition. ``revision`` is the one the person saw (required sense for approve: see
    ``approve``). Invalid for an unknown action; see each verb for the rest."""
    verbs = {SUBMIT: submit, APPROVE: approve, REQUEST_CHANGES: request_changes,
             REOPEN: reopen}
    if action not in verbs:
        raise Invalid(f"action must be one of {', '.join(ACTIONS)}")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid(f"a comment has at most {MAX_COMMENT} characters")
    if action == APPROVE:
        return approve(store, chapter, user, comment, revision)
    return verbs[action](store, chapter, user, comment)


def submit(store, chapter, user, comment=""):
    """Hand a draft in for review at the first stage (assigned authors, their coordinators)."""
    if not can_submit_chapter(user, chapter):
        raise Forbidden(f"only the authors of chapter {chapter.key} or their coordinator "
                        "may submit it")
    _require(chapter, SUBMIT, ChapterState.DRAFT)
    chapter.state, chapter.review_stage = ChapterState.SUBMITTED, 1
    return _record(chapter, user, SUBMIT, ChapterState.DRAFT, None, comment)


def approve(store, chapter, user, comment="", revision=None):
    """Pass the current stage (its reviewer only) for ``revision``, the one its reviewer saw.

    ``revision`` None means the round's revision (callers with no page, like the demo).
    StaleRevision when ``revision`` is not the round's, or the chapter's text has changed
    since it was submitted. The last stage approves, pins the round's revision and locks.
    """
    stage = _reviewer_check(chapter, user, APPROVE)
    passed = {t.actor_id for t in _round(chapter) if t.action == APPROVE}
    if user.id in passed and not same_reviewer_allowed(chapter.book):
        raise Forbidden(f"you already passed a stage of this round of chapter {chapter.key}; "
                        f"another editor must pass {stage.name}")
    reviewed = _check_reviewed(chapter, revision)
    before = chapter.state
    if stage.position == len(stages(chapter.book)):
        # Git first: the pin exists before the database says the chapter is approved.
        store.book(chapter.book.slug).set_ref(pin_ref(chapter), reviewed)
        chapter.state, chapter.review_stage = ChapterState.APPROVED, None
        chapter.approved_revision = reviewed
    else:
        chapter.state, chapter.review_stage = ChapterState.IN_REVIEW, stage.position + 1
    return _record(chapter, user, APPROVE, before, stage, comment, reviewed)


def _check_reviewed(chapter, seen):
    """Return the round's revision if ``seen`` is it and the text is still it; else refuse."""
    reviewed = round_revision(chapter)
    if seen is not None and seen != reviewed:
        raise StaleRevision(
            f"you reviewed revision {(seen or '')[:10]}, but the revision under review is "
            f"{reviewed[:10]}: read it again before passing the stage",
            seen=seen, current=reviewed)
    if chapter.revision != reviewed:
        raise StaleRevision(
            f"chapter {chapter.key} has changed since it was submitted (submitted "
            f"{reviewed[:10]}, now {chapter.revision[:10]}): no stage has read the new text; "
            "request changes so that it is submitted again", seen=reviewed,
            current=chapter.revision)
    return reviewed


def request_changes(store, chapter, user, comment=""):
    """Send the chapter back to draft from the current stage (its reviewer only)."""
    stage = _reviewer_check(chapter, user, REQUEST_CHANGES)
    before = chapter.state
    chapter.state, chapter.review_stage = ChapterState.DRAFT, None
    return _record(chapter, user, REQUEST_CHANGES, before, stage, comment)


def reopen(store, chapter, user, comment=""):
    """Unlock an approved chapter as a draft (editors); its pin stays until the next approval."""
    if not can_reopen_chapter(user, chapter):
        raise Forbidden(f"only editors of {chapter.book.slug} may reopen a chapter")
    _require(chapter, REOPEN, ChapterState.APPROVED)
    chapter.state, chapter.review_stage = ChapterState.DRAFT, None
    return _record(chapter, user, REOPEN, ChapterState.APPROVED, None, comment)


def _require(chapter, action, *states):
    if chapter.state not in states:
        raise InvalidTransition(
            f"cannot {action.replace('_', ' ')} chapter {chapter.key}: "
            f"it is {describe_state(chapter)}", state=chapter.state.value)


def _reviewer_check(chapter, user, action):
    """Return the current stage if ``user`` may act on it; Forbidden or InvalidTransition."""
    stage = current_stage(chapter)
    if stage is None:
        # Not in review: only someone who could review hears that the state is wrong.
        if not can_pass_stage(user, chapter.book, None):
            raise Forbidden(f"only the reviewers of {chapter.book.slug} may review chapters")
        _require(chapter, action, *REVIEWING)
    if not can_pass_stage(user, chapter.book, stage.reviewer):
        who = stage.reviewer.name if stage.reviewer else "an editor of the book"
        raise Forbidden(f"only {who} may review chapter {chapter.key} at {stage.name}")
    return stage


_AUDIT_ACTIONS = {SUBMIT: audit.CHAPTER_SUBMITTED, REQUEST_CHANGES: audit.CHANGES_REQUESTED,
                  REOPEN: audit.CHAPTER_REOPENED}


def _record(chapter, user, action, before, stage, comment, revision=None):
    """Write the transition row and its audit event, then tell the people concerned.

    ``revision`` is the one the action concerns (a pass: the revision passed); the
    chapter's latest by default."""
    row = Transition(chapter=chapter, action=action, from_state=before.value,
                     to_state=chapter.state.value, stage=stage.position if stage else None,
                     stage_name=stage.name if stage else None, actor=user,
                     revision=revision or chapter.revision, comment=comment)
    db.session.add(row)
    db.session.flush()
    name = _AUDIT_ACTIONS.get(action) or (
        audit.CHAPTER_APPROVED if chapter.state == ChapterState.APPROVED
        else audit.STAGE_APPROVED)
    audit.record(name, user, target=chapter.key, book=chapter.book, revision=row.revision,
                 stage=row.stage_name, state=row.to_state, comment=comment)
    notifications.on_transition(row, current_stage(chapter))
    return row
