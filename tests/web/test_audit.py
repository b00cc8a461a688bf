"""Audit events for logins, failed logins and logouts, and the admin's audit log page."""
import csv
import io

import pytest
from sqlalchemy import select

from alliance.people import audit
from alliance.extensions import db
from alliance.models import AuditEvent, Organization, OrgKind
from alliance.people.accounts import create_user
from conftest import PASSWORD

ADMIN = "admin@cwph.test"


@pytest.fixture
def admin(app, world):
    with app.app_context():
        publisher = db.session.scalar(select(Organization).where(Organization.kind == OrgKind.PUBLISHER))
        create_user(ADMIN, "系统管理员", publisher, PASSWORD, admin=True)
        db.session.commit()
    return ADMIN


def events(app, action):
    with app.app_context():
        return [(e.actor.email if e.actor else None, e.target, e.address, e.details)
                for e in db.session.scalars(select(AuditEvent)
                                            .where(AuditEvent.action == action)
                                            .order_by(AuditEvent.id))]


def test_login_failed_login_and_logout_are_recorded(app, client, auth, world):
    email = world.emails["author"]
    auth.login(email, "wrong-password-1")
    auth.login("Nobody@Nowhere.test", "wrong-password-2")
    auth.login(email)
    auth.logout()
    failed = events(app, audit.LOGIN_FAILED)
    assert [(f[1], f[2]) for f in failed] == [(email, "127.0.0.1"),
                                             ("nobody@nowhere.test", "127.0.0.1")]
    assert failed[0][0] is None and failed[0][3]["email"] == email
    assert all("wrong-password" not in repr(f) for f in failed)  # never the password
    assert events(app, audit.LOGIN) == [(email, email, "127.0.0.1", {})]
    assert events(app, audit.LOGOUT) == [(email, email, "127.0.0.1", {})]


def test_admin_sees_the_log_newest_first_and_can_filter(app, client, auth, world, admin):
    auth.login(world.emails["author"], "wrong-password-1")
    auth.login(world.emails["editor"])
    auth.logout()
    auth.login(admin)
    page = client.get("/admin/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "127.0.0.1" in html and world.emails["author"] in html
    assert html.index("王编辑") < html.index(world.emails["author"])  # newest first
    only_failed = client.get("/admin/audit?action=login_failed").get_data(as_text=True)
    assert world.emails["author"] in only_failed and "王编辑" not in only_failed
    by_editor = client.get("/admin/audit?actor=editor@").get_data(as_text=True)
    assert "王编辑" in by_editor and world.emails["author"] not in by_editor


def test_editor_gets_403_and_anonymous_goes_to_login(client, auth, world):
    for url in ("/admin/audit", "/admin/audit.csv"):
        answer = client.get(url)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    auth.login(world.emails["editor"])
    for url in ("/admin/audit", "/admin/audit.csv"):
        assert client.get(url).status_code == 403


def test_csv_export_has_the_filtered_rows_with_a_bom(client, auth, world, admin):
    auth.login("=HYPERLINK(\"http://evil\")@x.test", "wrong-password-1")
    auth.login(world.emails["author"], "wrong-password-1")
    auth.login(admin)
    answer = client.get("/admin/audit.csv?action=login_failed")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    data = answer.get_data()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["action"] for r in rows] == ["login_failed", "login_failed"]
    assert rows[0]["target"] == world.emails["author"] and rows[0]["address"] == "127.0.0.1"
    assert rows[1]["target"].startswith("'=")  # no formula for Excel
    everything = client.get("/admin/audit.csv").get_data().decode("utf-8-sig")
    assert "user_created" in everything or "login" in everything
