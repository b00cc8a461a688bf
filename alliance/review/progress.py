"""Where a book's chapters stand and how they got there: board, chart, timeline.

Everything here is read from the transition history and the store's log; nothing
is stored twice.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from markupsafe import Markup, escape
from sqlalchemy import select

from .comments import threads
from ..extensions import db
from ..models import ChapterState, Comment, Transition
from .workflow import transitions

STATES = [ChapterState.DRAFT, ChapterState.SUBMITTED, ChapterState.IN_REVIEW,
          ChapterState.APPROVED]
# Fill colours per state, as SVG presentation attributes (the CSP blocks style= attributes).
COLORS = {ChapterState.DRAFT: "#8c959f", ChapterState.SUBMITTED: "#54aeff",
          ChapterState.IN_REVIEW: "#d4a72c", ChapterState.APPROVED: "#2da44e"}
MAX_DAYS = 365


def board(book):
    """Return (rows, totals): per school, the chapters in each state; chapters with no
    author count under school None. rows is [(school or None, {state: [chapter]})]."""
    rows = {}
    for chapter in book.chapters:
        schools = sorted({a.org.name for a in chapter.assignees}) or [None]
        for school in schools:
            cells = rows.setdefault(school, {s: [] for s in STATES})
            cells[chapter.state].append(chapter)
    totals = {s: sum(1 for c in book.chapters if c.state == s) for s in STATES}
    ordered = sorted(rows.items(), key=lambda item: (item[0] is None, item[0] or ""))
    return ordered, totals


def _utc(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def daily_counts(book, today=None):
    """Return [(day, {state: count})] from the book's first day (at most MAX_DAYS back) to
    today: each chapter's state at the end of each day, replayed from its transitions."""
    today = today or datetime.now(timezone.utc).date()
    chapter_ids = [c.id for c in book.chapters]
    rows = db.session.scalars(select(Transition).where(Transition.chapter_id.in_(chapter_ids))
                              .order_by(Transition.id)).all() if chapter_ids else []
    first = _utc(book.created_at).date()
    start = max(first, today - timedelta(days=MAX_DAYS - 1))
    state = {cid: ChapterState.DRAFT for cid in chapter_ids}
    series, index = [], 0
    day = start
    while day <= today:
        while index < len(rows) and _utc(rows[index].created_at).date() <= day:
            state[rows[index].chapter_id] = ChapterState(rows[index].to_state)
            index += 1
        series.append((day, {s: sum(1 for v in state.values() if v == s) for s in STATES}))
        day += timedelta(days=1)
    return series


def chart_svg(series, labels, width=640, height=240):
    """Return a stacked-bar SVG of ``series`` (daily_counts); ``labels`` name the states.

    Colours are fill= attributes and the text is escaped, so the SVG is safe inline
    under the page's Content-Security-Policy.
    """
    pad_left, pad_bottom, pad_top = 32, 40, 10
    plot_w, plot_h = width - pad_left - 8, height - pad_bottom - pad_top
    top = max([sum(c.values()) for _d, c in series] + [1])
    bar = plot_w / max(len(series), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="progress-chart" role="img" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">']
    parts.append(f'<title>{escape(labels["title"])}</title>')
    for i, (day, counts) in enumerate(series):
        y = pad_top + plot_h
        for state in STATES:
            h = counts[state] / top * plot_h
            if h:
                y -= h
                parts.append(f'<rect x="{pad_left + i * bar:.1f}" y="{y:.1f}" '
                             f'width="{max(bar - 1, 1):.1f}" height="{h:.1f}" '
                             f'fill="{COLORS[state]}"><title>{day.isoformat()} '
                             f'{escape(labels[state])}: {counts[state]}</title></rect>')
    base = pad_top + plot_h
    parts.append(f'<line x1="{pad_left}" y1="{base}" x2="{width - 8}" y2="{base}" '
                 f'stroke="#57606a"/>')
    parts.append(f'<text x="{pad_left - 4}" y="{pad_top + 10}" text-anchor="end" '
                 f'font-size="11" fill="#57606a">{top}</text>')
    if series:
        for day, x, anchor in ((series[0][0], pad_left, "start"),
                               (series[-1][0], width - 8, "end")):
            parts.append(f'<text x="{x}" y="{base + 14}" text-anchor="{anchor}" '
                         f'font-size="11" fill="#57606a">{day.isoformat()}</text>')
    for i, state in enumerate(STATES):
        x = pad_left + i * 140
        parts.append(f'<rect x="{x}" y="{height - 14}" width="10" height="10" '
                     f'fill="{COLORS[state]}"/><text x="{x + 14}" y="{height - 5}" '
                     f'font-size="11" fill="#1f2328">{escape(labels[state])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass
class Event:
    """One entry of a chapter's timeline."""

    time: datetime
    kind: str  # save, transition, comment
    actor: str
    revision: str | None
    text: str
    action: str = ""


def timeline(store, chapter):
    """Return the chapter's saves (from Git), transitions and comments, oldest first."""
    events = [Event(_utc(r.date), "save", r.author, r.revision, r.message)
              for r in store.book(chapter.book.slug).log(chapter.path)]
    events += [Event(_utc(t.created_at), "transition", t.actor.name, t.revision, t.comment,
                     t.action if not t.stage_name else f"{t.action}:{t.stage_name}")
               for t in transitions(chapter)]
    roots = {c.id: c for c in threads(chapter)}
    for comment in db.session.scalars(select(Comment).filter_by(chapter_id=chapter.id)):
        root = roots.get(comment.parent_id or comment.id)
        events.append(Event(_utc(comment.created_at), "comment", comment.author.name,
                            root.revision if root else None, comment.body,
                            "reply" if comment.parent_id else "comment"))
    return sorted(events, key=lambda e: e.time)
