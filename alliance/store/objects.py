"""Writing trees and commits into a repository's object database, in Python.

A save used to run read-tree, update-index, write-tree and commit-tree: four git
processes, most of its cost. Trees and commits are simple formats, so they are
written here directly; the objects are byte for byte what git would write (and
`git fsck --strict` checks them in the tests). Only identities and messages that
need git's own clean-up (see ``ident``) are left to ``git commit-tree``.
"""
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from io import BytesIO

from gitdb.base import IStream

from .memo import MISSING, Memo

FILE_MODE, TREE_MODE = b"100644", b"40000"
BLOB_MODES = (b"100644", b"100755", b"120000")
_trees = Memo(4096)  # tree id (binary) -> {name: (mode, binary id)}
_commit_trees = Memo(8192)  # commit id (hex) -> root tree id (binary)
_commits = Memo(4096)  # commit id (hex) -> Commit
# git drops these from both ends of a name or e-mail ("crud", ident.c) and '<', '>' and
# newlines inside them; a person whose identity needs that goes through git itself.
_CRUD = set(",:;<>\"\\'")


def write_tree(repo, root, changes):
    """Write the tree ``root`` (binary id, or None for none) with ``changes`` applied.

    ``changes`` is {path: hex blob id, or None to delete}; files get mode 100644,
    folders left empty disappear, as with update-index and write-tree. Returns the
    new root tree's hex id.
    """
    split = {tuple(p.encode("utf-8").split(b"/")): bytes.fromhex(s) if s else None
             for p, s in changes.items()}
    tree = _write(repo, root, split)
    return (tree or _store(repo, b"tree", b"")).hex()


def _write(repo, binsha, changes):
    current = dict(entries(repo, binsha))
    folders = {}
    for parts, sha in changes.items():
        if len(parts) > 1:
            folders.setdefault(parts[0], {})[parts[1:]] = sha
        elif sha is None:
            current.pop(parts[0], None)
        else:
            current[parts[0]] = (FILE_MODE, sha)
    for name, inner in folders.items():
        mode, old = current.get(name, (None, None))
        new = _write(repo, old if mode == TREE_MODE else None, inner)
        if new is None:
            current.pop(name, None)
        else:
            current[name] = (TREE_MODE, new)
    if not current:
        return None
    # git orders entries by name, a folder's name compared as if it ended in '/'.
    ordered = sorted(current.items(),
                     key=lambda item: item[0] + b"/" if item[1][0] == TREE_MODE else item[0])
    tree = _store(repo, b"tree", b"".join(mode + b" " + name + b"\0" + sha
                                          for name, (mode, sha) in ordered))
    _trees.put(tree, current)  # page views after the save walk this tree: no need to read it
    return tree


def entries(repo, binsha):
    """Return the tree ``binsha`` (binary id; None: empty) as {name: (mode, binary id)}.

    Remembered per process (a tree id fixes its content): a save and a page view look
    up the same few trees again and again. The dict is shared: do not change it.
    """
    if binsha is None:
        return {}
    found = _trees.get(binsha)
    if found is not MISSING:
        return found
    data, i, found = repo.odb.stream(binsha).read(), 0, {}
    while i < len(data):
        space = data.index(b" ", i)
        nul = data.index(b"\0", space)
        found[data[space + 1:nul]] = (data[i:space], data[nul + 1:nul + 21])
        i = nul + 21
    _trees.put(binsha, found)
    return found


def commit_tree(repo, commit):
    """Return the binary id of commit ``commit``'s (hex id) root tree."""
    tree = _commit_trees.get(commit)
    if tree is MISSING:
        tree = read_commit(repo, commit).tree
    return tree


@dataclass(frozen=True)
class Commit:
    """A commit as read from the object database."""

    hexsha: str
    tree: bytes  # binary id of the root tree
    parents: tuple  # hex ids
    author_name: str
    author_email: str
    authored_datetime: datetime  # in the author's own time zone
    message: str


