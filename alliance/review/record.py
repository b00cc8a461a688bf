"""The review record of a book: for each chapter, its approved revision and who passed each stage.

Read from the workflow's Transition rows: the approvals of the round that ended
in the chapter's approval (the rows since its last submit).
"""
from . import workflow
from ..models import ChapterState


def approvals(chapter):
    """Return {stage position: Transition} for the approvals of the chapter's last round."""
    rows = workflow.transitions(chapter)
    starts = [i for i, t in enumerate(rows) if t.action == workflow.SUBMIT]
    last_round = rows[starts[-1]:] if starts else []
    return {t.stage: t for t in last_round if t.action == workflow.APPROVE and t.stage}


def missing_stages(chapter):
    """Return the names of the book's stages the chapter's last round did not pass."""
    passed = approvals(chapter)
    return [s.name for s in workflow.stages(chapter.book) if s.position not in passed]


def chapter_record(chapter):
    """Return JSON-ready data: the chapter, its state, approved revision and each stage's pass."""
    passed = approvals(chapter) if chapter.state == ChapterState.APPROVED else {}
    stages = []
    for stage in workflow.stages(chapter.book):
        row = passed.get(stage.position)
        stages.append({"position": stage.position, "stage": stage.name,
                       "reviewer": row.actor.name if row else None,
                       "email": row.actor.email if row else None,
                       "at": row.created_at.isoformat(timespec="seconds") if row else None,
                       "revision": row.revision if row else None,
                       "comment": row.comment if row else ""})
    return {"chapter": chapter.key, "title": chapter.title, "path": chapter.path,
            "state": chapter.state.value, "approved_revision": chapter.approved_revision,
            "stages": stages}


def book_record(book, keys=None):
    """Return the records of the book's chapters (only ``keys``, in that order, when given)."""
    chapters = {c.key: c for c in book.chapters}
    order = keys if keys is not None else [c.key for c in book.chapters]
    return [chapter_record(chapters[k]) for k in order if k in chapters]


def as_text(book, records, header=()):
    """Return the record as plain text a person can read (Chinese stage names, UTF-8)."""
    lines = [f"审稿记录 Review record: {book.title} ({book.slug})", *header, ""]
    for rec in records:
        lines.append(f"{rec['chapter']}  {rec['title']}")
        lines.append(f"  approved revision 定稿版本: {rec['approved_revision'] or '-'}")
        for st in rec["stages"]:
            who = f"{st['reviewer']} <{st['email']}>  {st['at']}" if st["reviewer"] else "-"
            lines.append(f"  {st['stage']}: {who}")
        lines.append("")
    return "\n".join(lines)
