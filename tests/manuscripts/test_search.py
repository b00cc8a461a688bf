"""Search: Chinese phrases in the books a person may read, with highlighted passages."""
from alliance.manuscripts.books import add_member, create_book, create_chapter, find_book
from alliance.extensions import db, manuscript_store
from alliance.models import User
from alliance.manuscripts import search


def save(client, world, email, text, key="ch01"):
    head = client.get(f"/api/v1/books/labor-rights/chapters/{key}",
                      headers={"Authorization": f"Bearer {world.tokens[email]}"}).json
    answer = client.put(f"/api/v1/books/labor-rights/chapters/{key}",
                        headers={"Authorization": f"Bearer {world.tokens[email]}"},
                        json={"content": text, "base_revision": head["revision"]})
    assert answer.status_code == 200, answer.json
    return answer.json["revision"]


def test_finds_a_chinese_phrase_saved_a_moment_ago_with_its_revision(client, auth, world):
    revision = save(client, world, world.emails["author"],
                    "# 第一章\n\n外卖骑手的职业伤害保障正在试点推进。\n")
    auth.login(world.emails["other_author"])
    page = client.get("/search?q=职业伤害保障").get_data(as_text=True)
    assert "第一章　概述" in page and "新就业形态劳动者权益保障" in page
    assert "<mark>职业伤害保障</mark>" in page
    assert revision[:10] in page


def test_two_character_queries_fall_back_and_still_highlight(client, auth, world):
    save(client, world, world.emails["author"], "# 第一章\n\n工会是职工之家。\n")
    auth.login(world.emails["editor"])
    page = client.get("/search?q=工会").get_data(as_text=True)
    assert "<mark>工会</mark>" in page


def test_books_the_person_may_not_read_are_never_shown(app, client, auth, world):
    with app.app_context():
        store = manuscript_store()
        editor = db.session.get(User, world.editor.id)
        hubei = db.session.get(User, world.other_author.id).org
        secret = create_book(store, "hubei-only", "湖北内部教材", hubei, editor)
        add_member(secret, editor, "editor")
        create_chapter(store, secret, "s1", "保密章节", [], editor,
                       "# 保密\n\n湖北独有的调解经验。\n".encode())
        db.session.commit()
    auth.login(world.emails["author"])  # Anhui: no role on the Hubei book
    page = client.get("/search?q=独有的调解经验").get_data(as_text=True)
    assert "湖北内部教材" not in page and "search-results" not in page
    auth.logout()
    auth.login(world.emails["editor"])  # the publisher's editors read every book
    assert "<mark>独有的调解经验</mark>" in client.get("/search?q=独有的调解经验").get_data(
        as_text=True)


def test_hostile_text_in_a_snippet_is_escaped(client, auth, world):
    save(client, world, world.emails["author"],
         '# 第一章\n\n注意<script>alert(1)</script>劳动合同的签订。\n')
    auth.login(world.emails["author"])
    page = client.get("/search?q=劳动合同").get_data(as_text=True)
    assert "</script>" not in page.split("<main", 1)[1] and "&lt;/script&gt;" in page
    assert "<mark>劳动合同</mark>" in page


def test_reindex_repairs_the_index_and_empty_queries_find_nothing(app, client, auth, world):
    with app.app_context():
        book = find_book("labor-rights")
        assert search.reindex(book) == 1
        db.session.commit()
    auth.login(world.emails["author"])
    assert "<mark>新就业形态劳动者</mark>" in client.get(
        "/search?q=新就业形态劳动者").get_data(as_text=True)
    page = client.get("/search?q=").get_data(as_text=True)
    assert "search-results" not in page
    missing = client.get('/search?q="完全不存在的词语"').get_data(as_text=True)
    assert "没有找到" in missing and "search-results" not in missing


def test_search_needs_a_login(client):
    assert client.get("/search?q=工会").status_code == 302


def test_saves_leave_the_index_alone_and_a_search_brings_it_up_to_date(app, client, auth,
                                                                        world):
    with app.app_context():
        book = find_book("labor-rights")
        before = search._indexed_revisions([book.id])
    revision = save(client, world, world.emails["author"], "# 第一章\n\n仲裁时效为一年。\n")
    with app.app_context():
        book = find_book("labor-rights")
        assert search._indexed_revisions([book.id]) == before  # the save wrote no index
    auth.login(world.emails["author"])
    assert "<mark>仲裁时效为一年</mark>" in client.get("/search?q=仲裁时效为一年").get_data(
        as_text=True)
    with app.app_context():
        book = find_book("labor-rights")
        assert search._indexed_revisions([book.id])[(book.id, "ch01")] == revision
        assert search.refresh([book.id]) == 0  # nothing left to index
