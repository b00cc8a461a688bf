"""Issue 16, items 5 and 6: sessions end on logout, password change, reset, deactivation and
"sign out everywhere"; secrets shown once never travel in the session cookie."""
import re

import pytest
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from alliance.people import audit
from alliance.extensions import db
from alliance.models import AuditEvent
from alliance.people.accounts import create_user, find_org, find_user
from conftest import PASSWORD

NEW = "a-brand-new-password"
ADMIN = "admin@cwph.test"


def logged_in(app, email, password=PASSWORD):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": password}).status_code == 302
    assert client.get("/settings").status_code == 200
    return client


def cookie(client):
    return client.get_cookie("session").value


def copy_of(app, value):
    """A second browser holding a stolen copy of a session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", value)
    return thief


def signed_in(client):
    return client.get("/settings").status_code == 200


def session_data(app, value):
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.loads(value)


@pytest.fixture
def admin_client(app, world):
    with app.app_context():
        create_user(ADMIN, "管理员", find_org("中国工人出版社"), PASSWORD, admin=True)
        db.session.commit()
    return logged_in(app, ADMIN)


def test_a_copied_cookie_stops_working_after_logout(app, world):
    victim = logged_in(app, world.emails["author"])
    thief = copy_of(app, cookie(victim))
    assert signed_in(thief)
    assert victim.post("/logout").status_code == 302
    assert not signed_in(thief) and not signed_in(victim)


def test_a_password_change_ends_other_sessions_but_keeps_this_one(app, world):
    laptop = logged_in(app, world.emails["author"])
    phone = logged_in(app, world.emails["author"])
    stolen = copy_of(app, cookie(laptop))
    answer = laptop.post("/settings/password", data={"current": PASSWORD, "new": NEW,
                                                     "confirm": NEW})
    assert answer.status_code == 302
    page = laptop.get("/settings")
    assert page.status_code == 200 and "其他所有设备上的登录均已退出" in page.get_data(as_text=True)
    assert not signed_in(phone) and not signed_in(stolen)


def test_a_refused_password_change_ends_nothing(app, world):
    laptop = logged_in(app, world.emails["author"])
    phone = logged_in(app, world.emails["author"])
    laptop.post("/settings/password", data={"current": "wrong-one", "new": NEW, "confirm": NEW})
    assert signed_in(phone) and signed_in(laptop)


def test_an_admin_reset_and_a_deactivation_end_every_session(app, world, admin_client):
    with app.app_context():
        target = find_user(world.emails["author"]).id
    victim = logged_in(app, world.emails["author"])
    assert admin_client.post(f"/admin/users/{target}/reset-password").status_code == 200
    assert not signed_in(victim)
    victim = logged_in(app, world.emails["other_author"])
    with app.app_context():
        other = find_user(world.emails["other_author"]).id
    stolen = copy_of(app, cookie(victim))
    admin_client.post(f"/admin/users/{other}/deactivate")
    admin_client.post(f"/admin/users/{other}/reactivate")
    # Reactivation lets the person log in again; the old sessions stay ended.
    assert not signed_in(stolen) and not signed_in(victim)
    assert signed_in(logged_in(app, world.emails["other_author"]))


def test_sign_out_everywhere_ends_every_session_and_is_audited(app, world):
    laptop = logged_in(app, world.emails["author"])
    phone = logged_in(app, world.emails["author"])
    page = laptop.get("/settings").get_data(as_text=True)
    assert "在所有设备上退出" in page and 'action="/settings/sign-out-everywhere"' in page
    answer = laptop.post("/settings/sign-out-everywhere")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert not signed_in(laptop) and not signed_in(phone)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).filter_by(
            action=audit.SESSIONS_ENDED)).one()
        assert event.target == world.emails["author"]
    assert signed_in(logged_in(app, world.emails["author"]))


def test_sign_out_everywhere_needs_its_csrf_token(tmp_path, world):
    from alliance import create_app
    app = create_app({"TESTING": True, "ALLIANCE_HOME": str(tmp_path / "csrf")})
    with app.app_context():
        db.create_all()
        create_user("a@b.test", "甲", find_org_or_create(), PASSWORD)
        db.session.commit()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": "a@b.test", "password": PASSWORD, "csrf_token": token})
    assert signed_in(client)
    forged = client.post("/settings/sign-out-everywhere")  # a cross-site form has no token
    assert forged.status_code == 400 and signed_in(client)
    with app.app_context():
        db.engine.dispose()


def find_org_or_create():
    from alliance.people.accounts import create_org
    return create_org("中国工人出版社", "publisher")


def test_a_tampered_epoch_or_id_is_refused(app, world):
    client = logged_in(app, world.emails["author"])
    with app.app_context():
        user = find_user(world.emails["author"])
        user_id, epoch = user.id, user.session_epoch
    assert session_data(app, cookie(client))["_user_id"] == f"{user_id}:{epoch}"
    for forged in (f"{user_id}:{epoch + 1}", f"{user_id}:x", "x:0", f"{user_id}:-1"):
        other = app.test_client()
        with other.session_transaction() as session:
            session["_user_id"] = forged
        assert not signed_in(other), forged


def test_a_new_token_is_not_in_the_session_cookie(app, client, auth, world):
    auth.login(world.emails["author"])
    answer = client.post("/settings/tokens", data={"name": "笔记本电脑"})
    html = answer.get_data(as_text=True)
    token = re.search(r'id="new-token">(alc_[^<]+)</code>', html).group(1)
    assert 'data-copy-target="new-token"' in html and "copy_secret.js" in html
    assert token not in str(session_data(app, cookie(client)))
    assert answer.headers["Cache-Control"] == "no-store"
    assert token not in client.get("/settings").get_data(as_text=True)


def test_a_temporary_password_is_not_in_the_session_cookie(app, world, admin_client):
    with app.app_context():
        target = find_user(world.emails["author"]).id
        org_id = find_org("中国工人出版社").id
    for url, data in ((f"/admin/users/{target}/reset-password", None),
                      ("/admin/users", {"email": "new@cwph.test", "name": "新人", "org": org_id})):
        answer = admin_client.post(url, data=data)
        password = re.search(r'id="temporary-password">([^<]+)</code>',
                             answer.get_data(as_text=True)).group(1)
        assert password not in str(session_data(app, cookie(admin_client)))
        assert answer.headers["Cache-Control"] == "no-store"
        assert password not in admin_client.get("/admin/users").get_data(as_text=True)
