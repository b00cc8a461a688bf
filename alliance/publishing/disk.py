"""Bounded disk: the render caches and the artifacts anyone can rebuild, pruned by size.

Under EXPORTS each book has its render cache (``<slug>/cache``), its export jobs'
folders (``<slug>/jobs/<job id>``) and the files ``alliance export`` wrote there
(``<slug>/cli``). All of them can be built again from Git, so they are *prunable*:
prune() removes them least recently used first (a cache file is used when a render
reads it, an artifact when it is written or downloaded) until what is left fits the
limit. Never prunable: the folders of the jobs in ``keep`` (editions' builds, jobs
still running), delivery packages (``deliveries/``), agreement scans
(``agreements/``) and anything else this module does not know.

A render holds a shared lock on its cache (in_use(), taken by export.run) and the
pruner an exclusive one while it removes cache files, so no file vanishes under a
render: a cache in use is left for the next round.
"""
import fcntl
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

LOCK_NAME = ".lock"
#: Folders of EXPORTS that are never books' (kept whole, never counted).
RESERVED = frozenset({"deliveries", "agreements", "prepub"})
#: A pre-publication check's work folder left this long is a crash's leftover.
PREPUB_STALE_S = 3600


@dataclass(frozen=True)
class Unit:
    """One thing prune() may remove: a cache file, a job's folder or a CLI export."""
    path: Path
    bytes: int
    used: float    #: the last time it was used (seconds since 1970)
    cache: str = ""  #: the render cache folder it belongs to ('' for artifacts)


@dataclass
class PruneReport:
    """What prune() did: removed units, bytes freed, and what is left of the prunable part."""
    removed: list = field(default_factory=list)
    freed: int = 0
    left: int = 0        #: bytes of render caches and prunable artifacts after pruning
    limit: int = 0
    busy: list = field(default_factory=list)  #: caches skipped because a render held them


def touch(*paths):
    """Mark ``paths`` as used now (their modification time), so prune() keeps them longest."""
    for path in paths:
        try:
            os.utime(path)
        except OSError:  # gone or read-only: nothing to mark
            pass


@contextmanager
def in_use(cache_dir):
    """Hold a shared lock on the render cache ``cache_dir`` while rendering with it."""
    if cache_dir is None:
        yield
        return
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(cache_dir) / LOCK_NAME, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _files(folder):
    stack = [str(folder)]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.is_file(follow_symlinks=False):
                try:
                    yield entry.path, entry.stat(follow_symlinks=False)
                except OSError:
                    continue


def _folder_unit(folder):
    size, used = 0, os.stat(folder).st_mtime
    for _path, st in _files(folder):
        size += st.st_size
        used = max(used, st.st_mtime)
    return Unit(Path(folder), size, used)


def units(exports_root, keep=frozenset()):
    """Return the prunable Units under ``exports_root``; job folders named in ``keep`` are
    left out, as is everything outside the books' cache, jobs and cli folders."""
    root, found = Path(exports_root), []
    books = [p for p in root.iterdir() if p.is_dir() and p.name not in RESERVED] \
        if root.is_dir() else []
    for book in books:
        cache = book / "cache"
        for path, st in _files(cache):
            if os.path.basename(path) != LOCK_NAME:
                found.append(Unit(Path(path), st.st_size, st.st_mtime, str(cache)))
        for parent in (book / "jobs", book / "cli"):
            if not parent.is_dir():
                continue
            for entry in os.scandir(parent):
                if entry.is_dir(follow_symlinks=False) and entry.name not in keep:
                    found.append(_folder_unit(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    found.append(Unit(Path(entry.path), st.st_size, st.st_mtime))
    prepub = root / "prepub"
    if prepub.is_dir():
        cutoff = time.time() - PREPUB_STALE_S
        found += [u for u in map(_folder_unit, (e.path for e in os.scandir(prepub) if e.is_dir()))
                  if u.used < cutoff]
    return found


def prune(exports_root, limit_bytes, keep=frozenset(), spare=()):
    """Remove prunable units under ``exports_root``, least recently used first, until they
    take at most ``limit_bytes``; return a PruneReport. ``keep``: job ids never removed
    (nor counted); ``spare``: paths counted but not removed this time (a file just made)."""
    spare = {str(Path(p).resolve()) for p in spare}
    found = sorted(units(exports_root, keep), key=lambda u: (u.used, str(u.path)))
    report = PruneReport(left=sum(u.bytes for u in found), limit=int(limit_bytes))
    locks = {}
    try:
        for unit in found:
            if report.left <= report.limit:
                break
            if spare and str(unit.path.resolve()) in spare:
                continue
            if unit.cache and not _lock(locks, unit.cache):
                if unit.cache not in report.busy:
                    report.busy.append(unit.cache)
                continue
            if _remove(unit.path):
                report.removed.append(unit)
                report.freed += unit.bytes
                report.left -= unit.bytes
    finally:
        for handle in locks.values():
            if handle is not None:
                handle.close()  # closing releases the lock
    return report


def _lock(locks, cache):
    if cache not in locks:
        handle = open(Path(cache) / LOCK_NAME, "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            handle = None
        locks[cache] = handle
    return locks[cache] is not None


def _remove(path):
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        return False
    return True
