"""The Git manuscript store: one bare repository per book, no Flask and no SQL.

Use ManuscriptStore(root).book(slug) to get a BookRepo, whose load, save, log,
diff, restore and list_files are the whole API.
"""
import os
import shlex
import shutil
import sys
import tempfile

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
    "check_slug", "install_hooks",
]

PLATFORM = Person("Alliance", "platform@alliance.local")
# Pushes over HTTP are checked and recorded by the app's hooks (alliance.ops.githooks).
HOOK_COMMAND = (sys.executable, "-m", "alliance.ops.githooks")
HOOKS = ("pre-receive", "post-receive")


def install_hooks(path, command=HOOK_COMMAND):
    """Make pushes into the repository at ``path`` run ``command <hook>`` as their
    pre-receive and post-receive hooks, with every received object fsck-checked.

    Cheap when the hooks are already current, so it can run before every push.
    """
    changed = False
    for hook in HOOKS:
        script = ("#!/bin/sh\n# Installed by Alliance: pushes obey the book's rules.\n"
                  f"exec {shlex.join([*command, hook])}\n")
        target = os.path.join(path, "hooks", hook)
        try:
            with open(target) as handle:
                if handle.read() == script:
                    continue
        except FileNotFoundError:
            pass
        os.makedirs(os.path.dirname(target), exist_ok=True)
        # Write aside and rename, so a push running now sees the old hook or the new one.
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=f".{hook}-")
        with os.fdopen(fd, "w") as handle:
            handle.write(script)
        os.chmod(tmp, 0o755)
        os.replace(tmp, target)
        changed = True
    if changed:
        gitcmd.run(path, ["config", "receive.fsckObjects", "true"])


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
            install_hooks(path)
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
