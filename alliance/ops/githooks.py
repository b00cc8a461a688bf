"""The hooks of pushes over HTTP: ``python -m alliance.ops.githooks pre-receive|post-receive``.

git receive-pack runs them in the book's bare repository with the environment
the app gave ``git http-backend`` (alliance/web/git.py): ALLIANCE_HOME and
friends, ALLIANCE_BOOK and ALLIANCE_PUSHER (the user's id). Without a pusher
they refuse, so a push that did not come through the app is never let in
unchecked.

pre-receive asks permissions.py what the pusher may change, like the pages do.
Only ``main`` may move, only forward. Every file changed, by the push as a whole
and by each commit in it (a merge: what differs from all its parents), must be:
a chapter's file that the pusher may edit and that is neither approved (locked) nor
in review (its reviewers read exactly the submitted text); or,
for the book's editors only, book.yaml, images/ and new chapters, which must be
listed in book.yaml. Chapter files and book.yaml cannot be deleted by a push.
Each refusal is one line, ``<path>: <reason>`` in the pusher's language, which
git shows as ``remote: ...``.

post-receive records the new revision of each changed chapter through
books.record_change (the one place after-save work hangs off), attributing it
to the pusher, and commits once. Every commit must be the pusher's own (author
and committer e-mail), except that the book's editors may push others' work: Git
keeps those authors as pushed, and a PushedCommit row names the pusher, whom the
history shows beside the author.
"""
import os
import re
import sys

from flask_babel import force_locale
from flask_babel import gettext as _

from ..people import audit
from ..publishing import bookmeta
from .. import create_app
from ..manuscripts import outline
from ..manuscripts.books import find_book, record_change
from ..errors import Invalid
from ..extensions import db, manuscript_store
from ..names import check_name
from ..models import Chapter, ChapterState, PushedCommit, User
from ..manuscripts.images import check_image
from ..people.permissions import can_manage_book, can_push_file
from ..store import InvalidPath, check_path, gitcmd

ZERO = "0" * 40
BRANCH = "refs/heads/main"
REGULAR_MODES = ("100644", "100755")
_CHAPTER_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")


