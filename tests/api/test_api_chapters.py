"""The JSON API's book and chapter calls, with Bearer tokens."""
import pytest


def bearer(world, who):
    return {"Authorization": f"Bearer {world.tokens[world.emails[who]]}"}


def get_chapter(client, world, who="author"):
    return client.get("/api/v1/books/labor-rights/chapters/ch01", headers=bearer(world, who))


def put_chapter(client, world, content, base, who="author", **extra):
    return client.put("/api/v1/books/labor-rights/chapters/ch01", headers=bearer(world, who),
                      json={"content": content, "base_revision": base, **extra})


def test_no_token_or_bad_token_is_401_json(client, world):
    for headers in ({}, {"Authorization": "Bearer alc_nope"}, {"Authorization": "Basic x"}):
        answer = client.get("/api/v1/books", headers=headers)
        assert answer.status_code == 401
        assert answer.json["error"] == "unauthorized" and answer.json["message"]


def test_session_cookie_is_not_accepted(client, world, auth):
    auth.login(world.emails["author"])
    assert client.get("/api/v1/books").status_code == 401


def test_list_books_and_chapters(client, world):
    books = client.get("/api/v1/books", headers=bearer(world, "author")).json
    assert [b["slug"] for b in books] == ["labor-rights"]
    chapters = client.get("/api/v1/books/labor-rights/chapters",
                          headers=bearer(world, "author")).json
    assert chapters[0]["id"] == "ch01" and chapters[0]["state"] == "draft"
    assert chapters[0]["assignees"] == [world.emails["author"]]
    assert len(chapters[0]["revision"]) == 40


def test_read_save_read_round_trip_and_history(client, world):
    first = get_chapter(client, world).json
    assert first["content"].startswith("# 第一章")
    answer = put_chapter(client, world, first["content"] + "\n第二段。\n", first["revision"],
                         message="加一段")
    assert answer.status_code == 200, answer.json
    assert answer.json["merged"] is False and len(answer.json["revision"]) == 40
    second = get_chapter(client, world).json
    assert second["content"].endswith("第二段。\n") and second["revision"] == answer.json["revision"]
    history = client.get("/api/v1/books/labor-rights/chapters/ch01/history",
                         headers=bearer(world, "author")).json
    assert history[0]["message"] == "加一段" and history[0]["author"] == "张老师"
    old = client.get(f"/api/v1/books/labor-rights/chapters/ch01?rev={first['revision']}",
                     headers=bearer(world, "author")).json
    assert old["content"] == first["content"]
    diff = client.get("/api/v1/books/labor-rights/chapters/ch01/diff?from="
                      f"{first['revision']}&to={second['revision']}", headers=bearer(world, "author"))
    assert diff.status_code == 200 and "+第二段。" in diff.get_data(as_text=True)


def test_stale_disjoint_save_merges_and_overlap_conflicts_with_texts(client, world):
    base = get_chapter(client, world).json
    text = base["content"]
    put_chapter(client, world, text + "作者补充。\n", base["revision"])
    merged = put_chapter(client, world, text.replace("# 第一章　概述", "# 第一章　总论"),
                         base["revision"], who="editor")
    assert merged.status_code == 200 and merged.json["merged"] is True
    current = get_chapter(client, world).json["content"]
    assert "总论" in current and "作者补充。" in current
    mine = text + "另一位作者的补充。\n"
    conflict = put_chapter(client, world, mine, base["revision"])
    assert conflict.status_code == 409
    body = conflict.json
    assert body["error"] == "conflict" and body["mine"] == mine
    assert body["base"] == text and "作者补充。" in body["theirs"]
    assert get_chapter(client, world).json["content"] == current


def test_unassigned_author_is_forbidden_and_nothing_changes(client, world):
    base = get_chapter(client, world).json
    answer = put_chapter(client, world, "篡改", base["revision"], who="other_author")
    assert answer.status_code == 403 and answer.json["error"] == "forbidden"
    assert get_chapter(client, world).json["content"] == base["content"]


def test_coordinator_of_the_authors_school_may_edit(client, world):
    base = get_chapter(client, world, who="coordinator").json
    answer = put_chapter(client, world, base["content"] + "主编修改。\n", base["revision"],
                         who="coordinator")
    assert answer.status_code == 200


