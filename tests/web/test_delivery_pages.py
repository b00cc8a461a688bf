"""The checks and delivery pages: the demo book delivered through the pages, a refusal that
names the failed check, the checks page showing each check, and who may see what."""
import hashlib
import io
import json
import re
import zipfile

import pytest
from sqlalchemy import select

from alliance import demo
from alliance.extensions import db
from alliance.models import Agreement, Delivery
from alliance.people.accounts import create_user

import delivery_world as w


@pytest.fixture(scope="module")
def site(tmp_path_factory, postgres):
    """The demo book approved with edition 2026-1 under agreement AH-2026-02 (16开 print PDF);
    book 'comma' (a half-width comma) with its edition under BAD-comma."""
    app = w.make_app(tmp_path_factory.mktemp("delivery-pages"), postgres)
    with app.app_context():
        book = w.seed_demo()
        w.edition(book)
        w.signed_agreement("AH-2026-02", book, [("print_pdf", "16k-print")])
        comma = w.small_book("comma", [("ch01", "# 第一章\n\n劳动者,权益保障。\n")])
        w.edition(comma)
        w.signed_agreement("BAD-comma", comma, [("epub", None)])
        create_user("stranger@tj.demo", "吴老师", w.find_user("author@hb.demo").org,
                    demo.PASSWORD)
        db.session.commit()
    yield app
    w.close_app(app, postgres)


def _client(app, email):
    client = app.test_client()
    answer = client.post("/login", data={"email": email, "password": demo.PASSWORD})
    assert answer.status_code == 302
    return client


def _agreement_id(app, number):
    with app.app_context():
        return db.session.scalar(select(Agreement.id).filter_by(number=number))


def test_production_delivers_the_demo_book_through_the_pages(site):
    client = _client(site, w.PRODUCTION)
    page = client.get(f"/books/{demo.BOOK_SLUG}/deliveries")
    assert page.status_code == 200 and "AH-2026-02" in page.text and "2026-1" in page.text
    answer = client.post(f"/books/{demo.BOOK_SLUG}/deliveries",
                         data={"agreement": _agreement_id(site, "AH-2026-02"),
                               "edition": "2026-1"})
    assert answer.status_code == 302, answer.text[:500]
    shown = client.get(answer.headers["Location"])
    assert shown.status_code == 200
    assert "xinjiuye-quanyi-2026-1-16k-print.pdf" in shown.text and "review-record.txt" in shown.text
    link = re.search(r'href="(/deliveries/\d+/package)"', shown.text).group(1)
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.data)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        for entry in manifest["files"]:
            assert hashlib.sha256(zf.read(entry["name"])).hexdigest() == entry["sha256"]
        record = json.loads(zf.read("review-record.json"))
    assert manifest["agreement"] == "AH-2026-02" and manifest["edition"] == "2026-1"
    reviewers = {(s["stage"], s["reviewer"]) for c in record["chapters"] for s in c["stages"]}
    assert reviewers == {("初审", "王责编"), ("复审", "刘复审"), ("终审", "赵总编")}
    listing = client.get(f"/books/{demo.BOOK_SLUG}/deliveries")
    assert link in listing.text
    # A school party to the agreement may download; a school that is not may not see it.
    assert _client(site, "author@ah.demo").get(link).status_code == 200
    assert _client(site, "author@hb.demo").get(link).status_code == 404


def test_a_failed_check_refuses_the_delivery_on_the_page_in_chinese(site):
    client = _client(site, w.PRODUCTION)
    answer = client.post("/books/comma/deliveries",
                         data={"agreement": _agreement_id(site, "BAD-comma"), "edition": "2026-1"})
    assert answer.status_code == 409
    assert 'id="check-punctuation"' in answer.text
    row = answer.text.split('id="check-punctuation"')[1].split("</tr>")[0]
    assert "check-failed" in answer.text.split('id="check-punctuation"')[0][-60:]
    assert "chapters/ch01.md:3:4" in row and "中文标点" in row and "应使用全角 ，" in row
    with site.app_context():
        assert db.session.scalars(select(Delivery).join(Agreement).filter(
            Agreement.number == "BAD-comma")).all() == []


def test_the_checks_page_runs_and_shows_every_check(site):
    client = _client(site, "editor@cwph.demo")
    page = client.get("/books/comma/prepub")
    assert page.status_code == 200 and 'value="2026-1"' in page.text
    answer = client.post("/books/comma/prepub", data={"edition": "2026-1"})
    assert answer.status_code == 200
    for key in ("review", "epubcheck", "pdf_fonts", "pdf_boxes", "image_resolution",
                "punctuation", "isbn", "metadata"):
        assert f'id="check-{key}"' in answer.text, key
    assert answer.text.count("check-passed") == 7 and answer.text.count("check-failed") == 1
    assert "1 项检查未通过" in answer.text and "EPUBCheck 无错误" in answer.text


def test_who_may_open_the_pages(site):
    assert _client(site, "author@ah.demo").get("/books/comma/prepub").status_code == 403
    assert _client(site, "stranger@tj.demo").get("/books/comma/deliveries").status_code == 404
    assert site.test_client().get("/books/comma/deliveries").status_code == 302
