"""Which commits of a book may be read: those its refs reach.

A book's repository also holds commits nobody can see in its history: a save
that lost its compare-and-swap, objects of a refused push that git kept. Reads
by revision (``?rev=``, diffs, comments, exports) accept only commits that are
the head of main, an approved pin (refs/approved/*) or an edition's tag
(refs/tags/edition/*), or an ancestor of one. Main only moves forward and tags
never move, so a commit found reachable stays so: that answer is remembered.
"""
from . import gitcmd
from .memo import Memo

REFS = ("refs/heads/main", "--glob=refs/approved/*", "--glob=refs/tags/edition/*")
_reached = Memo(8192)


def reachable(git_dir, rev):
    """Return True when commit ``rev`` (a checked 40-hex id) is reached by the book's refs."""
    key = (str(git_dir), rev)
    if _reached.get(key) is True:
        return True
    code, out = gitcmd.run(git_dir, ["rev-list", "--max-count=1", rev, "--not", *REFS],
                           ok_codes=(0, 128))
    if code == 0 and not out.strip():
        _reached.put(key, True)
        return True
    return False
