"""The agreements pages: drawing up, reading by the schools party to them, the dashboard."""
import io
import os
from datetime import date, timedelta

import pikepdf
import pytest
from sqlalchemy import select

from alliance.production import agreements as svc
from alliance.manuscripts.books import find_book
from alliance.extensions import db
from alliance.models import Agreement, AgreementStatus, Organization
from alliance.people.accounts import find_user

PAST = (date.today() - timedelta(days=10)).isoformat()
FUTURE = (date.today() + timedelta(days=60)).isoformat()


def pdf_bytes():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def org_id(app, name):
    with app.app_context():
        return db.session.scalar(select(Organization.id).filter_by(name=name))


@pytest.fixture
def two(app, world):
    """Agreement AH (Anhui; an overdue EPUB and a pending print PDF) and HB (Hubei)."""
    with app.app_context():
        editor = find_user(world.emails["editor"])
        orgs = {o.name: o for o in db.session.scalars(select(Organization))}
        book = find_book("labor-rights")
        ah = svc.create_agreement(editor, "CWPH-AH-1", "安徽合作书", orgs["中国工人出版社"],
                                  [orgs["安徽省总工会干部学校"]])
        svc.add_book(ah, book, editor)
        svc.add_deliverable(ah, book, "epub", date.fromisoformat(PAST), editor)
        svc.add_deliverable(ah, book, "print_pdf", date.fromisoformat(FUTURE), editor,
                            profile="16k-print")
        hb = svc.create_agreement(editor, "CWPH-HB-1", "湖北合作书", orgs["中国工人出版社"],
                                  [orgs["湖北省工会干部学校"]])
        svc.attach_scan(hb, pdf_bytes(), "hb.pdf", editor, app.config["EXPORTS"])
        db.session.commit()
        return {"ah": ah.id, "hb": hb.id}


def test_editor_draws_up_an_agreement_through_the_pages(app, client, auth, world):
    auth.login(world.emails["editor"])
    page = client.get("/agreements")
    assert page.status_code == 200 and "/agreements/new" in page.text
    form = client.get("/agreements/new")
    assert form.status_code == 200
    answer = client.post("/agreements/new", data={
        "number": "CWPH-2026-001", "title": "教材出版合作书",
        "publisher": org_id(app, "中国工人出版社"),
        "schools": [org_id(app, "安徽省总工会干部学校"), org_id(app, "湖北省工会干部学校")],
        "starts_on": "2026-01-01", "ends_on": "2026-12-31"})
    assert answer.status_code == 302
    url = answer.headers["Location"]
    with app.app_context():
        agreement = db.session.scalar(select(Agreement))
        book_id = find_book("labor-rights").id
    assert client.post(url + "/books", data={"book": book_id}).status_code == 302
    assert client.post(url + "/deliverables", data={
        "book": book_id, "format": "print_pdf", "profile": "16k-print",
        "isbn": "978-7-5008-8826-0", "due_on": FUTURE}).status_code == 302
    bad = client.post(url + "/deliverables", data={"book": book_id, "format": "epub",
                                                   "profile": "16k-print", "due_on": FUTURE})
    assert bad.status_code == 400 and "EPUB 和 Word 文件没有开本" in bad.text
    assert client.post(url + "/status", data={"status": "signed"}).status_code == 302
    shown = client.get(url)
    assert "9787500888260" in shown.text and "16k-print" in shown.text
    assert "已签订" in shown.text
    refused = client.post(url + "/status", data={"status": "draft"})
    assert refused.status_code == 409
    with app.app_context():
        agreement = db.session.get(Agreement, agreement.id)
        assert agreement.status == AgreementStatus.SIGNED and len(agreement.deliverables) == 1


def test_a_taken_number_is_refused_with_the_form_kept(app, client, auth, world, two):
    auth.login(world.emails["editor"])
    answer = client.post("/agreements/new", data={
        "number": "CWPH-AH-1", "title": "另一份", "publisher": org_id(app, "中国工人出版社")})
    assert answer.status_code == 409 and "另一份" in answer.text
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Agreement.id))) == 2


