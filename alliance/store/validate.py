"""Validation of revisions, paths and slugs that come from outside the store.

Everything is refused rather than normalised: a path with ``..`` in it is an
error even when it would resolve inside the book.
"""
import re

from .errors import InvalidPath, InvalidRevision, InvalidSlug

_REV = re.compile(r"[0-9a-f]{40}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_SEGMENT = re.compile(r"[^\x00-\x1f\x7f/\\:*?\"<>|]+")
# Files of a book live in these folders, plus book.yaml at the root.
TOP_FOLDERS = ("chapters", "images")
ROOT_FILES = ("book.yaml",)
MAX_PATH = 200


def check_revision(rev):
    """Return ``rev`` if it is a full 40-hex commit id (lowercase), else raise InvalidRevision."""
    if not isinstance(rev, str) or not _REV.fullmatch(rev):
        raise InvalidRevision(
            f"revision {str(rev)[:60]!r} is not a full 40-character commit id"
        )
    return rev


def check_path(path):
    """Return ``path`` if it names a file inside the book's folders, else raise InvalidPath."""
    if not isinstance(path, str) or not path or len(path) > MAX_PATH:
        raise InvalidPath(f"path {str(path)[:60]!r} is empty or too long")
    if path in ROOT_FILES:
        return path
    parts = path.split("/")
    if parts[0] not in TOP_FOLDERS or len(parts) < 2:
        raise InvalidPath(
            f"path {path[:60]!r} is outside the book: files live in "
            + ", ".join(f"{f}/" for f in TOP_FOLDERS) + " or book.yaml"
        )
    for segment in parts[1:]:
        if segment in ("", ".", "..") or segment.startswith(".") \
                or not _SEGMENT.fullmatch(segment):
            raise InvalidPath(f"path {path[:60]!r} has an invalid part {segment[:40]!r}")
    return path


def check_slug(slug):
    """Return ``slug`` if it is a valid book slug, else raise InvalidSlug."""
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
        raise InvalidSlug(
            f"book name {str(slug)[:60]!r} must be lowercase letters, digits and hyphens"
        )
    return slug
