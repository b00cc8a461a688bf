"""Permission matrix cases for Git over HTTP (HTTP Basic: e-mail and API token, no session).

Readers may fetch; the book's editors and whoever may edit one of its chapters may
push. A POST without git's content type reaches git http-backend, which answers
415: that it got so far shows the app let the person through.
"""
from matrix import Case, expect

REPO = "/git/labor-rights.git"
PUSHERS = expect(401, other_author=403, production=403)
READ_POST = expect(401, author=415, other_author=415, coordinator=415, editor=415,
                   production=415, admin=415)
PUSH_POST = expect(401, author=415, other_author=403, coordinator=415, editor=415,
                   production=403, admin=415)

CASES = [
    Case("git.info_refs", "GET", REPO + "/info/refs?service=git-upload-pack", expect(401),
         auth="basic"),
    Case("git.info_refs", "GET", REPO + "/info/refs?service=git-receive-pack", PUSHERS,
         auth="basic"),
    Case("git.info_refs", "GET", REPO + "/info/refs", expect(401, **{  # "dumb" HTTP: no
        r: 403 for r in ("author", "other_author", "coordinator", "editor", "production",
                         "admin")}), auth="basic"),
    Case("git.upload_pack", "POST", REPO + "/git-upload-pack", READ_POST, auth="basic"),
    Case("git.receive_pack", "POST", REPO + "/git-receive-pack", PUSH_POST, auth="basic",
         write=True),
]
