"""The book's outline in the database follows book.yaml on main: the book's title, and
each chapter's title and place in the order.

book.yaml is the truth (Git first, then SQL); pages and the API read the database's copy.
Web edits write both at once (chapters.py). A push that changes book.yaml is followed by
``follow`` in the post-receive hook, and ``alliance check`` reports (and repairs) what
still differs.
"""
from ..publishing import bookmeta


def differences(book, meta):
    """Return [(what, in the database, in book.yaml)] where the outline disagrees with ``meta``."""
    found = []
    title = meta.get("title")
    if isinstance(title, str) and title.strip() and title.strip() != book.title:
        found.append(("title", book.title, title.strip()))
    entries = _entries(meta)
    for chapter in book.chapters:
        entry = entries.get(chapter.key)
        if entry is None:
            continue
        position, entry_title = entry
        if entry_title and entry_title != chapter.title:
            found.append((f"chapter {chapter.key} title", chapter.title, entry_title))
        if position != chapter.position:
            found.append((f"chapter {chapter.key} position", chapter.position, position))
    return found


def follow(book, meta):
    """Make the database's outline of ``book`` what ``meta`` (book.yaml) says; flushes nothing.

    Chapters that book.yaml no longer lists keep their rows and go to the end of the order.
    """
    title = meta.get("title")
    if isinstance(title, str) and title.strip():
        book.title = title.strip()[:300]
    entries = _entries(meta)
    for chapter in book.chapters:
        position, entry_title = entries.get(chapter.key, (len(entries), None))
        chapter.position = position
        if entry_title:
            chapter.title = entry_title[:300]


def follow_head(repo, book):
    """Read book.yaml at the head of main and ``follow`` it."""
    follow(book, bookmeta.parse(repo.load("book.yaml", repo.head())))


def _entries(meta):
    """Return {chapter key: (position, title or None)} of book.yaml's chapter list."""
    entries = {}
    for position, entry in enumerate(meta.get("chapters") or []):
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            title = entry.get("title")
            title = title.strip() if isinstance(title, str) and title.strip() else None
            entries.setdefault(entry["id"], (position, title))
    return entries
