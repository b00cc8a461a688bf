"""Permission matrix cases for the editor area: edit, preview, history, diff, restore."""
from matrix import WEB_READ, Case, expect

CHAPTER = "/books/labor-rights/chapters/ch01"
# Those who may edit ch01: its author, their school's coordinator, the book's editor, admins.
WRITERS_GET = expect(302, other_author=403, production=403)
WRITERS_POST = expect(302, author=302, coordinator=302, editor=302, admin=302,
                      other_author=403, production=403)

CASES = [
    Case("editor.edit", "GET", CHAPTER + "/edit", WRITERS_GET),
    Case("editor.save", "POST", CHAPTER + "/edit", WRITERS_POST,
         form={"content": "# 第一章\n\n{role}在编辑器里改写。\n", "base_revision": "{head}",
               "message": "矩阵"}, write=True),
    Case("editor.preview", "POST", CHAPTER + "/preview", expect(401),
         form={"content": "## 预览\n\n正文。"}),
    Case("editor.history", "GET", CHAPTER + "/history", WEB_READ),
    Case("editor.diff", "GET", CHAPTER + "/diff?from={first}&to={head}", WEB_READ),
    Case("editor.restore", "POST", CHAPTER + "/restore", WRITERS_POST,
         form={"rev": "{first}"}, write=True),
]
