"""API routes of the review workflow: transitions, comments, a chapter's timeline."""
from flask import g, jsonify

from ..manuscripts import books as svc
from ..review import comments, progress, workflow
from ..extensions import manuscript_store
from ..store import check_revision
from .base import bp
from .books import body, chapter_json, field


def review_json(chapter):
    """Return the chapter as the API shows it, with where it stands in review."""
    stage = workflow.current_stage(chapter)
    return {**chapter_json(chapter), "review_stage": chapter.review_stage,
            "stage": stage.name if stage else None,
            "reviewer": stage.reviewer.email if stage and stage.reviewer else None,
            "approved_revision": chapter.approved_revision}


@bp.post("/books/<slug>/chapters/<key>/review")
def review_chapter(slug, key):
    """Apply a review action (submit, approve with the revision seen, request changes, reopen)."""
    chapter = svc.find_chapter(svc.readable_book(g.user, slug), key)
    data = body()
    revision = field(data, "revision", required=False)
    if revision is not None:
        check_revision(revision)
    workflow.act(manuscript_store(), chapter, g.user, field(data, "action"),
                 field(data, "comment", required=False) or "", revision)
    return jsonify(review_json(chapter))


def comment_json(comment):
    """Return a comment as the API shows it."""
    return {"id": comment.id, "reply_to": comment.parent_id, "author": comment.author.email,
            "revision": comment.revision, "line_start": comment.line_start,
            "line_end": comment.line_end, "anchored_text": comment.anchored_text,
            "body": comment.body, "created_at": comment.created_at.isoformat()}


@bp.post("/books/<slug>/chapters/<key>/comments")
def add_comment(slug, key):
    """Start a comment thread on a line range of a revision, or reply in one (201)."""
    chapter = svc.find_chapter(svc.readable_book(g.user, slug), key)
    data = body()
    reply_to = field(data, "reply_to", int, required=False)
    if reply_to is not None:
        comment = comments.reply(chapter, reply_to, g.user, field(data, "body"))
    else:
        comment = comments.add_comment(manuscript_store(), chapter, g.user,
                                       field(data, "revision"), field(data, "line_start", int),
                                       field(data, "line_end", int), field(data, "body"))
    return jsonify(comment_json(comment)), 201


@bp.get("/books/<slug>/chapters/<key>/timeline")
def chapter_timeline(slug, key):
    """Return the chapter's saves, transitions and comments, oldest first."""
    chapter = svc.find_chapter(svc.readable_book(g.user, slug), key)
    return jsonify([{"time": e.time.isoformat(), "kind": e.kind, "action": e.action,
                     "actor": e.actor, "revision": e.revision, "text": e.text}
                    for e in progress.timeline(manuscript_store(), chapter)])
