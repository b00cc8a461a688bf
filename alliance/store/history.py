"""A file's last change and history, without a git process on every page view.

Both are fixed by a commit id (a commit names its whole past), so they are
remembered per process. A new save is one commit on top of the last: walking
back over single-parent commits in Python, comparing the file's entry with the
parent's, reaches a remembered answer in a few steps. Merges, and walks longer
than STEPS, are left to git itself, whose answer for linear history is the same.
"""
import threading
from collections import OrderedDict

from .gitcmd import output

STEPS = 64
_MISSING = object()


class _Memo:
    """A small thread-safe LRU mapping."""

    def __init__(self, size):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key, _MISSING)
            if value is not _MISSING:
                self.items.move_to_end(key)
            return value

    def put(self, key, value):
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_last = _Memo(8192)  # (commit, path) -> id of the last commit that changed path, or None
_logs = _Memo(1024)  # (last change, path, limit) -> tuple of Revision


def _entry(commit, path):
    try:
        return (commit.tree / path).binsha
    except KeyError:
        return None


def last_change(repo, git_dir, rev, path):
    """Return the id of the last commit at or before ``rev`` that changed ``path``, or None."""
    walked, commit_id, found = [], rev, _MISSING
    for _ in range(STEPS):
        found = _last.get((commit_id, path))
        if found is not _MISSING:
            break
        walked.append(commit_id)
        commit = repo.commit(commit_id)
        entry = _entry(commit, path)
        if len(commit.parents) > 1:
            found = _git_last_change(git_dir, commit_id, path)
            break
        if not commit.parents:
            found = commit_id if entry is not None else None
            break
        parent = commit.parents[0]
        if _entry(parent, path) != entry:
            found = commit_id
            break
        commit_id = parent.hexsha
    else:
        walked.append(commit_id)
        found = _git_last_change(git_dir, commit_id, path)
    for seen in walked:  # every commit passed on the way has the same answer
        _last.put((seen, path), found)
    return found


def _git_last_change(git_dir, rev, path):
    return output(git_dir, ["log", "-1", "--format=%H", rev, "--", path]) or None


def log(repo, git_dir, rev, path, limit, revision):
    """Return the commits that changed ``path`` up to ``rev``, newest first, at most ``limit``.

    ``revision(commit)`` turns a GitPython commit into the caller's record.
    """
    last = last_change(repo, git_dir, rev, path)
    if last is None:
        return []
    key = (last, path, limit)
    found = _logs.get(key)
    if found is _MISSING:
        found = None
        commit = repo.commit(last)
        if len(commit.parents) == 1:
            before = last_change(repo, git_dir, commit.parents[0].hexsha, path)
            older = _logs.get((before, path, limit)) if before else ()
            if older is not _MISSING:
                found = ((revision(commit),) + older)[:limit]
        if found is None:
            found = tuple(revision(c) for c in repo.iter_commits(last, paths=path,
                                                                  max_count=limit))
        _logs.put(key, found)
    return list(found)