def read_commit(repo, commit):
    """Return the Commit with hex id ``commit``, read once from the object database.

    GitPython reads a commit twice (its type, then its data) and builds more than a
    history needs; a page view after a burst of saves reads dozens of them.
    Remembered per process, as a commit id fixes its content.
    """
    found = _commits.get(commit)
    if found is not MISSING:
        return found
    # Read whole: a packed object's stream may return less than a partial read asks.
    data = repo.odb.stream(bytes.fromhex(commit)).read()
    head, _sep, message = data.partition(b"\n\n")
    fields, parents = {}, []
    for line in head.split(b"\n"):
        if line.startswith(b" "):
            continue  # the rest of a multi-line header (gpgsig, mergetag)
        name, _sep, value = line.partition(b" ")
        if name == b"parent":
            parents.append(value.decode("ascii"))
        else:
            fields.setdefault(name, value)
    if not data.startswith(b"tree ") or len(fields.get(b"tree", b"")) != 40:
        raise ValueError(f"{commit} is not a commit")
    encoding = fields.get(b"encoding", b"utf-8").decode("ascii", "replace")
    who, _sep, when = fields.get(b"author", b"").rpartition(b"> ")
    name, _sep, email = _text(who, encoding).partition(" <")
    stamp, _sep, zone = when.decode("ascii", "replace").partition(" ")
    sign = -1 if zone.startswith("-") else 1
    offset = timedelta(hours=int(zone[1:3] or 0), minutes=int(zone[3:5] or 0)) * sign
    return _remember(Commit(commit, bytes.fromhex(fields[b"tree"].decode("ascii")),
                            tuple(parents), name, email,
                            datetime.fromtimestamp(int(stamp or 0), timezone(offset)),
                            _text(message, encoding)))


def _remember(commit):
    _commits.put(commit.hexsha, commit)
    _commit_trees.put(commit.hexsha, commit.tree)
    return commit


def _text(data, encoding):
    # As git log does: the commit's declared encoding (i18n.commitEncoding, such as GBK),
    # else UTF-8; what does not decode is replaced, never refused.
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return data.decode("utf-8", "replace")


def blob_at(repo, commit, path):
    """Return the hex id of the file ``path`` in commit ``commit`` (hex), or None."""
    tree, parts = commit_tree(repo, commit), path.encode("utf-8").split(b"/")
    for i, part in enumerate(parts):
        mode, sha = entries(repo, tree).get(part, (None, None))
        if mode is None:
            return None
        if i == len(parts) - 1:
            return sha.hex() if mode in BLOB_MODES else None
        if mode != TREE_MODE:
            return None
        tree = sha
    return None


def ident(person):
    """Return ``Name <email>`` for ``person`` when git would write it unchanged, else None."""
    for part in (person.name, person.email):
        if (not part or part[0] in _CRUD or part[-1] in _CRUD or ord(part[0]) <= 32
                or ord(part[-1]) <= 32 or any(c in "<>" or ord(c) < 32 for c in part)):
            return None
    return f"{person.name} <{person.email}>"


def write_commit(repo, tree, parent, author, committer, message):
    """Write a commit of ``tree`` (hex) on ``parent`` (hex or None) and return its hex id.

    Author and committer are dated now, in the local time zone, as commit-tree
    dates them. Returns None, writing nothing, when an identity or the message
    needs git's own handling (see ``ident``; a NUL in the message).
    """
    text = (message or "Update").strip() + "\n"
    who, by = ident(author), ident(committer)
    if who is None or by is None or "\0" in text:
        return None
    now = int(time.time())
    offset = time.localtime(now).tm_gmtoff
    sign = "+" if offset >= 0 else "-"
    stamp = f"{now} {sign}{abs(offset) // 3600:02d}{abs(offset) % 3600 // 60:02d}"
    head = [f"tree {tree}"] + ([f"parent {parent}"] if parent else []) + [
        f"author {who} {stamp}", f"committer {by} {stamp}"]
    commit = _store(repo, b"commit", ("\n".join(head) + "\n\n" + text).encode("utf-8")).hex()
    # Known as read_commit would read it, so the page views after this save need not.
    _remember(Commit(commit, bytes.fromhex(tree), (parent,) if parent else (), author.name,
                     author.email, datetime.fromtimestamp(now, timezone(timedelta(seconds=offset))),
                     text))
    return commit


def _store(repo, kind, data):
    return repo.odb.store(IStream(kind, len(data), BytesIO(data))).binsha
