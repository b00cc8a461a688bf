"""API routes for books, members and chapters."""
from flask import g, jsonify, request

from ..manuscripts import books as svc
from ..manuscripts.authoring import pushers_of
from ..errors import Forbidden, Invalid
from ..extensions import manuscript_store
from ..people.accounts import find_org, find_user
from ..people.permissions import can_create_book, can_manage_book
from .base import bp


def body():
    """Return the request's JSON object; Invalid when it is missing or not an object."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid("the body must be a JSON object")
    return data


def field(data, name, kind=str, required=True):
    """Return ``data[name]`` checked to be of ``kind``; Invalid names the field."""
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, kind):
        raise Invalid(f"field '{name}' is required and must be a {kind.__name__}")
    return value


def book_json(book):
    """Return a book as the API shows it."""
    return {"slug": book.slug, "title": book.title, "lead_org": book.lead_org.name,
            "revision": book.head_revision}


def chapter_json(chapter):
    """Return a chapter (without its text) as the API shows it."""
    return {"id": chapter.key, "title": chapter.title, "path": chapter.path,
            "state": chapter.state.value, "revision": chapter.revision,
            "assignees": [u.email for u in chapter.assignees]}


@bp.get("/books")
def list_books():
    """The books the caller may read."""
    return jsonify([book_json(b) for b in svc.visible_books(g.user)])


@bp.post("/books")
def create_book():
    """Create a book and its repository (editors and admins); 201."""
    if not can_create_book(g.user):
        raise Forbidden("only editors and admins may create books")
    data = body()
    org = find_org(field(data, "lead_org"))
    book = svc.create_book(manuscript_store(), field(data, "slug"), field(data, "title"),
                           org, g.user)
    svc.add_member(book, g.user, "editor")
    return jsonify(book_json(book)), 201


@bp.post("/books/<slug>/members")
def add_member(slug):
    """Give a person a role on the book (its editors); 201."""
    book = svc.readable_book(g.user, slug)
    if not can_manage_book(g.user, book):
        raise Forbidden("only the book's editors may add members")
    data = body()
    user = find_user(field(data, "email"))
    member = svc.add_member(book, user, field(data, "role"))
    return jsonify({"email": user.email, "role": member.role.value}), 201


@bp.get("/books/<slug>/chapters")
def list_chapters(slug):
    """The book's chapters in order, with state, revision and assignees."""
    book = svc.readable_book(g.user, slug)
    return jsonify([chapter_json(c) for c in book.chapters])


@bp.post("/books/<slug>/chapters")
def create_chapter(slug):
    """Add a chapter with an empty file (the book's editors); 201."""
    book = svc.readable_book(g.user, slug)
    if not can_manage_book(g.user, book):
        raise Forbidden("only the book's editors may create chapters")
    data = body()
    emails = field(data, "assignees", list, required=False) or []
    assignees = [find_user(e if isinstance(e, str) else "") for e in emails]
    chapter = svc.create_chapter(manuscript_store(), book, field(data, "id"),
                                 field(data, "title"), assignees, g.user)
    return jsonify(chapter_json(chapter)), 201


@bp.get("/books/<slug>/chapters/<key>")
def get_chapter(slug, key):
    """A chapter's text at the head, or at ``?rev=`` (a revision the book's refs reach)."""
    chapter = svc.find_chapter(svc.readable_book(g.user, slug), key)
    text = svc.read_chapter(manuscript_store(), chapter, request.args.get("rev"))
    return jsonify({"id": chapter.key, "title": chapter.title, "state": chapter.state.value,
                    "revision": text.revision, "head": text.head, "content": text.content})


@bp.put("/books/<slug>/chapters/<key>")
def save_chapter(slug, key):
    """Save from ``base_revision``: 200 (maybe merged), 409 conflict, 423 locked, 503 busy."""
    chapter = svc.find_chapter(svc.readable_book(g.user, slug), key)
    data = body()
    result = svc.save_chapter(manuscript_store(), chapter, g.user, field(data, "content"),
                              field(data, "base_revision"),
                              field(data, "message", required=False))
    return jsonify({"revision": result.revision, "merged": result.merged,
                    "changed": result.changed})


@bp.get("/books/<slug>/chapters/<key>/history")
def chapter_history(slug, key):
    """The chapter's revisions, newest first, with who pushed others' work."""
    chapter = svc.find_chapter(svc.readable_book(g.user, slug), key)
    log = manuscript_store().book(slug).log(chapter.path)
    pushers = pushers_of(chapter.book, log)
    return jsonify([{"revision": r.revision, "author": r.author, "email": r.email,
                     "date": r.date, "message": r.message,
                     "pushed_by": pushers[r.revision].email if r.revision in pushers else None}
                    for r in log])


@bp.get("/books/<slug>/chapters/<key>/diff")
def chapter_diff(slug, key):
    """The unified diff of the chapter between two revisions, as text."""
    chapter = svc.find_chapter(svc.readable_book(g.user, slug), key)
    from_rev, to_rev = request.args.get("from"), request.args.get("to")
    if not from_rev or not to_rev:
        raise Invalid("give both ?from=REV and ?to=REV as full commit ids")
    text = manuscript_store().book(slug).diff(from_rev, to_rev, chapter.path)
    return text, 200, {"Content-Type": "text/plain; charset=utf-8"}
