"""Moving a branch with a compare-and-swap, in Python, by git's own locking rules.

git update-ref takes ``<ref>.lock`` with O_EXCL, checks the ref's current value,
writes the new value into the lock, appends to the reflog and renames the lock
over the ref. Doing the same here saves a git process (about 5 ms) on every save
while staying safe against git itself: a push moving main takes the same lock.

A lock left behind by a process killed mid-swap is cleared at once, without
waiting for it to age: every Alliance writer moves main only while holding the
book's ``fcntl`` write lock (which the kernel releases when its holder dies), so
a ``.lock`` file found by the holder of that lock belongs either to a live git
process writing refs in the book, or to nobody. Only the write-lock holder ever
clears a lock, so two writers can never both judge one stale and take it twice.
"""
import os
import time

ZERO = "0" * 40
# git commands that never take a ref lock: their presence in a book says nothing
# about who holds main.lock (GitPython keeps cat-file processes open for hours).
READ_ONLY_GIT = frozenset({
    "cat-file", "rev-list", "rev-parse", "log", "diff", "show", "ls-tree", "ls-files",
    "merge-file", "hash-object", "mktree", "commit-tree", "upload-pack", "http-backend",
    "for-each-ref", "show-ref", "diff-tree", "merge-base", "fsck", "count-objects",
    "config", "var", "version", "archive", "grep", "blame",
})


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


def git_writers(git_dir):
    """Return the pids of live git processes working in ``git_dir`` that may write refs.

    Read from /proc: a process counts when its working directory is the book and
    its command is git's, other than a command known never to lock a ref.
    """
    target = os.path.realpath(git_dir)
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            if os.path.realpath(f"/proc/{name}/cwd") != target:
                continue
            with open(f"/proc/{name}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
        except OSError:  # gone, or not ours to look at
            continue
        if _may_write_refs([a.decode("utf-8", "replace") for a in argv if a]):
            found.append(int(name))
    return found


def _may_write_refs(argv):
    if not argv or not os.path.basename(argv[0]).startswith("git"):
        return False
    program = os.path.basename(argv[0])
    if program.startswith("git-"):  # git-receive-pack, git-upload-pack
        command = program[4:]
    else:
        rest = [a for a in argv[1:] if not a.startswith("-")]
        command = rest[0] if rest else ""
    return command not in READ_ONLY_GIT


def clear_stale_lock(git_dir, lock):
    """Remove ``lock`` if no live git process may hold it; True when it is gone.

    Call only while holding the book's write lock (see the module's docstring).
    """
    if not os.path.exists(lock):
        return True
    if git_writers(git_dir):
        return False
    try:
        os.unlink(lock)
    except FileNotFoundError:
        pass
    return True


def _take_lock(git_dir, lock, write_locked):
    try:
        return os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        if write_locked and clear_stale_lock(git_dir, lock):
            try:
                return os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:  # a git process took it meanwhile
                return None
        return None


def compare_and_swap(git_dir, ref, new, old, who, message, write_locked=False):
    """Point ``ref`` at ``new`` if it holds ``old`` (None: if it does not exist).

    Returns False, changing nothing, when the ref holds something else or another
    process holds its lock. ``who`` is the committer (name, email) for the reflog.
    ``write_locked`` says the caller holds the book's write lock: only then is a
    lock left by a dead process cleared.
    """
    path = os.path.join(git_dir, ref)
    lock = path + ".lock"
    fd = _take_lock(git_dir, lock, write_locked)
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
