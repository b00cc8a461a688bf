"""Errors raised by the manuscript store. Callers map them to pages, API answers or exits."""


class StoreError(Exception):
    """Base of every store error; its message is meant for the person who caused it."""


class InvalidRevision(StoreError):
    """A revision from outside is not a full commit id of this book."""


class InvalidPath(StoreError):
    """A path from outside is not a file path inside the book."""


class InvalidSlug(StoreError):
    """A book slug is not lowercase ASCII letters, digits and hyphens."""


class BookNotFound(StoreError):
    """No repository exists for the book."""


class BookExists(StoreError):
    """A repository already exists for the book."""


class FileNotFound(StoreError):
    """The file does not exist at the revision asked for."""


class ConcurrentUpdate(StoreError):
    """The branch kept moving under us; the save did not land and may be retried."""


class Conflict(StoreError):
    """A save overlaps a change made since its base revision.

    Nothing is written. ``base``, ``mine`` and ``theirs`` hold the file as it was
    at the base revision, as the person wrote it, and as it is on ``head`` now,
    so the person can merge by hand without losing a word.
    """

    def __init__(self, path, base, mine, theirs, head):
        super().__init__(
            f"{path} was changed by someone else since you opened it "
            f"(it is now at {base_rev_short(head)}); your text was kept: "
            "merge it with theirs and save again"
        )
        self.path = path
        self.base = base
        self.mine = mine
        self.theirs = theirs
        self.head = head


def base_rev_short(rev):
    """Return the 10-character abbreviation used in messages (never accepted back)."""
    return (rev or "")[:10]
