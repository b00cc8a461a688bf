"""A book as it is at one commit: metadata, chapters in order, images.

Every export starts here, so a render sees only what Git holds for the book at
that commit (the confinement rule) and the same commit always gives the same
input. Reading happens once, in the caller's process; the render steps get
plain data they can pass to other processes.
"""
from dataclasses import dataclass, field

from . import bookmeta
from ..errors import Invalid
from .svg import sanitize_svg
from ..store import FileNotFound, gitcmd

IMAGE_FOLDER = "images/"


@dataclass(frozen=True)
class ChapterText:
    """One chapter at the snapshot's commit."""
    key: str          #: the chapter id in book.yaml (ch01)
    title: str        #: its title in book.yaml
    path: str         #: chapters/ch01.md
    blob_id: str      #: Git blob id of the file: the render cache key
    text: str         #: Pandoc Markdown


@dataclass(frozen=True)
class Snapshot:
    """A book at one commit: everything a render may read."""
    slug: str
    commit: str                          #: full 40-hex commit id
    meta: dict                           #: book.yaml (title, subtitle, editors, isbn, trim, ...)
    chapters: tuple                      #: ChapterText, in book order
    images: dict = field(default_factory=dict)  #: "images/fig.png" -> bytes
    #: The commit's committer time (seconds since 1970): the one time a build may record.
    committed_at: int = 0

    @property
    def title(self):
        """Return the book's title."""
        return self.meta.get("title", "")

    def image(self, path):
        """Return the bytes of the book image at ``path`` (images/...), or None."""
        return self.images.get(path)


def take(repo, slug, rev=None):
    """Return the Snapshot of ``repo`` (a BookRepo) at ``rev`` (default: head of main).

    Raises the store's errors for a bad revision. Chapters listed in book.yaml
    whose file is missing at that commit are left out.
    """
    commit = repo.resolve(rev)
    meta = bookmeta.parse(repo.load("book.yaml", commit))
    chapters = []
    for entry in meta.get("chapters", []):
        try:
            text = repo.load(entry["file"], commit).decode("utf-8")
        except FileNotFound:
            continue
        chapters.append(ChapterText(entry["id"], entry.get("title", ""), entry["file"],
                                    repo.blob_id(entry["file"], commit), text))
    images = {}
    for path in repo.list_files(commit, IMAGE_FOLDER.rstrip("/")):
        data = repo.load(path, commit)
        if path.lower().endswith(".svg"):
            data = _clean_svg(data)
        if data is not None:
            images[path] = data
    return Snapshot(slug, commit, meta, tuple(chapters), images, committed_at(repo, commit))


def committed_at(repo, commit):
    """Return the committer time of ``commit`` in ``repo`` (a BookRepo), in seconds since 1970."""
    return int(gitcmd.output(repo.path, ["show", "-s", "--format=%ct", commit]))


def _clean_svg(data):
    """Sanitize an SVG again: the second guard, should one ever reach Git unchecked.

    An SVG that is not one at all is left out (the page then says the image is missing).
    """
    try:
        return sanitize_svg(data)[0]
    except Invalid:
        return None