@pytest.mark.parametrize("rev", ["HEAD~1", "--output=/tmp/x", "abc1234", "../x"])
def test_hostile_revisions_are_400_with_a_message(client, world, rev):
    answer = put_chapter(client, world, "x", rev)
    assert answer.status_code == 400 and answer.json["error"] == "invalid_revision"
    assert "commit id" in answer.json["message"]
    read = client.get(f"/api/v1/books/labor-rights/chapters/ch01?rev={rev}",
                      headers=bearer(world, "author"))
    assert read.status_code == 400


def test_bad_bodies_are_400_naming_the_field(client, world):
    base = get_chapter(client, world).json["revision"]
    headers = bearer(world, "author")
    url = "/api/v1/books/labor-rights/chapters/ch01"
    assert client.put(url, headers=headers, data="not json").status_code == 400
    answer = client.put(url, headers=headers, json={"content": 5, "base_revision": base})
    assert answer.status_code == 400 and "content" in answer.json["message"]


def test_unknown_book_and_chapter_are_404_json(client, world):
    headers = bearer(world, "author")
    assert client.get("/api/v1/books/nope/chapters", headers=headers).json["error"] == "not_found"
    assert client.get("/api/v1/books/labor-rights/chapters/ch99",
                      headers=headers).status_code == 404


def test_editor_creates_chapter_with_assignees_and_it_is_in_book_yaml(client, world, app):
    answer = client.post("/api/v1/books/labor-rights/chapters", headers=bearer(world, "editor"),
                         json={"id": "ch02", "title": "第二章　法律框架",
                               "assignees": [world.emails["other_author"]]})
    assert answer.status_code == 201 and answer.json["assignees"] == [world.emails["other_author"]]
    from alliance.extensions import manuscript_store
    with app.app_context():
        repo = manuscript_store().book("labor-rights")
        assert "ch02" in repo.load("book.yaml").decode()
        assert repo.load("chapters/ch02.md") == b""
    again = client.post("/api/v1/books/labor-rights/chapters", headers=bearer(world, "editor"),
                        json={"id": "ch02", "title": "重复"})
    assert again.status_code == 409


def test_author_may_not_create_chapters_or_books(client, world):
    headers = bearer(world, "author")
    assert client.post("/api/v1/books/labor-rights/chapters", headers=headers,
                       json={"id": "ch09", "title": "x"}).status_code == 403
    assert client.post("/api/v1/books", headers=headers,
                       json={"slug": "b2", "title": "t", "lead_org": "中国工人出版社"}
                       ).status_code == 403


def test_editor_creates_book_and_adds_member(client, world):
    headers = bearer(world, "editor")
    answer = client.post("/api/v1/books", headers=headers,
                         json={"slug": "union-basics", "title": "工会基础知识",
                               "lead_org": "湖北省工会干部学校"})
    assert answer.status_code == 201 and answer.json["title"] == "工会基础知识"
    member = client.post("/api/v1/books/union-basics/members", headers=headers,
                         json={"email": world.emails["other_author"], "role": "author"})
    assert member.status_code == 201
    bad = client.post("/api/v1/books", headers=headers,
                      json={"slug": "../x", "title": "t", "lead_org": "中国工人出版社"})
    assert bad.status_code == 400


def test_error_messages_follow_the_language(client, world):
    headers = {**bearer(world, "author"), "Accept-Language": "zh-CN"}
    answer = client.put("/api/v1/books/labor-rights/chapters/ch01", headers=headers, data="x")
    zh = answer.json["message"]
    headers["Accept-Language"] = "en"
    en = client.put("/api/v1/books/labor-rights/chapters/ch01", headers=headers,
                    data="x").json["message"]
    assert en.startswith("The request is not valid.") and zh != en


def test_a_save_that_cannot_land_now_is_503_busy_and_writes_nothing(app, client, world,
                                                                     monkeypatch):
    import os

    from alliance.extensions import manuscript_store
    from helpers import push_holding_main
    monkeypatch.setattr("alliance.store.book_repo.MAX_ATTEMPTS", 3)
    first = get_chapter(client, world).json
    with app.app_context():
        git_dir = manuscript_store().book("labor-rights").path
    with push_holding_main(git_dir) as lock:  # a push in progress
        answer = put_chapter(client, world, "新的文字。\n", first["revision"])
    assert answer.status_code == 503 and answer.json["error"] == "busy"
    assert answer.headers["Retry-After"] == "1" and "再" in answer.json["message"]
    assert get_chapter(client, world).json["revision"] == first["revision"]
    # The push is over and its lock was left behind: the same request now lands.
    again = put_chapter(client, world, "新的文字。\n", first["revision"])
    assert again.status_code == 200 and not os.path.exists(lock)
