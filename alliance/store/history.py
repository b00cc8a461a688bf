"""A file's last change and history, without a git process on every page view.

Both are fixed by a commit id (a commit names its whole past), so what is learnt
is remembered per process: for each commit, its parents, the paths it changed
against its parent, and its record. A file's history is then a walk back over
single-parent commits in Python. While many people save into one book, a walk
mostly passes commits already seen, so a page view after a save costs a few
dictionary lookups. Merges, and walks longer than STEPS, are left to git itself,
whose answer for linear history is the same.
"""
from dataclasses import dataclass

from .gitcmd import output
from .memo import MISSING, Memo
from .objects import TREE_MODE, commit_tree, entries, read_commit

# Commits a walk visits before handing the question to git.
STEPS = 512


@dataclass(frozen=True)
class _Commit:
    parents: tuple  # hex ids
    changed: frozenset | None  # paths changed against the parent; None for a merge
    record: object  # what the caller's ``revision(commit)`` made of it


_commits = Memo(4096)  # commit id -> _Commit
_last = Memo(8192)  # (commit, path) -> id of the last commit that changed path, or None
_logs = Memo(2048)  # (last change, path, limit) -> tuple of records, newest first


def _changed(repo, new, old, prefix=b""):
    """Yield the file paths (bytes) that differ between trees ``new`` and ``old``."""
    a, b = entries(repo, new), entries(repo, old)
    for name in a.keys() | b.keys():
        if a.get(name) == b.get(name):
            continue
        mode_a, sha_a = a.get(name, (None, None))
        mode_b, sha_b = b.get(name, (None, None))
        if TREE_MODE in (mode_a, mode_b):
            yield from _changed(repo, sha_a if mode_a == TREE_MODE else None,
                                sha_b if mode_b == TREE_MODE else None, prefix + name + b"/")
            if mode_a not in (TREE_MODE, None) or mode_b not in (TREE_MODE, None):
                yield prefix + name  # a file replaced by a folder, or the other way
        else:
            yield prefix + name


def _commit(repo, commit_id, revision):
    info = _commits.get(commit_id)
    if info is MISSING:
        commit = read_commit(repo, commit_id)
        parents = commit.parents
        changed = None
        if len(parents) < 2:
            old = commit_tree(repo, parents[0]) if parents else None
            changed = frozenset(p.decode("utf-8", "surrogateescape")
                                for p in _changed(repo, commit.tree, old))
        info = _Commit(parents, changed, revision(commit))
        _commits.put(commit_id, info)
    return info


def _walk(repo, rev, path, limit, revision, stop=None):
    """Return up to ``limit`` (id, record) of commits from ``rev`` back that changed ``path``.

    ``stop(commit_id)`` may end the walk early with its answer appended (a remembered
    last change). None when the walk meets a merge or passes STEPS commits.
    """
    found, commit_id = [], rev
    for _ in range(STEPS):
        if stop is not None:
            known = stop(commit_id)
            if known is not MISSING:
                return found + [known]
        info = _commit(repo, commit_id, revision)
        if info.changed is None:
            return None
        if path in info.changed:
            found.append((commit_id, info.record))
            if len(found) >= limit:
                return found
        if not info.parents:
            return found
        commit_id = info.parents[0]
    return None


def last_change(repo, git_dir, rev, path, revision):
    """Return the id of the last commit at or before ``rev`` that changed ``path``, or None."""
    known = _last.get((rev, path))
    if known is not MISSING:
        return known

    def remembered(commit_id):
        value = _last.get((commit_id, path))
        return MISSING if value is MISSING else (value, None)

    found = _walk(repo, rev, path, 1, revision, remembered)
    if found is None:
        answer = output(git_dir, ["log", "-1", "--format=%H", rev, "--", path]) or None
    else:
        answer = found[0][0] if found else None
    _last.put((rev, path), answer)
    return answer


def log(repo, git_dir, rev, path, limit, revision):
    """Return the commits that changed ``path`` up to ``rev``, newest first, at most ``limit``.

    ``revision(commit)`` turns an objects.Commit into the caller's record. A file's
    history is fixed by its last change, so it is remembered by that; after a new
    change it is the new record on top of the history remembered before.
    """
    last = last_change(repo, git_dir, rev, path, revision)
    if last is None:
        return []
    key = (last, path, limit)
    found = _logs.get(key)
    if found is MISSING:
        found = _extend(repo, git_dir, last, path, limit, revision)
        if found is None:
            walked = _walk(repo, last, path, limit, revision)
            found = (tuple(record for _id, record in walked) if walked is not None else
                     tuple(revision(read_commit(repo, c.hexsha))
                           for c in repo.iter_commits(last, paths=path, max_count=limit)))
        _logs.put(key, found)
    return list(found)


def _extend(repo, git_dir, last, path, limit, revision):
    """The history from ``last`` as its record on top of the remembered one before it."""
    info = _commit(repo, last, revision)
    if len(info.parents) != 1:
        return None
    before = last_change(repo, git_dir, info.parents[0], path, revision)
    older = _logs.get((before, path, limit)) if before else ()
    return None if older is MISSING else ((info.record,) + older)[:limit]
