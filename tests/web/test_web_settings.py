"""A person's settings page: password, language, API tokens."""
import re

import pytest
from sqlalchemy import select

from alliance.people import audit
from alliance.extensions import db
from alliance.models import ApiToken, AuditEvent
from alliance.people.accounts import find_user
from conftest import PASSWORD

NEW = "a-brand-new-password"


@pytest.fixture
def author(auth, world):
    auth.login(world.emails["author"])
    return world


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def new_token(client, name="笔记本电脑"):
    """Create a token on the settings page; it is in that very answer, never cached."""
    answer = client.post("/settings/tokens", data={"name": name})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    html = answer.get_data(as_text=True)
    return re.search(r'<code class="secret-value"[^>]*>(alc_[^<]+)</code>', html).group(1)


def token_id(app, name):
    with app.app_context():
        return db.session.scalar(select(ApiToken.id).filter_by(name=name))


def test_settings_page_needs_a_login(client, world):
    answer = client.get("/settings")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_settings_page_shows_the_three_sections(client, author):
    html = client.get("/settings").get_data(as_text=True)
    assert "修改密码" in html and "语言" in html and "API 令牌" in html
    assert "cli" in html  # the world's token, by name


def test_password_change_needs_the_current_password_and_length(app, client, auth, author):
    wrong = client.post("/settings/password", data={"current": "not-it", "new": NEW,
                                                    "confirm": NEW})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    short = client.post("/settings/password", data={"current": PASSWORD, "new": "short",
                                                    "confirm": "short"})
    assert short.status_code == 400 and "至少需要 10 个字符" in short.get_data(as_text=True)
    differ = client.post("/settings/password", data={"current": PASSWORD, "new": NEW,
                                                     "confirm": NEW + "x"})
    assert differ.status_code == 400
    with app.app_context():
        assert find_user(author.emails["author"]).check_password(PASSWORD)
    answer = client.post("/settings/password", data={"current": PASSWORD, "new": NEW,
                                                     "confirm": NEW})
    assert answer.status_code == 302 and answer.headers["Location"] == "/settings"
    assert "密码已修改" in client.get("/settings").get_data(as_text=True)
    auth.logout()
    assert auth.login(author.emails["author"], NEW).headers["Location"] == "/"


def test_language_preference_persists_across_logins(app, client, author):
    answer = client.post("/settings/language", data={"lang": "en"})
    assert answer.status_code == 302
    assert "Settings" in client.get("/settings").get_data(as_text=True)
    with app.app_context():
        assert find_user(author.emails["author"]).locale == "en"
    fresh = app.test_client()  # a new browser: no session, so the saved setting decides
    fresh.post("/login", data={"email": author.emails["author"], "password": PASSWORD})
    assert '<html lang="en">' in fresh.get("/").get_data(as_text=True)
    assert client.post("/settings/language", data={"lang": "fr"}).status_code == 400


def test_a_token_is_shown_once_stored_hashed_and_works(app, client, author):
    token = new_token(client)
    assert "secret-value" not in client.get("/settings").get_data(as_text=True)
    with app.app_context():
        row = db.session.scalar(select(ApiToken).filter_by(name="笔记本电脑"))
        assert row.token_hash == ApiToken.hash(token) and row.last_used_at is None
    assert client.get("/api/v1/books", headers=bearer(token)).status_code == 200
    html = client.get("/settings").get_data(as_text=True)
    assert "从未使用" not in html.split("笔记本电脑")[1].split("</tr>")[0]


def test_a_revoked_token_is_refused_at_once_and_audited(app, client, author):
    token = new_token(client)
    answer = client.post(f"/settings/tokens/{token_id(app, '笔记本电脑')}/revoke")
    assert answer.status_code == 302
    assert client.get("/api/v1/books", headers=bearer(token)).status_code == 401
    assert "已撤销" in client.get("/settings").get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.in_([audit.TOKEN_CREATED, audit.TOKEN_REVOKED]),
            AuditEvent.actor_id == find_user(author.emails["author"]).id)).all()
    assert actions == [audit.TOKEN_CREATED, audit.TOKEN_REVOKED]


def test_nobody_revokes_another_persons_token(app, client, auth, world):
    auth.login(world.emails["other_author"])
    new_token(client, "他的令牌")
    auth.logout()
    auth.login(world.emails["author"])
    answer = client.post(f"/settings/tokens/{token_id(app, '他的令牌')}/revoke")
    assert answer.status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, token_id(app, "他的令牌")).revoked_at is None


def test_a_token_needs_a_name(client, author):
    assert client.post("/settings/tokens", data={"name": " "}).status_code == 400
