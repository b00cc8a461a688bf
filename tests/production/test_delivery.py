"""Delivery packages through the service and `alliance deliver`: the demo book delivered, and
each pre-publication check refusing a purpose-built bad edition, with nothing recorded."""
import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from alliance.production import delivery, editions, jobs
from alliance.review import workflow
from alliance import demo
from alliance.manuscripts.books import find_book
from alliance.errors import Forbidden, Invalid
from alliance.extensions import db, manuscript_store
from alliance.models import Agreement, AuditEvent, Delivery, DeliveryStatus, JobState
from alliance.people.accounts import find_user
from alliance.production.checks.findings import CheckFailed
from alliance.publishing import export

import delivery_world as w


@pytest.fixture(scope="module")
def shop(tmp_path_factory, postgres):
    """The demo alliance, its book approved with edition 2026-1 under the demo's agreement
    ZGGR-JC-2026-001 (16开 print PDF and EPUB), and one small book per bad input."""
    app = w.make_app(tmp_path_factory.mktemp("delivery"), postgres)
    with app.app_context():
        book = w.seed_demo()
        w.edition(book)
        fine = "# 第一章\n\n劳动者权益保障。\n"
        bad = {
            "reopened": w.small_book("reopened", [("ch01", fine), ("ch02", fine)]),
            "comma": w.small_book("comma", [("ch01", "# 第一章\n\n劳动者,权益保障。\n")]),
            "isbn": w.small_book("isbn", [("ch01", fine)], isbn="978-7-5008-7654-5"),
            "lowres": w.small_book("lowres", [("ch01", fine + "\n![图](images/low.png)\n")],
                                   images={"images/low.png": w.png(400, 300, 72)}),
            "epub": w.small_book("epub", [("ch01", fine)]),
        }
        for slug, small in bad.items():
            w.edition(small)
            formats = {"lowres": [("print_pdf", "16k-print")], "epub": [("epub", None)]}
            w.signed_agreement(f"BAD-{slug}", small, formats.get(slug, [("print_pdf",
                                                                         "16k-print")]))
        # Reopened after its edition was tagged: the edition is no longer approved text.
        workflow.reopen(manuscript_store(), find_book("reopened").chapters[1],
                        find_user(w.REVIEWERS[0]), "再改")
        db.session.commit()
        job_id = editions.get(find_book(demo.BOOK_SLUG), "2026-1").job_id
    # The edition's own build (PDF 16开 and EPUB): the delivery reuses its files.
    assert jobs.run_job(app, job_id) == JobState.DONE
    yield app
    w.close_app(app, postgres)


def _agreement(number):
    return db.session.scalar(select(Agreement).filter_by(number=number))


def _deliveries():
    return db.session.scalar(select(func.count()).select_from(Delivery))


