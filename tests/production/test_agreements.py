"""The agreements service: drawing up, status moves (and refused ones), deliverables, scans."""
import io
from datetime import date

import pikepdf
import pytest
from sqlalchemy import select

from alliance.production import agreements as svc
from alliance.errors import AlreadyExists, Forbidden, Invalid, NotFound
from alliance.extensions import db
from alliance.models import (AgreementStatus, AuditEvent, Book, Delivery, DeliveryStatus,
                             Organization, User)


def real_pdf(pages=1):
    """A small valid PDF, as bytes."""
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.fixture
def ctx(app, world):
    """Inside the app: the world's people, orgs and book by name."""
    with app.app_context():
        org = {o.name: o for o in db.session.scalars(select(Organization))}
        people = {u.email: u for u in db.session.scalars(select(User))}
        yield {"pub": org["中国工人出版社"], "ah": org["安徽省总工会干部学校"],
               "hb": org["湖北省工会干部学校"], "editor": people["editor@cwph.test"],
               "author": people["author@ah.test"],
               "book": db.session.scalar(select(Book).filter_by(slug="labor-rights")),
               "exports": app.config["EXPORTS"]}


def draft(c, number="CWPH-2026-001"):
    return svc.create_agreement(c["editor"], number, "教材出版合作书", c["pub"], [c["ah"]],
                                starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))


def test_create_agreement_with_parties_books_and_deliverables(ctx):
    agreement = draft(ctx)
    svc.add_party(agreement, ctx["hb"], ctx["editor"])
    svc.add_book(agreement, ctx["book"], ctx["editor"])
    pdf = svc.add_deliverable(agreement, ctx["book"], "print_pdf", date(2026, 6, 30),
                              ctx["editor"], profile="16k-print", isbn_text="978-7-5008-8826-0")
    epub = svc.add_deliverable(agreement, ctx["book"], "epub", date(2026, 7, 31), ctx["editor"])
    db.session.commit()
    assert agreement.status == AgreementStatus.DRAFT
    assert [s.name for s in agreement.schools] == sorted(["安徽省总工会干部学校",
                                                          "湖北省工会干部学校"])
    assert pdf.isbn == "9787500888260" and pdf.profile == "16k-print" and epub.profile is None
    assert [d.id for d in agreement.books[0].deliverables] == [pdf.id, epub.id]
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "agreement_created" in actions and actions.count("agreement_changed") == 4


def test_number_is_unique_and_required(ctx):
    draft(ctx)
    with pytest.raises(AlreadyExists):
        draft(ctx)
    with pytest.raises(Invalid):
        draft(ctx, number="  ")


def test_only_publisher_editors_and_admins_manage(ctx):
    with pytest.raises(Forbidden):
        svc.create_agreement(ctx["author"], "X-1", "T", ctx["pub"], [ctx["ah"]])
    agreement = draft(ctx)
    with pytest.raises(Forbidden):
        svc.change_status(agreement, "signed", ctx["author"])


def test_parties_are_schools_and_the_publisher_a_publisher(ctx):
    with pytest.raises(Invalid):
        svc.create_agreement(ctx["editor"], "X-1", "T", ctx["ah"], [ctx["hb"]])
    agreement = draft(ctx)
    with pytest.raises(Invalid):
        svc.add_party(agreement, ctx["pub"], ctx["editor"])
    with pytest.raises(AlreadyExists):
        svc.add_party(agreement, ctx["ah"], ctx["editor"])


def test_term_must_not_end_before_it_starts(ctx):
    agreement = draft(ctx)
    with pytest.raises(Invalid) as err:
        svc.update_agreement(agreement, ctx["editor"], ends_on=date(2025, 1, 1))
    assert err.value.details["reason"] == "term"


def test_deliverables_are_checked(ctx):
    agreement = draft(ctx)
    with pytest.raises(Invalid):  # the book is not covered yet
        svc.add_deliverable(agreement, ctx["book"], "epub", date(2026, 7, 1), ctx["editor"])
    svc.add_book(agreement, ctx["book"], ctx["editor"])
    bad = [("print_pdf", None, None, "profile"), ("print_pdf", "a4-screen", None, "profile_medium"),
           ("screen_pdf", "16k-print", None, "profile_medium"),
           ("epub", "16k-print", None, "profile_unwanted"), ("mobi", None, None, "format"),
           ("print_pdf", "16k-print", "978-7-5008-8826-6", "isbn"),
           ("print_pdf", "16k-print", "7-5008-8826-X", "isbn")]
    for fmt, profile, isbn, reason in bad:
        with pytest.raises(Invalid) as err:
            svc.add_deliverable(agreement, ctx["book"], fmt, date(2026, 7, 1), ctx["editor"],
                                profile=profile, isbn_text=isbn)
        assert err.value.details["reason"] == reason, (fmt, profile, isbn)
    assert agreement.deliverables == []


