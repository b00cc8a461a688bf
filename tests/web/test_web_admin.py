"""The administration pages: organisations, users, deactivation, password resets."""
import re

import pytest
from sqlalchemy import select

from alliance.people import audit
from alliance.extensions import db
from alliance.models import AuditEvent, Organization, User
from alliance.people.accounts import create_user, find_org, find_user
from conftest import PASSWORD

ADMIN = "admin@cwph.test"
PAGES = ["/admin/", "/admin/orgs", "/admin/users"]


@pytest.fixture
def admin(app, world, auth):
    with app.app_context():
        create_user(ADMIN, "管理员", find_org("中国工人出版社"), PASSWORD, admin=True)
        db.session.commit()
    auth.login(ADMIN)
    return world


def user_id(app, email):
    with app.app_context():
        return find_user(email).id


def temporary_password(html):
    return re.search(r'<code class="secret-value"[^>]*>([^<]+)</code>', html).group(1)


def test_admin_creates_an_org_and_a_user_whose_temporary_password_works(app, client, auth,
                                                                       admin):
    assert "管理" in client.get("/admin/").get_data(as_text=True)
    answer = client.post("/admin/orgs", data={"name": "湖北省总工会", "kind": "school"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/orgs"
    assert "湖北省总工会" in client.get("/admin/orgs").get_data(as_text=True)
    with app.app_context():
        org_id = find_org("湖北省总工会").id
    answer = client.post("/admin/users", data={"email": "New@HB.test", "name": "周老师",
                                               "org": org_id})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    html = answer.get_data(as_text=True)
    password = temporary_password(html)
    assert "周老师" in html and "new@hb.test" in html
    # Shown once: a reload no longer has it.
    assert "secret-value" not in client.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        user = find_user("new@hb.test")
        assert user.org.name == "湖北省总工会" and not user.is_admin
        assert db.session.scalars(select(AuditEvent).filter_by(
            action=audit.USER_CREATED, target="new@hb.test")).one().actor.email == ADMIN
    auth.logout()
    answer = auth.login("new@hb.test", password)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


def test_duplicate_org_and_user_are_form_errors(app, client, admin):
    answer = client.post("/admin/orgs", data={"name": "中国工人出版社", "kind": "publisher"})
    assert answer.status_code == 200 and "已存在" in answer.get_data(as_text=True)
    with app.app_context():
        org_id = find_org("中国工人出版社").id
        count = db.session.query(User).count()
    answer = client.post("/admin/users", data={"email": "editor@cwph.test", "name": "某人",
                                               "org": org_id})
    assert "已存在" in answer.get_data(as_text=True)
    answer = client.post("/admin/users", data={"email": "not-an-address", "name": "某人",
                                               "org": org_id})
    assert "不是有效的电子邮箱地址" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(User).count() == count


@pytest.mark.parametrize("who", ["author", "editor", "coordinator"])
def test_non_admins_get_403_on_every_admin_page(app, client, auth, world, who):
    auth.login(world.emails[who])
    target = user_id(app, world.emails["other_author"])
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    with app.app_context():
        orgs = db.session.query(Organization).count()
    posts = ["/admin/orgs", "/admin/users", f"/admin/users/{target}/deactivate",
             f"/admin/users/{target}/reactivate", f"/admin/users/{target}/reset-password"]
    for url in posts:
        assert client.post(url, data={"name": "X", "kind": "school"}).status_code == 403, url
    with app.app_context():
        assert db.session.query(Organization).count() == orgs
        other = find_user(world.emails["other_author"])
        assert other.active and other.check_password(PASSWORD)


def test_anonymous_people_are_sent_to_log_in(client, world):
    for url in PAGES:
        answer = client.get(url)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_deactivation_ends_the_session_and_the_token_at_once(app, world):
    admin_client, author_client = app.test_client(), app.test_client()
    with app.app_context():
        create_user(ADMIN, "管理员", find_org("中国工人出版社"), PASSWORD, admin=True)
        db.session.commit()
    admin_client.post("/login", data={"email": ADMIN, "password": PASSWORD})
    author_client.post("/login", data={"email": world.emails["author"], "password": PASSWORD})
    token = {"Authorization": f"Bearer {world.tokens[world.emails['author']]}"}
    assert author_client.get("/").status_code == 200
    assert author_client.get("/api/v1/books", headers=token).status_code == 200

    target = user_id(app, world.emails["author"])
    answer = admin_client.post(f"/admin/users/{target}/deactivate")
    assert answer.status_code == 302
    answer = author_client.get("/books/labor-rights")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert author_client.get("/api/v1/books", headers=token).status_code == 401
    assert "已停用" in admin_client.get("/admin/users").get_data(as_text=True)

    admin_client.post(f"/admin/users/{target}/reactivate")
    assert author_client.get("/api/v1/books", headers=token).status_code == 200


def test_reset_password_shows_a_new_password_once_and_the_old_one_stops(app, client, auth,
                                                                      admin):
    target = user_id(app, admin.emails["author"])
    answer = client.post(f"/admin/users/{target}/reset-password")
    assert answer.status_code == 200
    password = temporary_password(answer.get_data(as_text=True))
    assert "secret-value" not in client.get("/admin/users").get_data(as_text=True)
    auth.logout()
    assert auth.login(admin.emails["author"]).status_code == 200  # old password refused
    assert auth.login(admin.emails["author"], password).headers["Location"] == "/"


def test_an_admin_cannot_deactivate_themselves(app, client, admin):
    answer = client.post(f"/admin/users/{user_id(app, ADMIN)}/deactivate")
    assert answer.status_code == 400
    with app.app_context():
        assert find_user(ADMIN).active


def test_unknown_user_is_404(client, admin):
    assert client.post("/admin/users/99999/deactivate").status_code == 404


def test_header_links_admin_only_for_admins(client, auth, world, admin):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/admin/"' in html and 'href="/settings"' in html
    auth.logout()
    auth.login(world.emails["author"])
    html = client.get("/").get_data(as_text=True)
    assert 'href="/admin/"' not in html and 'href="/settings"' in html
