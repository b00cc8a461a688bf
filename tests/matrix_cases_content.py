"""Permission matrix cases for chapters management, images, Word import and search."""
import io

from matrix import ROLES, SVG, WEB_READ, Case, expect

from alliance.publishing import bookmeta
from alliance.manuscripts import chapters
from alliance.manuscripts.books import find_book
from alliance.extensions import db, manuscript_store
from alliance.models import User
from alliance.store import Person

MANAGERS = expect(302, author=403, other_author=403, coordinator=403, production=403,
                  editor=302, admin=302)
CH01_WRITERS_POST = expect(302, other_author=403, production=403, author=302, coordinator=302,
                           editor=302, admin=302)
MANAGERS_GET = expect(302, author=403, other_author=403, coordinator=403, production=403,
                      editor=200, admin=200)


class ReusableFile(io.BytesIO):
    """An upload the test client can send once per role: closing it rewinds it."""

    def close(self):
        self.seek(0)


def prepare(app, world):
    """Chapters for each manager to delete, and two chapters deleted in one commit to restore."""
    store = manuscript_store()
    book = find_book("labor-rights")
    editor = db.session.get(User, world.editor.id)
    for key in ("del-editor", "del-admin", "gone-editor", "gone-admin"):
        chapters.create(store, book, key, f"章节 {key}", [], editor)
    # One commit deletes both, so one revision in the form serves the editor and the admin.
    gone = [c for c in book.chapters if c.key.startswith("gone-")]
    repo = store.book(book.slug)
    meta = bookmeta.parse(repo.load("book.yaml"))
    meta["chapters"] = [e for e in meta["chapters"] if not e["id"].startswith("gone-")]
    result = repo.save({"book.yaml": bookmeta.dump(meta), **{c.path: None for c in gone}},
                       repo.head(), Person(editor.name, editor.email), "Delete two chapters")
    for chapter in gone:
        book.chapters.remove(chapter)
    book.head_revision = result.revision
    return {"gone": result.revision}


CASES = [
    Case("content.contents", "GET", "/books/labor-rights/contents", MANAGERS_GET),
    Case("content.create", "POST", "/books/labor-rights/contents", MANAGERS,
         form={"key": "new-{role}", "title": "新章节"}, write=True),
    Case("content.rename", "POST", "/books/labor-rights/chapters/ch01/rename", MANAGERS,
         form={"title": "第一章　{role}"}, write=True),
    Case("content.move", "POST", "/books/labor-rights/chapters/ch01/move", MANAGERS,
         form={"direction": "down"}, write=True),
    Case("content.delete", "POST", "/books/labor-rights/chapters/del-{role}/delete", MANAGERS,
         write=True),
    Case("content.restore", "POST", "/books/labor-rights/contents/restore", MANAGERS,
         form={"key": "gone-{role}", "revision": "{gone}"}, write=True),
    Case("content.images", "GET", "/books/labor-rights/images", WEB_READ),
    Case("content.upload", "POST", "/books/labor-rights/images", CH01_WRITERS_POST,
         form={"file": (ReusableFile(SVG), "fig.svg"), "caption": "图"}, write=True),
    Case("content.word_import", "GET", "/books/labor-rights/chapters/ch01/import",
         expect(302, other_author=403, production=403)),
    Case("content.upload_word", "POST", "/books/labor-rights/chapters/ch01/import",
         expect(302, other_author=403, production=403, author=400, coordinator=400,
                editor=400, admin=400), form={"note": "no file"}, write=True),
    Case("content.confirm_import", "POST", "/books/labor-rights/chapters/ch01/import/confirm",
         CH01_WRITERS_POST, form={"action": "save"}, write=True),
    Case("content.import_media", "GET",
         "/books/labor-rights/chapters/ch01/import/media/ch01-1.png",
         expect(302, other_author=403, production=403, author=404, coordinator=404,
                editor=404, admin=404)),
    Case("content.search", "GET", "/search?q=新就业形态", {r: 200 for r in ROLES} | {
        "anonymous": 302}),
]
