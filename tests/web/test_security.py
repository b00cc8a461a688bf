"""The security baseline: CSRF, login throttling, API token throttling, security headers."""
import time

import pytest

from alliance.people import throttle
from alliance import create_app
from alliance.extensions import db
from alliance.web.security import CONTENT_SECURITY_POLICY
from conftest import PASSWORD
from helpers import free_port

TOO_MANY = "Too many failed logins from your address."


def english(client):
    """Switch the client's pages to English, so messages can be matched before translation."""
    client.post("/lang", data={"lang": "en"})


def wrong(client, email, address="127.0.0.1"):
    return client.post("/login", data={"email": email, "password": "not-the-password"},
                       environ_base={"REMOTE_ADDR": address})


class Clock:
    """A clock the throttle reads, moved by the test."""

    def __init__(self):
        self.time = time.time()

    def advance(self, seconds):
        self.time += seconds

    def __call__(self):
        return self.time


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(throttle, "now", fake)
    return fake


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


def test_wrong_passwords_slow_their_source_and_never_lock_the_account(client, world):
    english(client)
    email = world.emails["author"]
    for _ in range(throttle.FREE_FAILURES):
        assert wrong(client, email, "10.0.0.7").status_code == 200
    # The source now waits, even with the right password (it is not even checked) ...
    answer = client.post("/login", data={"email": email, "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert answer.status_code == 429 and TOO_MANY in answer.get_data(as_text=True)
    assert int(answer.headers["Retry-After"]) >= 1
    assert client.get("/").status_code == 302  # not logged in
    # ... while the account itself is not locked: its owner logs in from elsewhere.
    assert client.post("/login", data={"email": email, "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 302


def test_successful_logins_do_not_count(client, auth, world):
    for _ in range(12):
        assert auth.login(world.emails["author"]).status_code == 302
        auth.logout()


def test_delays_grow_with_each_failure_and_are_forgotten(client, world, clock):
    email = world.emails["author"]
    for _ in range(throttle.FREE_FAILURES):
        assert wrong(client, email, "10.0.0.9").status_code == 200
    waits = []
    for _ in range(5):
        answer = wrong(client, email, "10.0.0.9")
        assert answer.status_code == 429
        waits.append(int(answer.headers["Retry-After"]))
        clock.advance(waits[-1])
        assert wrong(client, email, "10.0.0.9").status_code == 200  # waited: tried, wrong
    assert waits == [1, 2, 4, 8, 16]
    clock.advance(throttle.FORGET_AFTER + 1)
    for _ in range(throttle.FREE_FAILURES):
        assert wrong(client, email, "10.0.0.9").status_code == 200


def test_guesses_for_one_account_from_many_sources_cannot_keep_its_owner_out(client, world):
    email = world.emails["editor"]
    for n in range(60):
        wrong(client, email, f"10.1.{n // 4}.{n % 4}")
    assert client.post("/login", data={"email": email, "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "192.0.2.10"}).status_code == 302


def test_an_ipv6_network_counts_as_one_source(client, world):
    for n in range(throttle.FREE_FAILURES):
        assert wrong(client, "x@nowhere.test", f"2001:db8:1:2::{n + 1}").status_code == 200
    assert wrong(client, "x@nowhere.test", "2001:db8:1:2:ffff::9").status_code == 429
    assert wrong(client, "x@nowhere.test", "2001:db8:1:3::1").status_code == 200


def test_workers_share_the_count_through_redis(tmp_path, world, redis_url):
    workers = []
    for n in (1, 2):
        app = create_app({"TESTING": True, "ALLIANCE_HOME": str(tmp_path / f"w{n}"),
                          "WTF_CSRF_ENABLED": False, "REDIS_URL": redis_url})
        with app.app_context():
            db.create_all()
        workers.append(app.test_client())
    for _ in range(throttle.FREE_FAILURES):
        assert wrong(workers[0], "x@nowhere.test", "10.2.0.1").status_code == 200
    assert wrong(workers[1], "x@nowhere.test", "10.2.0.1").status_code == 429
    assert wrong(workers[1], "x@nowhere.test", "10.2.0.2").status_code == 200


def test_a_redis_that_is_down_lets_logins_through(tmp_path, world, caplog):
    app = create_app({"TESTING": True, "ALLIANCE_HOME": str(tmp_path / "down"),
                      "WTF_CSRF_ENABLED": False,
                      "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        db.create_all()
    client = app.test_client()
    for _ in range(throttle.FREE_FAILURES + 2):
        assert wrong(client, "x@nowhere.test").status_code == 200
    assert "login throttling unavailable" in caplog.text


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