def main(argv=None):
    """Run the hook named in ``argv`` on the ref updates on stdin; return the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    hook = argv[0] if argv else ""
    updates = [tuple(line.split()) for line in sys.stdin.read().splitlines() if line.strip()]
    pusher, slug = os.environ.get("ALLIANCE_PUSHER"), os.environ.get("ALLIANCE_BOOK")
    if hook not in ("pre-receive", "post-receive") or not pusher or not slug:
        print("Alliance: push through the app (/git/<book>.git); "
              "pushes made any other way are refused.", file=sys.stderr)
        return 1
    app = create_app()
    with app.test_request_context():
        user = db.session.get(User, int(pusher))
        book = find_book(slug)
        if user is None or not user.is_active:
            print("Alliance: the pusher is unknown or deactivated.", file=sys.stderr)
            return 1
        with force_locale(user.locale or app.config["DEFAULT_LOCALE"]):
            if hook == "pre-receive":
                problems = refusals(os.getcwd(), user, book, updates)
                for problem in problems:
                    print(problem, file=sys.stderr)
                return 1 if problems else 0
            record_push(os.getcwd(), user, book, updates)
            db.session.commit()
    return 0


def refusals(git_dir, user, book, updates):
    """Return one line per reason to refuse the ref ``updates`` [(old, new, ref)] of ``user``."""
    problems = []
    for old, new, ref in updates:
        problems += _check_update(git_dir, user, book, old, new, ref)
    return problems


def _check_update(git_dir, user, book, old, new, ref):
    if ref != BRANCH:
        return [_("%(ref)s: only the main branch can be pushed; push your commits to main.",
                  ref=ref)]
    if new == ZERO:
        return [_("%(ref)s: the main branch cannot be deleted.", ref=ref)]
    if old == ZERO or not is_ancestor(git_dir, old, new):
        return [_("%(ref)s: this push would rewrite the book's history (a force push). "
                  "Fetch, merge your work with the book's and push again.", ref=ref)]
    net = net_changes(git_dir, old, new)
    paths = set(net) | _commit_changes(git_dir, old, new)
    chapters = {c.path: c for c in book.chapters}
    listed = _listed_chapters(git_dir, new)
    problems = author_refusals(git_dir, user, book, old, new)
    problems += image_refusals(git_dir, old, new)
    for path in sorted(paths):
        problem = _check_file(git_dir, user, book, chapters, listed, path, net.get(path), new)
        if problem:
            problems.append(f"{path}: {problem}")
    return problems


def _check_file(git_dir, user, book, chapters, listed, path, change, new):
    """Return why ``user`` may not push this change of ``path``, or None when they may."""
    try:
        check_path(path)
        path.encode("utf-8")
    except (InvalidPath, UnicodeEncodeError):
        return _("this is not a file of a book: a book holds book.yaml, chapters/ and images/.")
    chapter = chapters.get(path)
    if not can_push_file(user, book, chapter):
        if chapter is not None:
            return _("you may not edit this chapter.")
        return _("only the book's editors may change this file.")
    if chapter is not None and chapter.state == ChapterState.APPROVED:
        return _("this chapter is approved and locked; an editor must reopen it first.")
    if chapter is not None and chapter.state in (ChapterState.SUBMITTED, ChapterState.IN_REVIEW):
        return _("this chapter is in review; it can change again when the reviewers send it "
                 "back.")
    if change is None:
        return None  # changed and changed back within the push: nothing lands
    status, mode = change
    if status == "D":
        if chapter is not None or path == "book.yaml":
            return _("this file cannot be deleted by a push.")
        return None
    if mode not in REGULAR_MODES:
        return _("only plain files can be pushed (no links or submodules).")
    return _check_content(git_dir, chapter, listed, path, new)


def _check_content(git_dir, chapter, listed, path, new):
    """Return why the file's new content would break the book, or None."""
    data = gitcmd.run(git_dir, ["cat-file", "blob", f"{new}:{path}"])[1]
    if path == "book.yaml":
        try:
            meta = bookmeta.parse(data)
            check_name(meta.get("title") if isinstance(meta.get("title"), str) else "",
                       _("book title"))
            for entry in meta["chapters"]:
                if isinstance(entry, dict) and isinstance(entry.get("title"), str):
                    check_name(entry["title"], _("chapter title"))
        except Invalid as exc:
            return _("the file cannot be read: %(error)s", error=exc.message)
    elif path.startswith("chapters/") and path.endswith(".md"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return _("a chapter must be UTF-8 text.")
        if chapter is None and path not in listed:
            return _("a new chapter must be listed in book.yaml with its id, title and file.")
    return None


_IMAGE_KINDS = {".png": "png", ".jpg": "jpg", ".jpeg": "jpg", ".svg": "svg"}


def image_refusal(path, data):
    """Return why ``data`` may not be the image ``path``, or None: the checks of an upload.

    PNG, JPEG or SVG only, named for what it is; an SVG must already be clean (sanitizing
    it would remove something: a script, an event handler, an outside reference).
    """
    kind = _IMAGE_KINDS.get(os.path.splitext(path)[1].lower())
    if kind is None:
        return _("only PNG, JPEG and SVG images can be pushed (.png, .jpg, .svg).")
    try:
        checked = check_image(data)
    except Invalid as exc:
        return exc.message
    if checked.kind != kind:
        return _("the file's content does not match its name (%(kind)s).", kind=checked.kind)
    if checked.removed:
        return _("the SVG holds parts that are not allowed in a book (%(parts)s); remove them "
                 "or upload the image on the book's images page, which cleans it.",
                 parts=", ".join(sorted(set(checked.removed))))
    return None


def image_refusals(git_dir, old, new):
    """Return one line per image blob added or changed by any commit in old..new that an
    upload would refuse (so no commit of the book's history ever holds one)."""
    raw = gitcmd.run(git_dir, ["log", "--raw", "-z", "--no-renames", "--no-abbrev", "-m",
                               "--format=", f"{old}..{new}", "--", "images"])[1]
    fields = [f for f in raw.split(b"\0") if f.strip(b"\n")]
    seen, problems = set(), []
    for meta, path in zip(fields[0::2], fields[1::2]):
        parts = meta.decode("ascii").strip().lstrip(":").split()
        blob, status = parts[3], parts[4][0]
        path = path.decode("utf-8", "surrogateescape")
        if status == "D" or (blob, path) in seen:
            continue
        seen.add((blob, path))
        problem = image_refusal(path, gitcmd.run(git_dir, ["cat-file", "blob", blob])[1])
        if problem:
            problems.append(f"{path}: {problem}")
    return problems


def author_refusals(git_dir, user, book, old, new):
    """Return one line per commit in old..new whose author or committer is not ``user``.

    Editors of the book may push others' work (a merged contribution): the push record
    names them and the history shows them as the one who pushed it.
    """
    if can_manage_book(user, book):
        return []
    own = user.email.strip().lower()
    problems = []
    for sha, author, committer in _commit_people(git_dir, old, new):
        if author != own or committer != own:
            problems.append(_(
                "commit %(commit)s: its author or committer (%(who)s) is not you (%(you)s). "
                "Set git config user.email to the address you sign in with and commit again.",
                commit=sha[:10], who=author if author != own else committer, you=user.email))
    return problems


def _commit_people(git_dir, old, new):
    """Return [(commit, author email, committer email)] for old..new, e-mails lower-cased."""
    out = gitcmd.run(git_dir, ["log", "--format=%H%x00%ae%x00%ce", f"{old}..{new}"])[1]
    rows = []
    for line in out.decode("utf-8", "replace").splitlines():
        sha, author, committer = line.split("\0")
        rows.append((sha, author.strip().lower(), committer.strip().lower()))
    return rows


def record_push(git_dir, user, book, updates):
    """Record in the database what the accepted ``updates`` changed; flushes, never commits."""
    repo = manuscript_store().book(book.slug)
    for old, new, ref in updates:
        if ref != BRANCH or new == ZERO:
            continue
        net = net_changes(git_dir, old, new)
        chapters = {c.path: c for c in book.chapters}
        listed = _listed_chapters(git_dir, new)
        for path, (status, _mode) in sorted(net.items()):
            if not path.startswith("chapters/") or status == "D":
                continue
            chapter = chapters.get(path) or _register(book, listed.get(path), path)
            if chapter is None:
                continue
            revision = repo.last_change(path, new)
            # A web save that landed after this push may be recorded already: keep the newer.
            if chapter.revision and is_ancestor(git_dir, revision, chapter.revision):
                continue
            record_change(chapter, revision, user)
        if not (book.head_revision and is_ancestor(git_dir, new, book.head_revision)):
            book.head_revision = new
        if "book.yaml" in net:
            # Titles and order as book.yaml says at the head now (a later web save included).
            outline.follow_head(repo, book)
        own = user.email.strip().lower()
        for sha, author, _committer in _commit_people(git_dir, old, new):
            if author != own and db.session.get(PushedCommit, (book.id, sha)) is None:
                db.session.add(PushedCommit(book_id=book.id, revision=sha, pusher=user))
        audit.record(audit.GIT_PUSH, user, target=ref, book=book,
                     address=os.environ.get("REMOTE_ADDR"), old=old, new=new,
                     files=sorted(net))


def _register(book, entry, path):
    """Add the chapter an editor pushed (listed in book.yaml as ``entry``); None if unlisted."""
    if entry is None or any(c.key == entry["id"] for c in book.chapters):
        return None
    chapter = Chapter(book=book, key=entry["id"], title=entry["title"], path=path,
                      position=len(book.chapters), assignees=[])
    db.session.add(chapter)
    db.session.flush()
    return chapter


def _listed_chapters(git_dir, rev):
    """Return {file: {id, title}} of the well-formed chapter entries of book.yaml at ``rev``."""
    code, data = gitcmd.run(git_dir, ["cat-file", "blob", f"{rev}:book.yaml"], ok_codes=(0, 128))
    try:
        meta = bookmeta.parse(data) if code == 0 else {"chapters": []}
    except Invalid:
        return {}
    listed = {}
    for entry in meta["chapters"]:
        if not isinstance(entry, dict):
            continue
        key, title, file = entry.get("id"), entry.get("title"), entry.get("file")
        if isinstance(key, str) and _CHAPTER_KEY.fullmatch(key) and isinstance(file, str) \
                and isinstance(title, str) and title.strip():
            listed[file] = {"id": key, "title": title.strip()}
    return listed


def is_ancestor(git_dir, old, new):
    """Return True when commit ``old`` is ``new`` or one of its ancestors."""
    code, _out = gitcmd.run(git_dir, ["merge-base", "--is-ancestor", old, new],
                            ok_codes=(0, 1, 128))
    return code == 0


def net_changes(git_dir, old, new):
    """Return {path: (status letter, new mode)} for every file differing between two commits."""
    raw = gitcmd.run(git_dir, ["diff", "--raw", "-z", "--no-renames", "--no-abbrev",
                               old, new])[1]
    fields = raw.split(b"\0")
    changes = {}
    for meta, path in zip(fields[0::2], fields[1::2]):
        parts = meta.decode("ascii").lstrip(":").split()
        changes[path.decode("utf-8", "surrogateescape")] = (parts[4][0], parts[1])
    return changes


def _commit_changes(git_dir, old, new):
    """Return the paths changed by each commit in old..new (a merge: those unlike all parents)."""
    revs = gitcmd.run(git_dir, ["rev-list", f"{old}..{new}"])[1]
    raw = gitcmd.run(git_dir, ["diff-tree", "--stdin", "-r", "-c", "--root", "--no-commit-id",
                               "--name-only", "-z"], input=revs)[1]
    return {p.decode("utf-8", "surrogateescape") for p in raw.split(b"\0") if p}


if __name__ == "__main__":
    sys.exit(main())