def test_status_moves_and_refused_ones(ctx):
    agreement = draft(ctx)
    with pytest.raises(Invalid) as err:  # nothing to deliver yet
        svc.change_status(agreement, "signed", ctx["editor"])
    assert err.value.details["reason"] == "incomplete"
    svc.add_book(agreement, ctx["book"], ctx["editor"])
    deliverable = svc.add_deliverable(agreement, ctx["book"], "docx", date(2026, 3, 1),
                                      ctx["editor"])
    with pytest.raises(svc.AgreementStateError):  # draft cannot be fulfilled
        svc.change_status(agreement, "fulfilled", ctx["editor"])
    svc.change_status(agreement, "signed", ctx["editor"], today=date(2026, 1, 5))
    assert agreement.status == AgreementStatus.SIGNED and agreement.signed_on == date(2026, 1, 5)
    with pytest.raises(svc.AgreementStateError):
        svc.change_status(agreement, "draft", ctx["editor"])
    with pytest.raises(Invalid) as err:  # not delivered yet
        svc.change_status(agreement, "fulfilled", ctx["editor"])
    assert err.value.details["reason"] == "undelivered"
    delivery = Delivery(agreement=agreement, book=ctx["book"], edition="第1版",
                        status=DeliveryStatus.READY, created_by=ctx["editor"])
    db.session.add(delivery)
    svc.mark_delivered([deliverable], delivery, ctx["editor"])
    assert deliverable.state(date(2030, 1, 1)) == "delivered"
    with pytest.raises(Invalid):  # a delivered deliverable stays
        svc.remove_deliverable(deliverable, ctx["editor"])
    svc.change_status(agreement, "fulfilled", ctx["editor"])
    for status in ("signed", "terminated", "draft"):
        with pytest.raises(svc.AgreementStateError):
            svc.change_status(agreement, status, ctx["editor"])
    with pytest.raises(svc.AgreementStateError):  # closed: read-only
        svc.update_agreement(agreement, ctx["editor"], title="改")
    db.session.commit()


def test_terminated_agreement_no_longer_changes(ctx):
    agreement = draft(ctx)
    svc.change_status(agreement, "terminated", ctx["editor"])
    with pytest.raises(svc.AgreementStateError):
        svc.add_party(agreement, ctx["hb"], ctx["editor"])
    with pytest.raises(svc.AgreementStateError):
        svc.attach_scan(agreement, real_pdf(), "s.pdf", ctx["editor"], ctx["exports"])


def test_deliverable_state_pending_overdue(ctx):
    agreement = draft(ctx)
    svc.add_book(agreement, ctx["book"], ctx["editor"])
    deliverable = svc.add_deliverable(agreement, ctx["book"], "epub", date(2026, 3, 1),
                                      ctx["editor"])
    assert deliverable.state(date(2026, 3, 1)) == "pending"
    assert deliverable.state(date(2026, 3, 2)) == "overdue"


def test_removing_a_book_takes_its_deliverables(ctx):
    agreement = draft(ctx)
    svc.add_book(agreement, ctx["book"], ctx["editor"])
    svc.add_deliverable(agreement, ctx["book"], "epub", date(2026, 3, 1), ctx["editor"])
    svc.remove_book(agreement, ctx["book"], ctx["editor"])
    db.session.commit()
    assert agreement.books == [] and agreement.deliverables == []


def test_scan_is_stored_under_exports(ctx):
    from pathlib import Path
    agreement = draft(ctx)
    data = real_pdf(2)
    svc.attach_scan(agreement, data, "../../合作书.pdf", ctx["editor"], ctx["exports"])
    db.session.commit()
    path = svc.scan_file(agreement, ctx["exports"])
    assert path.read_bytes() == data
    assert path.is_relative_to(Path(ctx["exports"]).resolve() / "agreements" / str(agreement.id))
    assert agreement.scan_name == "合作书.pdf" and agreement.scan_bytes == len(data)


@pytest.mark.parametrize("data, reason", [
    (b"", "scan_empty"),
    (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "scan_not_pdf"),
    (b"%PDF-1.7\n%fake: this is not a PDF at all\n%%EOF\n", "scan_not_pdf"),
    (b"%PDF-1.4\n" + b"x" * (svc.MAX_SCAN_BYTES), "scan_too_large"),
])
def test_fake_or_oversized_scans_are_refused_and_nothing_is_kept(ctx, data, reason):
    agreement = draft(ctx)
    with pytest.raises(Invalid) as err:
        svc.attach_scan(agreement, data, "scan.pdf", ctx["editor"], ctx["exports"])
    assert err.value.details["reason"] == reason
    assert agreement.scan_path is None
    with pytest.raises(NotFound):
        svc.scan_file(agreement, ctx["exports"])


def test_schools_read_only_their_own_agreements(ctx):
    ours = draft(ctx)
    theirs = svc.create_agreement(ctx["editor"], "CWPH-2026-002", "合作书", ctx["pub"],
                                  [ctx["hb"]])
    db.session.commit()
    assert svc.readable_agreements(ctx["author"]) == [ours]
    assert set(svc.readable_agreements(ctx["editor"])) == {ours, theirs}
    assert svc.readable_agreements(ctx["editor"], school_id=ctx["hb"].id) == [theirs]
    assert svc.find_agreement(ctx["author"], ours.id) is ours
    with pytest.raises(NotFound):
        svc.find_agreement(ctx["author"], theirs.id)


def test_a_backup_keeps_the_signed_document(app, runner, world, tmp_path):
    from alliance import create_app
    data = real_pdf()
    with app.app_context():
        editor = db.session.get(User, world.editor.id)
        orgs = {o.name: o for o in db.session.scalars(select(Organization))}
        agreement = svc.create_agreement(editor, "CWPH-BAK-1", "合作书", orgs["中国工人出版社"],
                                         [orgs["安徽省总工会干部学校"]])
        svc.attach_scan(agreement, data, "合作书.pdf", editor, app.config["EXPORTS"])
        db.session.commit()
    answer = runner.invoke(args=["backup", str(tmp_path / "bak")])
    assert answer.exit_code == 0, answer.output
    fresh = create_app({"TESTING": True, "ALLIANCE_HOME": str(tmp_path / "fresh")})
    restored = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "bak")])
    assert restored.exit_code == 0, restored.output
    with fresh.app_context():
        again = db.session.scalar(select(svc.Agreement).filter_by(number="CWPH-BAK-1"))
        assert svc.scan_file(again, fresh.config["EXPORTS"]).read_bytes() == data
        db.engine.dispose()
