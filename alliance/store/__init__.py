"""The Git manuscript store: one bare repository per book, no Flask and no SQL.

Use ManuscriptStore(root).book(slug) to get a BookRepo, whose load, save, log,
diff, restore and list_files are the whole API.
"""
import os
import shutil

import git

from . import gitcmd
from .book_repo import BookRepo, Person, Revision, SaveResult
from .errors import (BookExists, BookNotFound, ConcurrentUpdate, Conflict, FileNotFound,
                     InvalidPath, InvalidRevision, InvalidSlug, StoreError)
from .validate import check_path, check_revision, check_slug

__all__ = [
    "ManuscriptStore", "BookRepo", "Person", "Revision", "SaveResult", "StoreError",
    "BookExists", "BookNotFound", "ConcurrentUpdate", "Conflict", "FileNotFound",
    "InvalidPath", "InvalidRevision", "InvalidSlug", "check_path", "check_revision",
    "check_slug",
]

PLATFORM = Person("Alliance", "platform@alliance.local")


class ManuscriptStore:
    """The folder holding every book's repository, ``<root>/<slug>.git``."""

    def __init__(self, root, committer=PLATFORM):
        self.root = os.path.abspath(root)
        self.committer = committer

    def path_of(self, slug):
        """Return the repository path for a validated book slug."""
        return os.path.join(self.root, check_slug(slug) + ".git")

    def book(self, slug):
        """Return the BookRepo of an existing book; BookNotFound otherwise."""
        return BookRepo(self.path_of(slug), self.committer)

    def exists(self, slug):
        """Return True when the book's repository exists."""
        return os.path.isdir(self.path_of(slug))

    def create(self, slug, files, author, message):
        """Create the book's bare repository with ``files`` ({path: bytes}) as its first commit."""
        path = self.path_of(slug)
        os.makedirs(self.root, exist_ok=True)
        try:
            os.mkdir(path)
        except FileExistsError:
            raise BookExists(f"a repository for {slug} already exists") from None
        try:
            git.Repo.init(path, bare=True, initial_branch="main").close()
            # Keep reflogs in a bare repo: they let an operator see every move of main.
            gitcmd.run(path, ["config", "core.logAllRefUpdates", "always"])
            book = BookRepo(path, self.committer)
            book.save(files, None, author, message)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        return book

    def slugs(self):
        """Return the slugs of every book repository, sorted."""
        if not os.path.isdir(self.root):
            return []
        return sorted(n[:-4] for n in os.listdir(self.root) if n.endswith(".git"))
