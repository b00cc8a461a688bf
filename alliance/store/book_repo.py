"""One book's bare repository: load, store, log, diff, restore, list.

Writes never touch a working tree or a shared index. A save writes blobs, its
trees and a commit whose author is the person (in Python: objects.py), and
moves ``refs/heads/main`` with a compare-and-swap (git update-ref). When the
swap fails because someone else moved the branch, the save is recomputed
against the new head, so concurrent writers never lose each other's commits.
"""
import fcntl
import os
import random
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO

from gitdb.base import IStream
from gitdb.exc import BadObject

from . import gitcmd, history, objects, reach, refs, repos
from .errors import BookNotFound, ConcurrentUpdate, Conflict, FileNotFound, InvalidRevision
from .merge import TEXT_SUFFIXES, merge_text
from .validate import check_path, check_revision

BRANCH = "refs/heads/main"
MAX_ATTEMPTS = 200
# The only refs besides main the platform moves: approved revisions, one per chapter key.
_PIN_REF = re.compile(r"refs/approved/[A-Za-z0-9][A-Za-z0-9-]{0,63}")


def _pin_ref(name):
    # Ref names come from our own code, never from users: a bad one is a bug, not input.
    if not isinstance(name, str) or not _PIN_REF.fullmatch(name):
        raise ValueError(f"{name!r} is not a ref the platform may move")
    return name


@dataclass(frozen=True)
class Person:
    """Who wrote a change: becomes the commit's author."""

    name: str
    email: str


@dataclass(frozen=True)
class SaveResult:
    """What a save did: the new head, whether a merge was needed, whether anything changed."""

    revision: str
    merged: bool
    changed: bool


@dataclass(frozen=True)
class Revision:
    """One commit in a file's or book's history."""

    revision: str
    author: str
    email: str
    date: str
    message: str


