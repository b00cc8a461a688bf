"""Moving a branch with a compare-and-swap, in Python, by git's own locking rules.

git update-ref takes ``<ref>.lock`` with O_EXCL, checks the ref's current value,
writes the new value into the lock, appends to the reflog and renames the lock
over the ref. Doing the same here saves a git process (about 5 ms) on every save
while staying safe against git itself: a push moving main takes the same lock.
"""
import os
import time

ZERO = "0" * 40
# A lock older than this was left by a process killed mid-swap (git holds one for
# milliseconds); it is removed so the book does not stay locked for ever.
STALE_LOCK_SECONDS = 5.0


def read_ref(git_dir, ref):
    """Return the commit id ``ref`` (``refs/heads/main``) holds, loose or packed; else None."""
    try:
        with open(os.path.join(git_dir, ref)) as handle:
            value = handle.read().strip()
        return value or None
    except FileNotFoundError:
        pass
    try:
        with open(os.path.join(git_dir, "packed-refs")) as handle:
            for line in handle:
                sha, _, name = line.rstrip("\n").partition(" ")
                if name == ref and len(sha) == 40:
                    return sha
    except FileNotFoundError:
        pass
    return None


def _take_lock(lock):
    try:
        return os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        try:
            if time.time() - os.stat(lock).st_mtime > STALE_LOCK_SECONDS:
                os.unlink(lock)
        except FileNotFoundError:
            pass
        return None


def compare_and_swap(git_dir, ref, new, old, who, message):
    """Point ``ref`` at ``new`` if it holds ``old`` (None: if it does not exist).

    Returns False, changing nothing, when the ref holds something else or another
    process holds its lock. ``who`` is the committer (name, email) for the reflog.
    """
    path = os.path.join(git_dir, ref)
    lock = path + ".lock"
    fd = _take_lock(lock)
    if fd is None:
        return False
    try:
        if read_ref(git_dir, ref) != old:
            os.close(fd)
            fd = None
            os.unlink(lock)
            return False
        # Not fsynced: git's default core.fsync does not sync references either.
        os.write(fd, f"{new}\n".encode())
        os.close(fd)
        fd = None
        _append_reflog(git_dir, ref, old or ZERO, new, who, message)
        os.rename(lock, path)
        return True
    except BaseException:
        if fd is not None:
            os.close(fd)
        if os.path.exists(lock):
            os.unlink(lock)
        raise


def _append_reflog(git_dir, ref, old, new, who, message):
    now = int(time.time())
    offset = time.localtime(now).tm_gmtoff
    sign = "+" if offset >= 0 else "-"
    zone = f"{sign}{abs(offset) // 3600:02d}{abs(offset) % 3600 // 60:02d}"
    line = f"{old} {new} {who[0]} <{who[1]}> {now} {zone}\t{message}\n"
    log = os.path.join(git_dir, "logs", ref)
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(line)
