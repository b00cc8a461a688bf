"""Issue 16 (hardening): reads by revision accept only commits the book's refs reach."""
from alliance.extensions import manuscript_store
from alliance.store import gitcmd

API = "/api/v1/books/labor-rights"


def lost_commit(app):
    """A commit in the book's repository that no ref reaches (a save that lost its race)."""
    with app.app_context():
        repo = manuscript_store().book("labor-rights")
        blob = gitcmd.output(repo.path, ["hash-object", "-w", "--stdin"], input="# 秘密\n".encode())
        tree = gitcmd.output(repo.path, ["mktree"],
                             input=f"100644 blob {blob}\tch01.md\n".encode())
        tree = gitcmd.output(repo.path, ["mktree"],
                             input=f"040000 tree {tree}\tchapters\n".encode())
        return gitcmd.output(repo.path, ["commit-tree", tree, "-m", "lost"])


def bearer(world, who):
    return {"Authorization": f"Bearer {world.tokens[world.emails[who]]}"}


def test_the_api_refuses_a_commit_no_ref_reaches(app, client, world):
    lost = lost_commit(app)
    answer = client.get(f"{API}/chapters/ch01?rev={lost}", headers=bearer(world, "author"))
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_revision"
    head = client.get(f"{API}/chapters/ch01", headers=bearer(world, "author")).get_json()["head"]
    answer = client.get(f"{API}/chapters/ch01/diff?from={head}&to={lost}",
                        headers=bearer(world, "author"))
    assert answer.status_code == 400
    answer = client.post(f"{API}/exports", headers=bearer(world, "editor"),
                         json={"formats": ["html"], "rev": lost})
    assert answer.status_code == 400
    answer = client.post(f"{API}/chapters/ch01/comments", headers=bearer(world, "editor"),
                         json={"revision": lost, "line_start": 1, "line_end": 1, "body": "看"})
    assert answer.status_code == 400


def test_the_pages_refuse_it_too(app, client, auth, world):
    lost = lost_commit(app)
    auth.login(world.emails["author"])
    answer = client.get(f"/books/labor-rights/chapters/ch01?rev={lost}")
    assert answer.status_code == 400 and "秘密" not in answer.get_data(as_text=True)
    assert client.get(f"/books/labor-rights/files/{lost}/images/x.png").status_code in (400, 404)
