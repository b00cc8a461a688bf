"""Issue 16, item 2: control characters in names and titles, and e-mail that never fails a
transition (headers built safely, sent after the commit, retried)."""
import email
import email.policy
import logging
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from alliance.review import mailer
from alliance.manuscripts.books import create_book, find_book
from alliance.errors import Invalid
from alliance.extensions import db, manuscript_store
from alliance.models import Book, Chapter, ChapterState, Notification, Organization, User
from alliance.names import check_name, header_text
from alliance.people.accounts import create_org, create_token, create_user, find_org, find_user
from conftest import PASSWORD

CH = "/books/labor-rights/chapters/ch01"
API = "/api/v1/books/labor-rights"
HOSTILE = ["第二章\r\nBcc: victim@evil.test", "第二章\n", "a\rb", "nul\x00", "del\x7f",
           "c1\x85next", "line\u2028separator", "para\u2029graph", "bidi\u202eevil", "tab\there"]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((sorted(envelope.rcpt_tos), email.message_from_bytes(
            envelope.content, policy=email.policy.default)))
        return "250 OK"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app):
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="alliance@test")
    yield inbox
    controller.stop()


def bearer(world, who):
    return {"Authorization": f"Bearer {world.tokens[world.emails[who]]}"}


@pytest.mark.parametrize("value", HOSTILE)
def test_check_name_refuses_every_control_character(app, value):
    with app.test_request_context(), pytest.raises(Invalid) as refused:
        check_name(value, "chapter title")
    assert refused.value.details["field"] == "chapter title"


def test_check_name_keeps_chinese_text_and_strips_only_the_ends(app):
    with app.test_request_context():
        assert check_name("  第一章　概述 ", "chapter title") == "第一章　概述"
        assert check_name(None, "chapter title") == ""
        with pytest.raises(Invalid):
            check_name("长" * 11, "chapter title", max_length=10)
        with pytest.raises(Invalid):
            check_name(["not", "text"], "chapter title")


def test_header_text_makes_any_stored_name_one_line():
    assert header_text("[书]\r\nBcc: x@evil.test\u2028y") == "[书]  Bcc: x@evil.test y"


def test_the_api_refuses_a_chapter_title_with_a_line_break_with_a_clear_message(client, world,
                                                                                app):
    answer = client.post(API + "/chapters", headers=bearer(world, "editor"),
                         json={"id": "ch02", "title": "第二章\r\nBcc: victim@evil.test"})
    assert answer.status_code == 400
    assert "章节标题不能包含换行符或其他控制字符" in answer.get_json()["message"]
    assert answer.get_json()["field"] == "章节标题"
    with app.app_context():
        assert [c.key for c in find_book("labor-rights").chapters] == ["ch01"]


def test_the_api_refuses_a_book_title_with_a_line_break(client, world, app):
    answer = client.post("/api/v1/books", headers=bearer(world, "editor"),
                         json={"slug": "evil", "title": "书\nSubject: 假", "lead_org": "安徽省总工会干部学校"})
    assert answer.status_code == 400 and "书名不能包含换行符" in answer.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(select(Book).filter_by(slug="evil")) is None
        assert not manuscript_store().exists("evil")


def test_renaming_a_chapter_to_a_title_with_a_line_break_is_refused(client, auth, world, app):
    auth.login(world.emails["editor"])
    answer = client.post(CH + "/rename", data={"title": "第一章\r\n概述"})
    assert answer.status_code == 400
    with app.app_context():
        assert find_book("labor-rights").chapters[0].title == "第一章　概述"


def test_services_refuse_control_characters_in_people_orgs_and_tokens(app, world):
    with app.test_request_context():
        org = find_org("中国工人出版社")
        author = find_user(world.emails["author"])
        for attempt in (lambda: create_org("学校\n", "school"),
                        lambda: create_user("new@x.test", "周\r\n老师", org, PASSWORD),
                        lambda: create_user("new\x00@x.test", "周老师", org, PASSWORD),
                        lambda: create_token(author, "laptop\u2028"),
                        lambda: create_book(manuscript_store(), "b2", "书\x85", org, author)):
            with pytest.raises(Invalid):
                attempt()
        db.session.rollback()
        assert db.session.scalar(select(Organization).filter_by(name="学校")) is None


