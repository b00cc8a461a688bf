"""The review workflow's pages: stages, inbox, progress, and e-mail failures that lose nothing."""
import socket

from sqlalchemy import select

from alliance.review import progress, workflow
from alliance.manuscripts.books import find_book
from alliance.extensions import db
from alliance.models import ChapterState, Notification, User

CH = "/books/labor-rights/chapters/ch01"


def test_editor_configures_stages_on_the_page(client, auth, world, app):
    auth.login(world.emails["editor"])
    page = client.get("/books/labor-rights/stages").get_data(as_text=True)
    assert "初审" in page and "终审" in page
    with app.app_context():
        editor_id = db.session.scalar(select(User.id).filter_by(email=world.emails["editor"]))
    answer = client.post("/books/labor-rights/stages", data={
        "name": ["初审", "", "终审"], "reviewer": [str(editor_id), "", ""],
        "same_reviewer": "on"})
    assert answer.status_code == 302
    with app.app_context():
        book = find_book("labor-rights")
        assert [(s.name, s.reviewer_id) for s in workflow.stages(book)] == [
            ("初审", editor_id), ("终审", None)]
        assert workflow.same_reviewer_allowed(book)
    refused = client.post("/books/labor-rights/stages", data={"name": [""], "reviewer": [""]})
    assert refused.status_code == 400
    auth.logout()
    auth.login(world.emails["author"])
    assert client.get("/books/labor-rights/stages").status_code == 403


def test_inbox_counts_marks_read_and_opens_the_page(client, auth, world, app):
    auth.login(world.emails["author"])
    client.post(CH + "/review", data={"action": "submit"})
    auth.logout()
    auth.login(world.emails["editor"])
    assert '<span class="badge"' in client.get("/").get_data(as_text=True)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "初审" in inbox
    with app.app_context():
        note = db.session.scalar(select(Notification))
    opened = client.post(f"/inbox/{note.id}/read")
    assert opened.status_code == 302 and opened.location.endswith(CH + "/review")
    assert '<span class="badge"' not in client.get("/").get_data(as_text=True)
    answer = client.post(CH + "/review", data={"action": "submit"})
    assert answer.status_code == 403
    answer = client.post(CH + "/review", data={"action": "reopen"})
    assert answer.status_code == 409 and "已提交" in answer.get_data(as_text=True)


def test_progress_board_and_chart(client, auth, world, app):
    auth.login(world.emails["author"])
    client.post(CH + "/review", data={"action": "submit"})
    with app.app_context():
        book = find_book("labor-rights")
        rows, totals = progress.board(book)
        assert rows[0][0] == "安徽省总工会干部学校" and totals[ChapterState.SUBMITTED] == 1
        series = progress.daily_counts(book)
        assert series[-1][1][ChapterState.SUBMITTED] == 1
    page = client.get("/books/labor-rights/progress").get_data(as_text=True)
    chart = page.split("<svg")[1].split("</svg>")[0]
    assert "<rect" in chart and "style=" not in chart


def test_a_mail_server_that_is_down_loses_no_transition(client, auth, world, app, caplog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket is closed
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    auth.login(world.emails["author"])
    assert client.post(CH + "/review", data={"action": "submit"}).status_code == 302
    with app.app_context():
        chapter = find_book("labor-rights").chapters[0]
        assert chapter.state == ChapterState.SUBMITTED
        assert db.session.scalar(select(Notification)) is not None
    assert "could not send" in caplog.text
