"""Review comments anchored to lines of a revision, and how they follow later text.

A thread's root remembers the revision, the line range (1-based, inclusive) and
the text of those lines. When the chapter changes, the range is mapped through a
line diff (difflib opcodes): lines inserted or deleted above move it, and if any
of its own lines changed the thread is shown as outdated at its old place.
"""
import difflib
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import select

from ..people import audit
from . import notifications
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db
from ..models import Comment, utcnow
from ..people.permissions import can_comment_chapter

MAX_BODY = 10_000


def lines_of(text):
    """Return the text's lines without their line ends (what line numbers count)."""
    return text.splitlines()


def add_comment(store, chapter, user, revision, line_start, line_end, body):
    """Start a thread on lines ``line_start``..``line_end`` of the chapter at ``revision``."""
    _check_may_comment(chapter, user)
    body = _body(body)
    rev = store.book(chapter.book.slug).resolve(revision)
    lines = lines_of(store.book(chapter.book.slug).load(chapter.path, rev)
                     .decode("utf-8", "replace"))
    if not (isinstance(line_start, int) and isinstance(line_end, int)
            and 1 <= line_start <= line_end <= len(lines)):
        raise Invalid(f"lines must be 1 <= line_start <= line_end <= {len(lines)}")
    comment = Comment(chapter=chapter, author=user, revision=rev, line_start=line_start,
                      line_end=line_end, body=body,
                      anchored_text="\n".join(lines[line_start - 1:line_end]))
    return _added(comment, comment)


def reply(chapter, thread_id, user, body):
    """Add a reply to the thread ``thread_id`` of ``chapter``."""
    _check_may_comment(chapter, user)
    thread = find_thread(chapter, thread_id)
    comment = Comment(chapter=chapter, author=user, parent_id=thread.id, body=_body(body))
    return _added(comment, thread)


def resolve(chapter, thread_id, user):
    """Mark the thread resolved (anyone who may comment); resolving twice changes nothing."""
    _check_may_comment(chapter, user)
    thread = find_thread(chapter, thread_id)
    if thread.resolved_at is None:
        thread.resolved_at, thread.resolved_by = utcnow(), user
        db.session.flush()
        audit.record(audit.COMMENT_RESOLVED, user, target=chapter.key, book=chapter.book,
                     comment_id=thread.id, revision=chapter.revision)
    return thread


def find_thread(chapter, thread_id):
    """Return the root comment ``thread_id`` of ``chapter`` (never of another chapter)."""
    thread = db.session.scalar(select(Comment).filter_by(id=thread_id, chapter_id=chapter.id,
                                                         parent_id=None))
    if thread is None:
        raise NotFound(f"no comment thread {thread_id} on chapter {chapter.key}")
    return thread


def threads(chapter):
    """Return the chapter's thread roots, oldest first (replies hang on each)."""
    return db.session.scalars(select(Comment).filter_by(chapter_id=chapter.id, parent_id=None)
                              .order_by(Comment.id)).all()


def _check_may_comment(chapter, user):
    if not can_comment_chapter(user, chapter):
        raise Forbidden(f"you may not comment on chapter {chapter.key}")


def _body(body):
    body = (body or "").strip() if isinstance(body, str) else ""
    if not body or len(body) > MAX_BODY:
        raise Invalid(f"a comment needs text, at most {MAX_BODY} characters")
    return body


def _added(comment, thread):
    db.session.add(comment)
    db.session.flush()
    audit.record(audit.COMMENT_ADDED, comment.author, target=comment.chapter.key,
                 book=comment.chapter.book, comment_id=comment.id,
                 reply_to=comment.parent_id, revision=thread.revision,
                 lines=[thread.line_start, thread.line_end])
    notifications.on_comment(comment, thread)
    return comment


def reanchor(old_text, new_text, start, end):
    """Map lines ``start``..``end`` (1-based) of ``old_text`` onto ``new_text``.

    Return the new (start, end) when every line of the range is unchanged and
    still together, or None when one of them was changed or deleted (outdated).
    """
    if old_text == new_text:
        return start, end
    matcher = difflib.SequenceMatcher(None, lines_of(old_text), lines_of(new_text),
                                      autojunk=False)
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        if tag == "equal" and i1 <= start - 1 and end <= i2:
            shift = j1 - i1
            return start + shift, end + shift
    return None


@dataclass
class Placed:
    """A thread as placed on the text shown: its line range there, or outdated."""

    thread: Comment
    line_start: int
    line_end: int
    outdated: bool


def place(store, chapter, shown_rev, shown_text):
    """Return every thread of the chapter placed on ``shown_text`` (at ``shown_rev``)."""
    repo = store.book(chapter.book.slug)
    texts = {shown_rev: shown_text}
    placed = []
    for thread in threads(chapter):
        if thread.revision not in texts:
            texts[thread.revision] = repo.load(chapter.path, thread.revision) \
                .decode("utf-8", "replace")
        moved = reanchor(texts[thread.revision], shown_text, thread.line_start,
                         thread.line_end)
        if moved is None:
            placed.append(Placed(thread, thread.line_start, thread.line_end, True))
        else:
            placed.append(Placed(thread, *moved, False))
    return placed


def char_diff_html(old_text, new_text, context=1):
    """Return the changes from ``old_text`` to ``new_text`` as escaped HTML hunks.

    Lines are compared first; within changed lines the comparison is by character,
    which suits Chinese (no spaces between words). Removed text is in <del>, added
    in <ins>; unchanged lines farther than ``context`` from a change are left out.
    """
    old, new = lines_of(old_text), lines_of(new_text)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    hunks = []
    for group in matcher.get_grouped_opcodes(context):
        parts = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                parts.append(escape("\n".join(old[i1:i2])) + Markup("\n"))
            else:
                parts.append(_chars("\n".join(old[i1:i2]), "\n".join(new[j1:j2]))
                             + Markup("\n"))
        hunks.append(Markup("").join(parts))
    return hunks


def _chars(old, new):
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    out = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(escape(old[i1:i2]))
            continue
        if i2 > i1:
            out.append(Markup("<del>%s</del>") % old[i1:i2])
        if j2 > j1:
            out.append(Markup("<ins>%s</ins>") % new[j1:j2])
    return Markup("").join(out)
