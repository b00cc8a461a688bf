"""The security baseline: CSRF, login throttling, API token throttling, security headers."""
import pytest

from alliance import create_app
from alliance.extensions import db
from alliance.security import CONTENT_SECURITY_POLICY
from conftest import PASSWORD

TOO_MANY = "Too many login attempts. Wait a minute, then try again."


def english(client):
    """Switch the client's pages to English, so messages can be matched before translation."""
    client.post("/lang", data={"lang": "en"})


def wrong(client, email, address="127.0.0.1"):
    return client.post("/login", data={"email": email, "password": "not-the-password"},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def csrf_app(tmp_path):
    """An app like production: CSRF on."""
    app = create_app({"TESTING": True, "ALLIANCE_HOME": str(tmp_path / "csrf")})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_form_without_csrf_token_is_refused_with_a_friendly_page(csrf_app):
    client = csrf_app.test_client()
    answer = client.post("/login", data={"email": "a@b.test", "password": "whatever-123"})
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert "刷新页面后重试" in html and "CSRF token" not in html
    assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_the_11th_wrong_password_in_a_minute_gets_429_even_if_right(client, world):
    english(client)
    email = world.emails["author"]
    for _ in range(10):
        assert wrong(client, email).status_code == 200
    answer = client.post("/login", data={"email": email.upper() + " ", "password": PASSWORD})
    assert answer.status_code == 429
    assert TOO_MANY in answer.get_data(as_text=True)
    assert int(answer.headers["Retry-After"]) > 0
    assert client.get("/").status_code == 302  # not logged in
    # Another account is not affected.
    assert client.post("/login", data={"email": world.emails["editor"],
                                       "password": PASSWORD}).status_code == 302


def test_successful_logins_do_not_count(client, auth, world):
    for _ in range(12):
        assert auth.login(world.emails["author"]).status_code == 302
        auth.logout()


def test_failures_are_limited_per_address_across_accounts(client, world):
    english(client)
    for n in range(30):
        assert wrong(client, f"guess{n}@nowhere.test", "10.0.0.7").status_code == 200
    answer = wrong(client, "guess-more@nowhere.test", "10.0.0.7")
    assert answer.status_code == 429 and TOO_MANY in answer.get_data(as_text=True)
    # Another address may still try.
    assert wrong(client, "guess-more@nowhere.test", "10.0.0.8").status_code == 200


def test_the_limiter_can_be_disabled(tmp_path):
    app = create_app({"TESTING": True, "ALLIANCE_HOME": str(tmp_path / "off"),
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
    client = app.test_client()
    for _ in range(12):
        assert wrong(client, "someone@nowhere.test").status_code == 200


def test_failed_api_tokens_are_limited_per_address_with_json(client, world):
    bad = {"Authorization": "Bearer not-a-token"}
    for _ in range(60):
        assert client.get("/api/v1/books", headers=bad).status_code == 401
    answer = client.get("/api/v1/books", headers=bad)
    assert answer.status_code == 429
    assert answer.is_json and answer.json["error"] == "too_many_requests"
    assert answer.json["message"]
    good = {"Authorization": f"Bearer {world.tokens[world.emails['author']]}"}
    assert client.get("/api/v1/books", headers=good,
                      environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200


def test_good_tokens_are_not_limited(client, world):
    good = {"Authorization": f"Bearer {world.tokens[world.emails['author']]}"}
    for _ in range(70):
        assert client.get("/api/v1/books", headers=good).status_code == 200


def assert_security_headers(answer):
    assert answer.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_headers_on_pages_api_login_and_errors(client, auth, world):
    assert_security_headers(client.get("/login"))
    assert_security_headers(client.get("/api/v1/books"))  # 401 JSON
    token = world.tokens[world.emails["author"]]
    assert_security_headers(client.get("/api/v1/books",
                                       headers={"Authorization": f"Bearer {token}"}))
    auth.login(world.emails["author"])
    for url in ("/", "/books/labor-rights", "/books/labor-rights/chapters/ch01",
                "/no-such-page", "/static/app.css"):
        assert_security_headers(client.get(url))


def test_a_view_s_own_stricter_policy_is_kept(app):
    @app.get("/_strict")
    def strict():
        return "x", 200, {"Content-Security-Policy": "default-src 'none'"}
    answer = app.test_client().get("/_strict")
    assert answer.headers["Content-Security-Policy"] == "default-src 'none'"
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_flags(tmp_path, world, client, auth):
    answer = auth.login(world.emails["author"])
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = create_app({"TESTING": True, "ALLIANCE_HOME": str(tmp_path / "s"),
                         "SESSION_COOKIE_SECURE": True})
    assert secure.config["SESSION_COOKIE_SECURE"] and secure.config["REMEMBER_COOKIE_SECURE"]


def test_secure_cookies_follow_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLIANCE_SESSION_COOKIE_SECURE", "1")
    app = create_app({"ALLIANCE_HOME": str(tmp_path / "env")})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_redis_url_becomes_the_limiter_storage(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLIANCE_REDIS_URL", "redis://localhost:6379/3")
    from alliance.config import load_config
    assert load_config()["REDIS_URL"] == "redis://localhost:6379/3"
