"""Permission matrix cases for the review workflow (see tests/matrix.py).

prepare() gives the book one unassigned stage, a chapter waiting at it (rv-sub), an
approved one (rv-ok), a comment thread on ch01 and a notification for the author.
Roles are asked in ROLES order, so after the author submits ch01 a coordinator, who
may submit, hears 409 (the state), while people who may not submit hear 403.
"""
from sqlalchemy import select

from matrix import EVERYONE, EVERYONE_POST, MEMBERS_POST, WEB_READ, API_READ, Case, expect

from alliance.review import comments, workflow
from alliance.manuscripts.books import create_chapter, find_book
from alliance.extensions import db, manuscript_store
from alliance.models import Notification, User

CH01 = "/books/labor-rights/chapters/ch01"
SUB = "/books/labor-rights/chapters/rv-sub"
OK = "/books/labor-rights/chapters/rv-ok"
NOBODY = dict(author=403, other_author=403, coordinator=403, production=403, admin=403)
SUBMIT = dict(NOBODY, author=302, coordinator=409, editor=403)
APPROVE = dict(NOBODY, editor=302)
REOPEN = dict(NOBODY, editor=302, admin=409)
COMMENTERS = expect(302, author=302, other_author=403, coordinator=302, editor=302,
                    production=403, admin=302)
EDITORS_GET = expect(302, author=403, other_author=403, coordinator=403, production=403)


def _api(table, ok):
    return {role: {302: ok}.get(code, code) for role, code in table.items()} | {
        "anonymous": 401}


CASES = [
    Case("review.page", "GET", CH01 + "/review", WEB_READ),
    Case("review.act", "POST", CH01 + "/review", expect(302, **SUBMIT),
         form={"action": "submit"}, write=True),
    Case("review.act", "POST", SUB + "/review", expect(302, **APPROVE),
         form={"action": "approve", "comment": "同意"}, write=True),
    Case("review.act", "POST", OK + "/review", expect(302, **REOPEN),
         form={"action": "reopen"}, write=True),
    Case("review.comment", "POST", CH01 + "/comments", COMMENTERS,
         form={"revision": "{head}", "line_start": "1", "line_end": "1", "body": "意见"},
         write=True),
    Case("review.reply", "POST", CH01 + "/comments/{thread_id}/reply", COMMENTERS,
         form={"body": "回复"}, write=True),
    Case("review.resolve", "POST", CH01 + "/comments/{thread_id}/resolve", COMMENTERS,
         write=True),
    Case("timeline.chapter_timeline", "GET", CH01 + "/timeline", WEB_READ),
    Case("timeline.book_audit", "GET", "/books/labor-rights/audit", EDITORS_GET),
    Case("timeline.book_audit_csv", "GET", "/books/labor-rights/audit.csv", EDITORS_GET),
    Case("timeline.book_progress", "GET", "/books/labor-rights/progress", WEB_READ),
    Case("timeline.stages", "GET", "/books/labor-rights/stages", EDITORS_GET),
    Case("timeline.stages", "POST", "/books/labor-rights/stages", MEMBERS_POST,
         form={"name": "初审", "reviewer": ""}, write=True),
    Case("inbox.index", "GET", "/inbox", EVERYONE),
    Case("inbox.read", "POST", "/inbox/{note_id}/read",
         {"anonymous": 302, "author": 302} | {r: 404 for r in (
             "other_author", "outsider", "coordinator", "editor", "production", "admin")},
         write=True),
    Case("inbox.read_all", "POST", "/inbox/read", EVERYONE_POST),
    Case("api.review_chapter", "POST", "/api/v1" + CH01 + "/review",
         _api(expect(302, **SUBMIT), 200), json={"action": "submit"}, write=True),
    Case("api.review_chapter", "POST", "/api/v1" + SUB + "/review",
         _api(expect(302, **APPROVE), 200), json={"action": "approve"}, write=True),
    Case("api.add_comment", "POST", "/api/v1" + CH01 + "/comments", _api(COMMENTERS, 201),
         json={"revision": "{head}", "line_start": 1, "line_end": 1, "body": "意见"},
         write=True),
    Case("api.chapter_timeline", "GET", "/api/v1" + CH01 + "/timeline", API_READ),
]


def prepare(app, world):
    """One unassigned stage; rv-sub waiting at it, rv-ok approved; a thread on ch01."""
    with app.app_context():
        store = manuscript_store()
        book = find_book("labor-rights")
        users = {k: db.session.scalar(select(User).filter_by(email=world.emails[k]))
                 for k in ("editor", "author")}
        editor, author = users["editor"], users["author"]
        workflow.configure_stages(book, [("终审", None)], False, editor)
        for key in ("rv-sub", "rv-ok"):
            chapter = create_chapter(store, book, key, "审读章", [author], editor,
                                     "# 审读章\n\n正文。\n".encode())
            workflow.submit(store, chapter, author)
        workflow.approve(store, chapter, editor)
        ch01 = next(c for c in book.chapters if c.key == "ch01")
        thread = comments.add_comment(store, ch01, editor, store.book(book.slug).head(), 1, 1,
                                      "标题再斟酌")
        note = db.session.scalar(select(Notification).filter_by(user_id=author.id))
        db.session.commit()
        return {"thread_id": thread.id, "note_id": note.id}
