"""Authoring services: character-level diffs for Chinese text, merge proposals, restore.

Chinese has no spaces between words, so a word diff is a sentence diff; the
diffs here compare characters within changed lines. Everything that reaches a
page is escaped here, and only the <del>/<ins>/<span> markup this module adds
is trusted.
"""
import difflib
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import select

from ..people import audit
from .books import check_unlocked, person, read_chapter, record_change
from ..errors import Forbidden
from ..extensions import db
from ..publishing.nesting import check_nesting
from ..models import PushedCommit, User
from ..people.permissions import can_edit_chapter

# A line pair is compared by characters only when the lines are alike enough;
# otherwise the old line is shown deleted and the new one inserted, whole.
SIMILAR = 0.4
# Lines git merge-file writes around the two sides of a conflict.
_MARKERS = (re.compile(r"^<{7}( |$)", re.M), re.compile(r"^={7}$", re.M),
            re.compile(r"^>{7}( |$)", re.M))


def normalize_newlines(text):
    """Return ``text`` with CRLF and CR line ends made LF (browsers send forms with CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def char_diff(old, new):
    """Return the character-level difference of two texts as (old_html, new_html) Markup.

    Characters only in ``old`` are wrapped in <del>, characters only in ``new``
    in <ins>; everything is HTML-escaped.
    """
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    left, right = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            left.append(escape(old[i1:i2]))
            right.append(escape(new[j1:j2]))
            continue
        if i2 > i1:
            left.append(Markup("<del>%s</del>") % old[i1:i2])
        if j2 > j1:
            right.append(Markup("<ins>%s</ins>") % new[j1:j2])
    return Markup("").join(left), Markup("").join(right)


@dataclass(frozen=True)
class Row:
    """One row of a side-by-side diff: line numbers (None for none) and the two cells."""

    kind: str  # equal, change, delete, insert
    old_no: int | None
    old_html: Markup
    new_no: int | None
    new_html: Markup


def side_by_side(old, new):
    """Return the rows of a side-by-side, line-level diff of ``old`` and ``new``.

    Lines that changed are paired and highlighted by character; lines only on
    one side stand against an empty cell. Cells are escaped Markup.
    """
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    rows = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows += [Row("equal", i + 1, escape(old_lines[i]), j + 1, escape(new_lines[j]))
                     for i, j in zip(range(i1, i2), range(j1, j2))]
        else:
            rows += _changed_rows(old_lines, i1, i2, new_lines, j1, j2)
    return rows


def _changed_rows(old_lines, i1, i2, new_lines, j1, j2):
    rows, empty = [], Markup("")
    for k in range(max(i2 - i1, j2 - j1)):
        i, j = i1 + k, j1 + k
        old_line = old_lines[i] if i < i2 else None
        new_line = new_lines[j] if j < j2 else None
        if old_line is None:
            rows.append(Row("insert", None, empty, j + 1,
                            Markup("<ins>%s</ins>") % new_line))
        elif new_line is None:
            rows.append(Row("delete", i + 1, Markup("<del>%s</del>") % old_line, None, empty))
        elif difflib.SequenceMatcher(None, old_line, new_line).ratio() >= SIMILAR:
            old_html, new_html = char_diff(old_line, new_line)
            rows.append(Row("change", i + 1, old_html, j + 1, new_html))
        else:
            rows.append(Row("change", i + 1, Markup("<del>%s</del>") % old_line, j + 1,
                            Markup("<ins>%s</ins>") % new_line))
    return rows


def merge_proposal(base, mine, theirs, labels=("mine", "base", "theirs")):
    """Return a text holding both versions: agreed parts once, each conflict as git markers.

    Made by ``git merge-file`` from the three texts (str); the person edits the
    marked passages and removes the markers before saving.
    """
    with tempfile.TemporaryDirectory(prefix="alliance-proposal-") as tmp:
        names = []
        for label, text in (("mine", mine), ("base", base), ("theirs", theirs)):
            names.append(os.path.join(tmp, label))
            with open(names[-1], "w", encoding="utf-8") as handle:
                handle.write(text)
        args = ["git", "merge-file", "-p"]
        for label in labels:
            args += ["-L", label]
        proc = subprocess.run([*args, "--", *names], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, check=False)
    if proc.returncode < 0 or proc.returncode > 127:
        # merge-file failed outright: fall back to both texts whole, mine first.
        return f"{mine}\n\n{theirs}"
    return proc.stdout.decode("utf-8", "replace")


def has_conflict_markers(text):
    """Return True when ``text`` still has the three kinds of lines a merge proposal marks."""
    return all(marker.search(text) for marker in _MARKERS)


def pushers_of(book, revisions):
    """Return {revision: User} for those of ``revisions`` an editor pushed for their author."""
    ids = [r.revision for r in revisions]
    if not ids:
        return {}
    rows = db.session.scalars(select(PushedCommit).where(
        PushedCommit.book_id == book.id, PushedCommit.revision.in_(ids))).all()
    return {row.revision: row.pusher for row in rows}


def authors_by_email(revisions):
    """Return {email: User} for the authors of ``revisions`` that are users here."""
    emails = {r.email for r in revisions}
    if not emails:
        return {}
    users = db.session.scalars(select(User).where(User.email.in_(emails))).all()
    return {u.email: u for u in users}


def restore_chapter(store, chapter, user, rev):
    """Make the chapter's text what it was at ``rev``, as a new revision by ``user``.

    Forbidden unless ``user`` may edit it, ChapterLocked when approved; an
    invalid or foreign ``rev`` raises the store's InvalidRevision, a revision
    without the chapter FileNotFound. Returns the store's SaveResult
    (``changed`` False when the text already was that).
    """
    if not can_edit_chapter(user, chapter):
        raise Forbidden(f"you may not edit chapter {chapter.key}")
    check_unlocked(chapter)
    old = read_chapter(store, chapter, rev)  # validates rev and that the chapter was there
    check_nesting(old.content)  # saved before depth was bounded: flatten it by hand instead
    message = f"Restore {chapter.title} to revision {old.head[:10]}"
    result = store.book(chapter.book.slug).restore(chapter.path, old.head, person(user),
                                                   message)
    if result.changed:
        record_change(chapter, result.revision, user)
        audit.record(audit.CHAPTER_RESTORED, user, target=chapter.key, book=chapter.book,
                     revision=old.head, new_revision=result.revision)
    return result
