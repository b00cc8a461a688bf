"""A book's members page: adding and removing members, assigning chapters."""
import pytest
from sqlalchemy import select

from alliance.people import audit
from alliance.manuscripts.books import add_member, find_book
from alliance.extensions import db
from alliance.models import AuditEvent, BookMember
from alliance.people.accounts import create_org, create_token, create_user, find_user
from conftest import PASSWORD

URL = "/books/labor-rights/members"
ASSIGN = "/books/labor-rights/chapters/ch01/assignees"


def snapshot(app):
    """What a refused member or assignment change must leave alone."""
    with app.app_context():
        book = find_book("labor-rights")
        return (sorted((m.user.email, m.role.value) for m in book.members),
                [(c.key, sorted(u.email for u in c.assignees)) for c in book.chapters])


def uid(app, email):
    with app.app_context():
        return find_user(email).id


@pytest.fixture
def newcomer(app, world):
    """A teacher of the Anhui school, not yet on the book, with an API token."""
    with app.app_context():
        user = create_user("new@ah.test", "刘老师", find_user(world.emails["author"]).org,
                           PASSWORD)
        token = create_token(user)
        db.session.commit()
    return token


def test_members_page_groups_by_role_and_is_linked_from_the_book(client, auth, world):
    auth.login(world.emails["author"])
    assert f'href="{URL}"' in client.get("/books/labor-rights").get_data(as_text=True)
    html = client.get(URL).get_data(as_text=True)
    assert "编辑" in html and "作者" in html and "张老师" in html and "湖北省工会干部学校" in html
    assert 'action="/books/labor-rights/members"' not in html  # no add form for an author
    assert "<select" not in html  # and no assignment form


def test_editor_adds_a_member_and_assigns_the_chapter_then_they_can_save(app, client, auth,
                                                                        world, newcomer):
    auth.login(world.emails["editor"])
    answer = client.post(URL, data={"email": "New@AH.test", "role": "author"})
    assert answer.status_code == 302 and answer.headers["Location"] == URL
    assert "刘老师" in client.get(URL).get_data(as_text=True)
    answer = client.post(ASSIGN, data={"assignees": [uid(app, "new@ah.test")]})
    assert answer.status_code == 302
    headers = {"Authorization": f"Bearer {newcomer}"}
    chapter = client.get("/api/v1/books/labor-rights/chapters/ch01", headers=headers).json
    saved = client.put("/api/v1/books/labor-rights/chapters/ch01", headers=headers,
                       json={"content": chapter["content"] + "新段落。\n",
                             "base_revision": chapter["revision"]})
    assert saved.status_code == 200, saved.json
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
            [audit.ROLE_ADDED, audit.CHAPTER_ASSIGNED])).order_by(AuditEvent.id)).all()
        last = events[-2:]
        assert [e.action for e in last] == [audit.ROLE_ADDED, audit.CHAPTER_ASSIGNED]
        assert all(e.actor.email == world.emails["editor"] for e in last)
        assert last[1].details == {"before": [world.emails["author"]], "after": ["new@ah.test"]}


def test_editor_removes_a_member_and_it_is_audited(app, client, auth, world):
    auth.login(world.emails["editor"])
    with app.app_context():
        member = db.session.scalar(select(BookMember).filter_by(
            user_id=find_user(world.emails["other_author"]).id))
        member_id = member.id
    answer = client.post(f"{URL}/{member_id}/remove")
    assert answer.status_code == 302
    assert "李老师<span" not in client.get(URL).get_data(as_text=True)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).filter_by(
            action=audit.ROLE_REMOVED)).one()
        assert event.target == world.emails["other_author"] and event.details["role"] == "author"


def test_unknown_email_is_a_form_error(client, auth, world):
    auth.login(world.emails["editor"])
    answer = client.post(URL, data={"email": "nobody@x.test", "role": "author"})
    assert answer.status_code == 400 and "没有人使用这个电子邮箱地址" in answer.get_data(as_text=True)


def test_an_author_gets_403_on_member_changes_and_nothing_changes(app, client, auth, world,
                                                                  newcomer):
    before = snapshot(app)
    auth.login(world.emails["author"])
    with app.app_context():
        member_id = db.session.scalar(select(BookMember.id).filter_by(
            user_id=find_user(world.emails["editor"]).id))
    assert client.post(URL, data={"email": "new@ah.test", "role": "editor"}).status_code == 403
    assert client.post(f"{URL}/{member_id}/remove").status_code == 403
    assert client.post(ASSIGN, data={"assignees": [uid(app, world.emails["other_author"])]}
                       ).status_code == 403
    assert snapshot(app) == before


def test_coordinator_assigns_own_school_but_not_another_school(app, client, auth, world,
                                                               newcomer):
    with app.app_context():
        add_member(find_book("labor-rights"), find_user("new@ah.test"), "author")
        db.session.commit()
    auth.login(world.emails["coordinator"])
    html = client.get(URL).get_data(as_text=True)
    options = html.split("<select")[1].split("</select>")[0]
    assert "刘老师" in options and "李老师" not in options  # only their school's authors
    before = snapshot(app)
    answer = client.post(ASSIGN, data={"assignees": [uid(app, world.emails["other_author"])]})
    assert answer.status_code == 403 and snapshot(app) == before
    answer = client.post(ASSIGN, data={"assignees": [uid(app, world.emails["author"]),
                                                     uid(app, "new@ah.test")]})
    assert answer.status_code == 302
    assert snapshot(app)[1] == [("ch01", ["author@ah.test", "new@ah.test"])]
    # The coordinator cannot add or remove members.
    assert client.post(URL, data={"email": "new@ah.test", "role": "editor"}).status_code == 403


def test_assignees_must_be_authors_of_this_book(app, client, auth, world):
    auth.login(world.emails["editor"])
    before = snapshot(app)
    for value in (uid(app, world.emails["coordinator"]), "x", 99999):
        assert client.post(ASSIGN, data={"assignees": [value]}).status_code == 400
    assert snapshot(app) == before


def test_chapters_and_members_of_another_book_are_not_found(app, client, auth, world):
    from alliance.manuscripts.books import create_book, create_chapter
    from alliance.extensions import manuscript_store
    with app.app_context():
        editor = find_user(world.emails["editor"])
        other = create_book(manuscript_store(), "other-book", "另一本书", editor.org, editor)
        add_member(other, editor, "editor")
        create_chapter(manuscript_store(), other, "x1", "别的章", [], editor)
        db.session.commit()
        foreign_member = db.session.scalar(select(BookMember.id).filter_by(book_id=other.id))
    auth.login(world.emails["editor"])
    assert client.post("/books/labor-rights/chapters/x1/assignees").status_code == 404
    assert client.post(f"{URL}/{foreign_member}/remove").status_code == 404


def test_people_who_may_not_read_the_book_get_404(app, client, auth, world):
    with app.app_context():
        create_user("out@hn.test", "外人", create_org("河南省工会干部学校", "school"), PASSWORD)
        db.session.commit()
    auth.login("out@hn.test")
    assert client.get(URL).status_code == 404
    assert client.post(URL, data={"email": "out@hn.test", "role": "editor"}).status_code == 404