def test_the_admin_and_settings_forms_answer_400_with_the_reason(app, client, auth, world):
    with app.app_context():
        admin = create_user("admin@cwph.test", "管理员", find_org("中国工人出版社"), PASSWORD,
                            admin=True)
        org_id = admin.org_id
        db.session.commit()
    auth.login("admin@cwph.test")
    answer = client.post("/admin/users", data={"email": "new@hb.test", "name": "周\n老师",
                                               "org": org_id})
    assert answer.status_code == 400 and "姓名不能包含换行符" in answer.get_data(as_text=True)
    answer = client.post("/admin/orgs", data={"name": "学校\r\n", "kind": "school"})
    assert answer.status_code == 400 and "组织名称不能包含换行符" in answer.get_data(as_text=True)
    answer = client.post("/settings/tokens", data={"name": "笔记本\x1b[31m"})
    assert answer.status_code == 400 and "令牌名称不能包含" in answer.get_data(as_text=True)
    with app.app_context():
        assert find_user("new@hb.test", missing_ok=True) is None


def _poison(app):
    """Names stored before they were checked: a CR/LF in the chapter, book and stage names."""
    with app.app_context():
        db.session.execute(update(Chapter).values(title="第一章\r\nBcc: victim@evil.test"))
        db.session.execute(update(Book).values(title="书\nX-Injected: yes"))
        db.session.execute(update(User).where(User.email == "author@ah.test")
                           .values(name="张老师\r\nReply-To: evil@evil.test"))
        db.session.commit()


def test_a_transition_of_a_chapter_with_a_line_break_in_its_title_sends_a_clean_mail(
        app, client, auth, world, smtp):
    _poison(app)
    auth.login(world.emails["author"])
    assert client.post(CH + "/review", data={"action": "submit"}).status_code == 302
    with app.app_context():
        assert find_book("labor-rights").chapters[0].state == ChapterState.SUBMITTED
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == [world.emails["editor"]]
    subject = message["Subject"]
    assert "\n" not in subject and "\r" not in subject and "第一章" in subject
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["Reply-To"] is None


def test_a_mail_that_cannot_be_built_fails_no_transition(app, client, auth, world, smtp,
                                                         monkeypatch, caplog):
    def broken(_mail):
        raise ValueError("Header values may not contain linefeed or carriage return characters")
    monkeypatch.setattr(mailer, "build", broken)
    auth.login(world.emails["author"])
    with caplog.at_level(logging.ERROR):
        assert client.post(CH + "/review", data={"action": "submit"}).status_code == 302
    with app.app_context():
        assert find_book("labor-rights").chapters[0].state == ChapterState.SUBMITTED
        assert db.session.scalar(select(Notification)) is not None
    assert smtp.messages == [] and "could not build" in caplog.text


def test_a_mail_refused_at_first_is_sent_by_a_retry(app, client, auth, world, monkeypatch):
    port = free_port()  # nothing listens here yet
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="alliance@test")
    monkeypatch.setattr(mailer, "RETRY_DELAYS", (1.0, 1.0))
    auth.login(world.emails["author"])
    assert client.post(CH + "/review", data={"action": "submit"}).status_code == 302
    assert mailer.retrier.pending() == 1
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        deadline = time.monotonic() + 15
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        controller.stop()
    assert [r for r, _m in inbox.messages] == [[world.emails["editor"]]]
    assert mailer.retrier.pending() == 0


def test_a_rolled_back_request_sends_nothing(app, smtp):
    with app.test_request_context():
        mailer.queue(db.session, mailer.Mail("127.0.0.1", 1, "a@test", "b@test", "s", "b"))
        db.session.rollback()
        db.session.commit()
    assert smtp.messages == []