class BookRepo:
    """The bare repository of one book. Open it through ManuscriptStore.book()."""

    def __init__(self, path, committer):
        self.path = path
        self.committer = committer
        if not os.path.isdir(path):
            raise BookNotFound(f"no manuscript repository at {os.path.basename(path)}")

    # -- reading -------------------------------------------------------------

    def head(self):
        """Return the commit id main points at, or None for a book with no commits."""
        # Read the ref files (loose, then packed) in Python: a git process per read would
        # double a save's cost.
        return refs.read_ref(self.path, BRANCH)

    def _open(self):
        """Open the repository for one operation (this thread's cached Repo: repos.py).

        GitDB reads and writes loose objects and packs in Python: no cat-file process
        is started per request, which was most of a page view's and a save's cost.
        GitPython calls this backend deprecated (slow on big packs, and its pure-Python
        readers see every object): here objects are small, and every one was written by
        the platform or checked by git on push (receive.fsckObjects).
        """
        return repos.opened(self.path)

    def resolve(self, rev=None):
        """Return ``rev`` validated as a commit of this book, or the head when ``rev`` is None.

        Only commits the book's refs reach are revisions of it (store/reach.py): main,
        refs/approved/* and refs/tags/edition/*, and their ancestors.
        """
        if rev is None:
            head = self.head()
            if head is None:
                raise InvalidRevision("the book has no revisions yet")
            return head
        if isinstance(rev, str) and rev == self.head():
            return rev  # main names only commits: no need to open the repository
        with self._open() as repo:
            rev = self._resolve(repo, rev)
        if not reach.reachable(self.path, rev):
            raise InvalidRevision(f"revision {rev} is not a commit of this book")
        return rev

    @staticmethod
    def _resolve(repo, rev):
        check_revision(rev)
        try:
            kind = repo.odb.info(bytes.fromhex(rev)).type  # reads the object's header only
        except (BadObject, ValueError):
            kind = None
        if kind != b"commit":
            raise InvalidRevision(f"revision {rev} is not a commit of this book")
        return rev

    def load(self, path, rev=None):
        """Return the bytes of ``path`` at ``rev`` (default head); FileNotFound if absent."""
        check_path(path)
        rev = self.resolve(rev)
        with self._open() as repo:
            data = self._blob_data(repo, rev, path)
        if data is None:
            raise FileNotFound(f"{path} does not exist at revision {rev[:10]}")
        return data

    def blob_id(self, path, rev=None):
        """Return the blob id of ``path`` at ``rev``, or None when the file is absent."""
        check_path(path)
        rev = self.resolve(rev)
        with self._open() as repo:
            return self._blob_sha(repo, rev, path)

    def list_files(self, rev=None, folder=None):
        """Return the sorted file paths at ``rev``, optionally only those under ``folder``/."""
        rev = self.resolve(rev)
        args = ["ls-tree", "-r", "-z", "--name-only", rev]
        if folder:
            args += ["--", folder.rstrip("/") + "/"]
        raw = gitcmd.run(self.path, args)[1]
        return sorted(p.decode("utf-8") for p in raw.split(b"\0") if p)

    def log(self, path=None, rev=None, limit=200):
        """Return the history of the book or of one file, newest first."""
        if path is not None:
            check_path(path)
        if self.head() is None:
            return []
        rev = self.resolve(rev)
        with self._open() as repo:
            if path is not None:
                return history.log(repo, self.path, rev, path, limit, self._revision)
            return [self._revision(objects.read_commit(repo, c.hexsha))
                    for c in repo.iter_commits(rev, max_count=limit)]

    def last_change(self, path, rev=None):
        """Return the id of the last commit at or before ``rev`` that changed ``path``."""
        check_path(path)
        rev = self.resolve(rev)
        with self._open() as repo:
            return history.last_change(repo, self.path, rev, path, self._revision)

    @staticmethod
    def _revision(c):
        return Revision(c.hexsha, c.author_name, c.author_email,
                        c.authored_datetime.isoformat(), c.message.strip())

    def diff(self, from_rev, to_rev, path=None):
        """Return the unified diff between two revisions, of one file or the whole book."""
        from_rev, to_rev = self.resolve(from_rev), self.resolve(to_rev)
        args = ["diff", "--no-color", "--no-ext-diff", from_rev, to_rev, "--"]
        if path is not None:
            args.append(check_path(path))
        return gitcmd.run(self.path, args)[1].decode("utf-8", "replace")

    # -- writing -------------------------------------------------------------

    def save(self, changes, base, author, message):
        """Commit ``changes`` ({path: bytes, or None to delete}) made from revision ``base``.

        Files unchanged since ``base`` take the new content as is; text files
        changed since are merged three ways; a conflicting merge raises
        Conflict and writes nothing. Returns a SaveResult whose revision is the
        new head (or the old head when nothing changed).
        """
        for path in changes:
            check_path(path)
        with self._open() as repo:
            base = self._resolve(repo, base) if base is not None else None
            base_blobs = {p: self._blob_sha(repo, base, p) if base else None for p in changes}
            for attempt in range(MAX_ATTEMPTS):
                with self._writer_lock():
                    outcome = self._attempt(repo, changes, base, base_blobs, author, message)
                if outcome is not None:
                    return outcome
                time.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
        raise ConcurrentUpdate("the book is being changed too quickly; please save again")

    def _attempt(self, repo, changes, base, base_blobs, author, message):
        """Try once to land ``changes`` on the current head; None when main moved meanwhile."""
        head = self.head()
        if base is None and head is not None:
            raise InvalidRevision("a base revision is required once the book has commits")
        new, merged = self._rebase_changes(repo, changes, base, base_blobs, head)
        if not new:
            return SaveResult(head, merged, False)
        head_tree = objects.commit_tree(repo, head) if head else None
        tree = objects.write_tree(repo, head_tree, new)
        if head_tree is not None and tree == head_tree.hex():
            return SaveResult(head, merged, False)
        commit = objects.write_commit(repo, tree, head, author, self.committer, message)
        if commit is None:  # an identity or message only git itself may clean up
            commit = self._commit(tree, head, author, message)
        return SaveResult(commit, merged, True) if self._swap(commit, head) else None

    @contextmanager
    def _writer_lock(self):
        # Writers on one machine take turns, so they rarely redo work after a failed swap.
        # Correctness does not rest on this lock (it may not hold on shared storage):
        # the compare-and-swap in _swap does.
        with open(os.path.join(self.path, "alliance-write.lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def set_ref(self, name, rev):
        """Point ``name`` (refs/approved/<chapter key>) at commit ``rev``, creating it if needed."""
        gitcmd.run(self.path, ["update-ref", "-m", "alliance pin", "--", _pin_ref(name),
                               self.resolve(rev)])

    def delete_ref(self, name):
        """Remove ``name`` (refs/approved/<chapter key>); removing a missing ref is harmless."""
        gitcmd.run(self.path, ["update-ref", "-d", "--", _pin_ref(name)])

    # Editions are the only tags: refs/tags/edition/<label> (label checked by alliance.production.editions).
    _TAG_NAME = re.compile(r"edition/[0-9A-Za-z\u4e00-\u9fff][0-9A-Za-z\u4e00-\u9fff._-]{0,63}")

    def tag(self, name, rev, message, tagger):
        """Create the annotated tag ``refs/tags/<name>`` (``edition/<label>``) on commit ``rev``,
        by ``tagger`` (a Person), and return the tag object's id. Never moves an existing tag:
        GitFailed when it exists. ValueError for a name outside edition/<label>."""
        if (not isinstance(name, str) or not self._TAG_NAME.fullmatch(name) or ".." in name
                or name.endswith((".", ".lock"))):
            raise ValueError(f"{name!r} is not a tag the platform may create")
        gitcmd.run(self.path, ["check-ref-format", f"refs/tags/{name}"])
        env = {"GIT_COMMITTER_NAME": tagger.name, "GIT_COMMITTER_EMAIL": tagger.email}
        gitcmd.run(self.path, ["tag", "-a", "-F", "-", "--", name, self.resolve(rev)],
                   input=((message or name).strip() + "\n").encode("utf-8"), env=env)
        return gitcmd.output(self.path, ["rev-parse", "--verify", f"refs/tags/{name}"])

    def tags(self, prefix="edition/"):
        """Return {tag name: commit id} for the tags under ``refs/tags/<prefix>``, annotated
        tags peeled to their commit."""
        raw = gitcmd.output(self.path, [
            "for-each-ref", "--format=%(refname:strip=2)%00%(objectname)%00%(*objectname)",
            f"refs/tags/{prefix}"])
        found = {}
        for line in raw.splitlines():
            name, obj, peeled = line.split("\0")
            found[name] = peeled or obj
        return found

    def restore(self, path, rev, author, message=None):
        """Make ``path`` as it was at ``rev`` again, as a new commit on top of head."""
        data = self.load(path, rev)
        head = self.resolve()
        message = message or f"Restore {path} to {rev[:10]}"
        return self.save({path: data}, head, author, message)

    # -- internals -----------------------------------------------------------

    def _rebase_changes(self, repo, changes, base, base_blobs, head):
        """Return ({path: blob id or None}, merged) to apply on ``head``; raise Conflict."""
        new, merged = {}, False
        for path, mine in changes.items():
            theirs_sha = self._blob_sha(repo, head, path) if head else None
            mine_sha = self._store_blob(repo, mine) if mine is not None else None
            if theirs_sha == base_blobs[path] or theirs_sha == mine_sha:
                if mine_sha != theirs_sha:
                    new[path] = mine_sha
                continue
            base_data = self._read(repo, base_blobs[path])
            theirs = self._read(repo, theirs_sha)
            result = None
            if mine is not None and theirs is not None and path.endswith(TEXT_SUFFIXES):
                result = merge_text(base_data or b"", mine, theirs)
            if result is None:
                raise Conflict(path, base_data, mine, theirs, head)
            merged = True
            result_sha = self._store_blob(repo, result)
            if result_sha != theirs_sha:
                new[path] = result_sha
        return new, merged

    def _commit(self, tree, head, author, message):
        env = {
            "GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": self.committer.name,
            "GIT_COMMITTER_EMAIL": self.committer.email,
        }
        args = ["commit-tree", tree, "-F", "-"]
        if head is not None:
            args[2:2] = ["-p", head]
        text = (message or "Update").strip() + "\n"
        return gitcmd.output(self.path, args, input=text.encode("utf-8"), env=env)

    def _swap(self, new, old):
        """Move main from ``old`` to ``new`` atomically; False when main is no longer ``old``."""
        return refs.compare_and_swap(self.path, BRANCH, new, old,
                                     (self.committer.name, self.committer.email),
                                     "alliance save", write_locked=True)

    @staticmethod
    def _store_blob(repo, data):
        return repo.odb.store(IStream(b"blob", len(data), BytesIO(data))).hexsha.decode()

    @staticmethod
    def _read(repo, sha):
        if sha is None:
            return None
        return repo.odb.stream(bytes.fromhex(sha)).read()

    @staticmethod
    def _blob_sha(repo, rev, path):
        return objects.blob_at(repo, rev, path)

    def _blob_data(self, repo, rev, path):
        return self._read(repo, self._blob_sha(repo, rev, path))
