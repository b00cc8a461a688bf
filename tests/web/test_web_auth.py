"""Logging in and out, the language switch, and CSRF on the web forms."""
import re

import pytest
from sqlalchemy import select

from alliance import create_app
from alliance.extensions import db
from alliance.models import User
from alliance.people.accounts import create_org, create_user
from conftest import PASSWORD

WRONG = "电子邮箱或密码错误。"


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "教材协同出版平台" in html
    assert "电子邮箱" in html and "密码" in html


def test_pages_need_a_login(client, world):
    for url in ("/", "/books/labor-rights", "/books/labor-rights/chapters/ch01"):
        answer = client.get(url)
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/login?next=")


def test_unknown_email_and_wrong_password_get_the_same_message(client, auth, world):
    unknown = auth.login("nobody@nowhere.test")
    wrong = auth.login(world.emails["author"], "not-the-password")
    for answer in (unknown, wrong):
        assert answer.status_code == 200
        assert WRONG in answer.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not logged in


def test_empty_fields_are_named(client, world):
    html = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "请输入电子邮箱地址。" in html and "请输入密码。" in html


def test_login_goes_to_the_dashboard_and_logout_ends_the_session(client, auth, world):
    answer = auth.login(world.emails["author"])
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert "新就业形态劳动者权益保障" in client.get("/").get_data(as_text=True)
    answer = auth.logout()
    assert answer.headers["Location"] == "/login"
    assert "您已退出登录。" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_email_is_case_insensitive(client, world):
    answer = client.post("/login", data={"email": "Author@AH.test", "password": PASSWORD})
    assert answer.headers["Location"] == "/"


@pytest.mark.parametrize("target, expected", [
    ("/books/labor-rights", "/books/labor-rights"),
    ("/books/labor-rights/chapters/ch01?rev=abc", "/books/labor-rights/chapters/ch01?rev=abc"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example/", "/"),
    ("/\t/evil.example/", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_is_honoured_only_for_paths_on_this_site(client, world, target, expected):
    answer = client.post("/login", query_string={"next": target},
                         data={"email": world.emails["author"], "password": PASSWORD})
    assert answer.status_code == 302
    assert answer.headers["Location"] == expected


def test_deactivated_people_cannot_log_in(app, client, auth, world):
    with app.app_context():
        db.session.scalar(select(User).filter_by(email=world.emails["author"])).active = False
        db.session.commit()
    html = auth.login(world.emails["author"]).get_data(as_text=True)
    assert "该账号已停用" in html
    assert client.get("/").status_code == 302


def test_language_switch_shows_english_and_is_remembered(app, client, auth, world):
    auth.login(world.emails["author"])
    answer = client.post("/lang", data={"lang": "en", "next": "/books/labor-rights"})
    assert answer.headers["Location"] == "/books/labor-rights"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "My books" in html and "Alliance textbook publishing" in html
    assert "我的教材" not in html
    with app.app_context():
        assert db.session.scalar(select(User).filter_by(email=world.emails["author"])).locale == "en"
    # A new browser: the saved choice applies as soon as the person logs in.
    other = app.test_client()
    other.post("/login", data={"email": world.emails["author"], "password": PASSWORD})
    assert "My books" in other.get("/").get_data(as_text=True)
    client.post("/lang", data={"lang": "zh_CN"})
    assert "我的教材" in client.get("/").get_data(as_text=True)


def test_language_switch_works_before_login_and_ignores_foreign_referrers(client):
    answer = client.post("/lang", data={"lang": "en"},
                         headers={"Referer": "https://evil.example/phish"})
    assert answer.headers["Location"] == "/"
    assert "Log in" in client.get("/login").get_data(as_text=True)
    answer = client.post("/lang", data={"lang": "xx"}, headers={"Referer": "http://localhost/login"})
    assert answer.headers["Location"] == "/login"
    assert "Log in" in client.get("/login").get_data(as_text=True)  # unknown language: unchanged


@pytest.fixture
def csrf_app(tmp_path):
    """An app with CSRF protection on, as in production, and one user."""
    app = create_app({"TESTING": True, "ALLIANCE_HOME": str(tmp_path)})
    with app.app_context():
        db.create_all()
        org = create_org("安徽省总工会干部学校", "school")
        create_user("author@ah.test", "张老师", org, PASSWORD)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def _token(html):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_a_form_without_its_token_gets_the_expired_form_page(csrf_app):
    client = csrf_app.test_client()
    answer = client.post("/login", data={"email": "author@ah.test", "password": PASSWORD})
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert "表单已过期" in html and "刷新页面" in html
    assert client.post("/lang", data={"lang": "en"}).status_code == 400


def test_a_form_with_its_token_works(csrf_app):
    client = csrf_app.test_client()
    token = _token(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"email": "author@ah.test", "password": PASSWORD,
                                         "csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    # The logout button in the header carries its own token.
    html = client.get("/").get_data(as_text=True)
    logout = re.search(r'action="/logout".*?value="([^"]+)"', html, re.S).group(1)
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": logout}).status_code == 302
    assert client.get("/").status_code == 302