def test_cli_delivers_the_demo_book_with_checksums_and_review_record(shop, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = shop.test_cli_runner().invoke(args=[
        "deliver", w.DEMO_AGREEMENT, "--book", demo.BOOK_SLUG, "--edition", "2026-1",
        "--out", str(out), "--by", w.PRODUCTION])
    assert result.exit_code == 0, result.output
    package = Path(result.stdout.strip().splitlines()[-1])
    assert package.parent == out and package.is_file()
    with zipfile.ZipFile(package) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = set(zf.namelist())
        for entry in manifest["files"]:
            data = zf.read(entry["name"])
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert len(data) == entry["bytes"]
        record = json.loads(zf.read("review-record.json"))
        text = zf.read("review-record.txt").decode("utf-8")
    assert {"xinjiuye-quanyi-2026-1-16k-print.pdf", "xinjiuye-quanyi-2026-1.epub",
            "review-record.json", "review-record.txt", "manifest.json"} <= names
    assert manifest["agreement"] == w.DEMO_AGREEMENT and manifest["edition"] == "2026-1"
    assert manifest["book"] == demo.BOOK_SLUG and len(manifest["commit"]) == 40
    assert {f["isbn"] for f in manifest["files"] if f["format"] == "epub"} == {"9787500888260"}
    assert manifest["tool_versions"]["pandoc"] and manifest["tool_versions"]["pdffonts"]
    assert [c["chapter"] for c in record["chapters"]] == ["ch01", "ch02", "ch03", "ch04", "ch05"]
    for chapter in record["chapters"]:
        assert [(s["stage"], s["reviewer"]) for s in chapter["stages"]] == [
            ("初审", "王责编"), ("复审", "刘复审"), ("终审", "赵总编")]
        assert all(s["at"] for s in chapter["stages"]) and len(chapter["approved_revision"]) == 40
    assert text.count("终审: 赵总编") == 5 and w.DEMO_AGREEMENT in text
    with shop.app_context():
        row = db.session.scalars(select(Delivery)).one()
        assert row.status == DeliveryStatus.READY and row.edition == "2026-1"
        assert row.created_by.email == w.PRODUCTION and row.summary["commit"] == manifest["commit"]
        assert all(d.delivery_id == row.id for d in row.agreement.deliverables)
        assert delivery.package_file(row).read_bytes() == package.read_bytes()
        assert hashlib.sha256(package.read_bytes()).hexdigest() == row.package_sha256
        built = {a["format"]: a["sha256"] for a in editions.get(row.book, "2026-1").job.artifacts}
        assert {f["format"]: f["sha256"] for f in manifest["files"]
                if f["format"] in ("print_pdf", "epub")} == {"print_pdf": built["pdf"],
                                                               "epub": built["epub"]}
        event = db.session.scalars(select(AuditEvent).filter_by(
            action=delivery.DELIVERY_CREATED)).one()
        assert event.target == w.DEMO_AGREEMENT and event.details["edition"] == "2026-1"


@pytest.mark.parametrize("slug, check, finding", [
    ("reopened", "All chapters approved through every review stage",
     "Chapter ch02 is not approved: it is draft"),
    ("comma", "Chinese punctuation", "Half-width , in Chinese text; use the full-width ，"),
    ("isbn", "ISBN check digit", "its check digit should be 0"),
    ("lowres", "Images print at 300 dpi or more", "prints at 96 dpi; at least 300 is needed"),
])
def test_each_failing_check_refuses_delivery_and_records_nothing(shop, slug, check, finding):
    with shop.app_context():
        before = _deliveries()
        book = find_book(slug)
        with pytest.raises(CheckFailed) as refused:
            delivery.deliver(_agreement(f"BAD-{slug}"), book, "2026-1", find_user(w.PRODUCTION))
        assert check in refused.value.message and finding in refused.value.message
        assert refused.value.status == 409 and refused.value.code == "check_failed"
        db.session.rollback()
        assert _deliveries() == before
        assert all(d.delivered_at is None for d in _agreement(f"BAD-{slug}").deliverables)


def test_a_broken_epub_refuses_delivery(shop):
    def break_epub(*args):
        artifact = export.build(*args)
        with zipfile.ZipFile(artifact.path, "a") as zf:  # a second, malformed package document
            zf.writestr("EPUB/broken.xhtml", "<html><body><p>未闭合</body>")
        with open(artifact.path, "r+b") as fh:  # and a mimetype entry that is no longer first
            fh.seek(30)
            fh.write(b"xxxxxxxx")
        return artifact

    with shop.app_context():
        with pytest.raises(CheckFailed) as refused:
            delivery.deliver(_agreement("BAD-epub"), find_book("epub"), "2026-1",
                             find_user(w.PRODUCTION), builder=break_epub)
        assert "EPUBCheck reports no errors" in refused.value.message
        db.session.rollback()
        assert _deliveries() <= 1


def test_cli_refusals_are_one_clear_line(shop):
    runner = shop.test_cli_runner()
    result = runner.invoke(args=["deliver", "BAD-comma", "--book", "comma", "--edition",
                                 "2026-1", "--by", w.PRODUCTION])
    assert result.exit_code == 1
    assert "error: pre-publication check failed: Chinese punctuation: Half-width ," in \
        result.output
    result = runner.invoke(args=["deliver", "NO-SUCH", "--book", "comma", "--edition", "2026-1"])
    assert result.exit_code == 1 and "no agreement NO-SUCH" in result.output
    result = runner.invoke(args=["deliver", "BAD-comma", "--book", "comma", "--edition", "9"])
    assert result.exit_code == 1 and "no edition 9" in result.output


def test_who_may_deliver_and_under_what(shop):
    with shop.app_context():
        book = find_book("comma")
        with pytest.raises(Forbidden):
            delivery.deliver(_agreement("BAD-comma"), book, "2026-1", find_user("author@ah.demo"))
        with pytest.raises(Invalid) as refused:  # the agreement does not cover this book
            delivery.deliver(_agreement("BAD-isbn"), book, "2026-1", find_user(w.PRODUCTION))
        assert "does not cover comma" in refused.value.message
        db.session.rollback()


def test_prepub_check_prints_every_check_and_fails_on_findings(shop):
    result = shop.test_cli_runner().invoke(args=["prepub-check", "lowres", "--edition", "2026-1"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    for key, title in __import__("alliance.production.checks.gate", fromlist=["CHECKS"]).CHECKS:
        assert any(title in line for line in lines), title
    assert "[FAILED  ] Images print at 300 dpi or more" in result.stdout
    assert "[PASSED  ] EPUBCheck reports no errors" in result.stdout
    assert "[PASSED  ] Every PDF font is embedded" in result.stdout
    assert "image_resolution" in result.stderr