def test_a_school_sees_its_own_agreements_and_not_another_schools(app, client, auth,
                                                                     world, two):
    auth.login(world.emails["author"])  # a teacher of the Anhui school, no special role
    dashboard = client.get("/agreements")
    assert "CWPH-AH-1" in dashboard.text and "CWPH-HB-1" not in dashboard.text
    assert "湖北合作书" not in dashboard.text
    assert client.get(f"/agreements/{two['ah']}").status_code == 200
    assert client.get(f"/agreements/{two['hb']}").status_code == 404
    assert client.get(f"/agreements/{two['hb']}/scan").status_code == 404
    # Reading is not changing: the school's people are refused every change.
    assert client.post(f"/agreements/{two['ah']}/status",
                       data={"status": "terminated"}).status_code == 403
    assert client.post(f"/agreements/{two['hb']}/status",
                       data={"status": "terminated"}).status_code == 404
    assert client.get("/agreements/new").status_code == 403
    auth.logout()
    auth.login(world.emails["other_author"])  # Hubei
    dashboard = client.get("/agreements")
    assert "CWPH-HB-1" in dashboard.text and "CWPH-AH-1" not in dashboard.text
    scan = client.get(f"/agreements/{two['hb']}/scan")
    assert scan.status_code == 200 and scan.data.startswith(b"%PDF-")
    assert client.get(f"/agreements/{two['ah']}").status_code == 404


def test_dashboard_marks_overdue_deliverables_and_filters_by_school(app, client, auth,
                                                                    world, two):
    auth.login(world.emails["editor"])
    page = client.get("/agreements").text
    assert "CWPH-AH-1" in page and "CWPH-HB-1" in page
    assert page.count('class="deliverable overdue"') == 1
    assert page.count('class="deliverable pending"') == 1
    assert PAST in page and FUTURE in page and "overdue-mark" in page
    only_hubei = client.get(f"/agreements?school={org_id(app, '湖北省工会干部学校')}").text
    assert "CWPH-HB-1" in only_hubei and "CWPH-AH-1" not in only_hubei
    assert "overdue-mark" not in only_hubei


def test_scan_upload_accepts_a_pdf_and_refuses_a_fake(app, client, auth, world, two):
    auth.login(world.emails["editor"])
    url = f"/agreements/{two['ah']}/scan"
    fake = client.post(url, data={"file": (io.BytesIO(b"%PDF-1.7\nnot a pdf\n"), "x.pdf")},
                       content_type="multipart/form-data")
    assert fake.status_code == 400 and "该文件不是 PDF" in fake.text
    assert client.get(url).status_code == 404
    folder = os.path.join(app.config["EXPORTS"], "agreements", str(two["ah"]))
    assert not os.path.exists(folder) or not any(f.endswith(".pdf") for f in os.listdir(folder))
    data = pdf_bytes()
    good = client.post(url, data={"file": (io.BytesIO(data), "合作书.pdf")},
                       content_type="multipart/form-data")
    assert good.status_code == 302
    download = client.get(url)
    assert download.status_code == 200 and download.data == data
    assert download.mimetype == "application/pdf"
    auth.logout()
    auth.login(world.emails["coordinator"])  # Anhui: a party
    assert client.get(url).data == data


def test_publisher_staff_read_but_do_not_change(app, client, auth, world, two):
    from alliance.people.accounts import create_user
    from conftest import PASSWORD
    with app.app_context():
        pub = db.session.scalar(select(Organization).filter_by(name="中国工人出版社"))
        create_user("prod@cwph.test", "孙制作", pub, PASSWORD)
        db.session.commit()
    auth.login("prod@cwph.test")
    assert client.get(f"/agreements/{two['hb']}").status_code == 200
    assert client.post(f"/agreements/{two['hb']}/edit", data={"number": "X", "title": "Y"}
                       ).status_code == 403


def test_agreements_link_in_the_navigation(client, auth, world):
    auth.login(world.emails["author"])
    assert 'href="/agreements"' in client.get("/").text


def test_forms_carry_csrf_tokens_and_a_post_without_one_is_refused(app, client, auth, world,
                                                                   two):
    auth.login(world.emails["editor"])
    page = client.get(f"/agreements/{two['ah']}").text
    assert page.count('name="csrf_token"') >= page.count('method="post"') > 5
    app.config["WTF_CSRF_ENABLED"] = True
    answer = client.post(f"/agreements/{two['ah']}/status", data={"status": "terminated"})
    assert answer.status_code == 400
    with app.app_context():
        assert db.session.get(Agreement, two["ah"]).status == AgreementStatus.DRAFT


def test_pages_in_english(client, auth, world, two):
    auth.login(world.emails["editor"])
    client.post("/lang", data={"lang": "en"})
    page = client.get("/agreements").text
    assert "Publishing agreements" in page and "Overdue" in page
