"""Open repositories kept per thread, so a request does not parse a repository's config
three times (``git.Repo()`` costs about 2 ms, most of a page view's store reads).

GitPython's Repo is not thread-safe, so each thread keeps its own. Objects are
read by GitDB in Python, which looks at the disk again when an object seems
missing, so objects written or repacked by other processes (saves, pushes, gc)
are always seen. A repository removed and made again at
the same path is a new inode, hence a new cache entry.
"""
import os
import threading
from collections import OrderedDict
from contextlib import contextmanager

import git
from gitdb import GitDB
from gitdb.exc import BadObject

# Books a thread keeps open at once; the least recently used is closed beyond this.
PER_THREAD = 32
_local = threading.local()


class _LookAgainDB(GitDB):
    """GitDB that looks at the disk again when an object seems missing.

    GitDB remembers the packs it found and where each object was; after a repack
    (git gc, perhaps run by a push) an object moves into a new pack and its loose
    file goes, so a remembered answer can be wrong until the cache is refreshed.
    """

    def _again(self, read, sha):
        try:
            return read(sha)
        except BadObject:
            self.update_cache(force=True)
            return read(sha)

    def stream(self, sha):
        """Return the object stream of ``sha``, looking at the disk again if it seems missing."""
        return self._again(super().stream, sha)

    def info(self, sha):
        """Return the object info of ``sha``, looking at the disk again if it seems missing."""
        return self._again(super().info, sha)


def _make(path):
    repo = git.Repo(path)  # its cat-file processes start only on first use: never, here
    repo.odb = _LookAgainDB(os.path.join(path, "objects"))
    return repo


@contextmanager
def opened(path):
    """Yield this thread's open Repo of the bare repository at ``path`` (GitDB objects).

    The Repo stays open after the block for the next call in this thread.
    """
    cache = getattr(_local, "repos", None)
    if cache is None:
        cache = _local.repos = OrderedDict()
    st = os.stat(path)
    key = (path, st.st_dev, st.st_ino)
    repo = cache.get(key)
    if repo is None:
        repo = cache[key] = _make(path)
        while len(cache) > PER_THREAD:
            cache.popitem(last=False)[1].close()
    else:
        cache.move_to_end(key)
    yield repo


def forget():
    """Close every repository this thread keeps open (tests and forked workers use this)."""
    cache = getattr(_local, "repos", None) or {}
    for repo in cache.values():
        repo.close()
    cache.clear()
