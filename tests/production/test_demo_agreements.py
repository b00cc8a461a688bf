"""The demo's agreements and the approved demo book (`alliance demo --approved`)."""
from sqlalchemy import select

from alliance.publishing import bookmeta
from alliance.production import isbn
from alliance.demo import BOOK_SLUG, seed
from alliance.demo.agreements import DEMO_ISBN
from alliance.demo.approval import approve_demo_book
from alliance.extensions import db, manuscript_store
from alliance.models import Agreement, AgreementStatus, Book, ChapterState, Transition


def test_demo_has_the_first_three_agreements_idempotently(app):
    with app.app_context():
        for _ in range(2):
            seed(manuscript_store())
            db.session.commit()
        agreements = db.session.scalars(select(Agreement).order_by(Agreement.number)).all()
        assert [[s.name for s in a.schools] for a in agreements] == [
            ["安徽省总工会干部学校"], ["湖北省工会干部学校"], ["黑龙江省工会干部学院"]]
        assert all(a.status == AgreementStatus.SIGNED and a.publisher.name == "中国工人出版社"
                   for a in agreements)
        anhui = agreements[0]
        assert [b.book.slug for b in anhui.books] == [BOOK_SLUG]
        formats = {(d.format.value, d.profile, d.isbn) for d in anhui.deliverables}
        assert formats == {("print_pdf", "16k-print", isbn.validate(DEMO_ISBN)),
                           ("epub", None, isbn.validate(DEMO_ISBN))}
        # The default demo keeps its chapters as drafts to write in and review.
        book = db.session.scalar(select(Book).filter_by(slug=BOOK_SLUG))
        assert {c.state for c in book.chapters} == {ChapterState.DRAFT}
        assert bookmeta.parse(manuscript_store().book(BOOK_SLUG).load("book.yaml"))["isbn"] == ""


def test_approved_demo_passes_every_chapter_through_three_reviews(app):
    with app.app_context():
        store = manuscript_store()
        seed(store)
        assert approve_demo_book(store) == 5
        db.session.commit()
        assert approve_demo_book(store) == 0  # idempotent
        book = db.session.scalar(select(Book).filter_by(slug=BOOK_SLUG))
        repo = store.book(BOOK_SLUG)
        for chapter in book.chapters:
            assert chapter.state == ChapterState.APPROVED
            assert chapter.approved_revision == chapter.revision
            passes = db.session.scalars(select(Transition).filter_by(
                chapter_id=chapter.id, action="approve").order_by(Transition.id)).all()
            assert [(t.stage_name, t.actor.email) for t in passes] == [
                ("初审", "editor@cwph.demo"), ("复审", "senior@cwph.demo"),
                ("终审", "chief@cwph.demo")]
        meta = bookmeta.parse(repo.load("book.yaml"))
        assert isbn.validate(meta["isbn"]) == isbn.validate(DEMO_ISBN)
        assert meta["title"] == "新就业形态劳动者权益保障"
        assert book.head_revision == repo.head()
