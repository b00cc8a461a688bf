"""Test helpers for delivery: an app of a module's own, the demo alliance with its book approved
through 三审, small purpose-built books, signed agreements and editions."""
import io
from datetime import date

from alliance.production import agreements, editions
from alliance.publishing import bookmeta
from alliance.review import workflow
from alliance import demo
from alliance import create_app
from alliance.manuscripts.books import add_member, create_book, create_chapter, find_book, person
from alliance.extensions import db, manuscript_store
from alliance.models import Organization
from alliance.people.accounts import find_user
from sqlalchemy import select

GOOD_ISBN = "978-7-5008-7654-0"
DEMO_AGREEMENT = "ZGGR-JC-2026-001"  # the demo's Anhui agreement: 16开 print PDF and EPUB
REVIEWERS = [email for _name, email in demo.STAGES]
PRODUCTION = "production@cwph.demo"
ADMIN = "admin@alliance.demo"


def make_app(folder, postgres):
    """Return an app with its home in ``folder`` (a database of its own on PostgreSQL)."""
    config = {"TESTING": True, "ALLIANCE_HOME": str(folder), "WTF_CSRF_ENABLED": False}
    if postgres is not None:
        config["DATABASE_URL"] = postgres.schema()
    app = create_app(config)
    if postgres is None:
        with app.app_context():
            db.create_all()
    return app


def close_app(app, postgres):
    """Dispose of the app's database connections (and database on PostgreSQL)."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if postgres is not None:
        postgres.drop(app.config["DATABASE_URL"])


def set_meta(book, **changes):
    """Commit book.yaml of ``book`` with ``changes`` (the editor's save)."""
    repo = manuscript_store().book(book.slug)
    head = repo.resolve()
    meta = bookmeta.parse(repo.load("book.yaml", head))
    repo.save({"book.yaml": bookmeta.dump({**meta, **changes})}, head,
              person(find_user(REVIEWERS[0])), "图书元数据")


def approve_all(book):
    """Pass every chapter of ``book`` through submit, 初审, 复审 and 终审 (the demo reviewers)."""
    store = manuscript_store()
    for chapter in book.chapters:
        workflow.submit(store, chapter, chapter.assignees[0], "交稿")
        for email in REVIEWERS:
            workflow.approve(store, chapter, find_user(email), "通过")


def seed_demo():
    """Seed the demo alliance (with its agreements) and take its book through 三审 with the
    demo's own helper (which registers the ISBN); return the book."""
    from alliance.demo.approval import approve_demo_book
    demo.seed(manuscript_store())
    approve_demo_book(manuscript_store())
    return find_book(demo.BOOK_SLUG)


def small_book(slug, chapters, images=None, **meta):
    """Create a demo-staffed book ``slug`` with ``chapters`` [(key, markdown)] and ``images``
    {path: bytes}, book.yaml ``meta`` (a valid ISBN unless given), every chapter approved."""
    store = manuscript_store()
    users = {email: find_user(email) for _r, email, *_rest in demo.PEOPLE}
    school = db.session.scalar(select(Organization).filter_by(name="安徽省总工会干部学校"))
    editor = users[REVIEWERS[0]]
    book = create_book(store, slug, f"测试教材{slug}", school, editor)
    for role, email, *_rest in demo.PEOPLE:
        if role != "admin":
            add_member(book, users[email], role)
    workflow.configure_stages(book, [(name, users[email]) for name, email in demo.STAGES],
                              False, editor)
    set_meta(book, **{"isbn": GOOD_ISBN, "publisher": demo.PUBLISHER, "editors": ["王立新"],
                      **meta})
    if images:
        repo = store.book(slug)
        repo.save(images, repo.resolve(), person(editor), "插图")
    for key, text in chapters:
        create_chapter(store, book, key, f"第{key}章", [users["author@ah.demo"]], editor,
                       text.encode("utf-8"))
    approve_all(book)
    return book


def edition(book, label="2026-1"):
    """Tag the book's head as edition ``label`` (its build job is left queued)."""
    return editions.create_edition(book, label, find_user(PRODUCTION))


def signed_agreement(number, book, deliverables):
    """Create and sign agreement ``number`` covering ``book`` with ``deliverables``
    [(format, profile or None)]; return it."""
    admin = find_user(ADMIN)
    publisher = db.session.scalar(select(Organization).filter_by(name=demo.PUBLISHER))
    school = db.session.scalar(select(Organization).filter_by(name="安徽省总工会干部学校"))
    agreement = agreements.create_agreement(admin, number, "教材出版合作书", publisher, [school])
    agreements.add_book(agreement, book, admin)
    for fmt, profile in deliverables:
        agreements.add_deliverable(agreement, book, fmt, date(2026, 12, 31), admin,
                                   profile=profile)
    agreements.change_status(agreement, "signed", admin)
    return agreement


def png(width, height, dpi):
    """Return a PNG of ``width``×``height`` pixels that says it is ``dpi`` dots per inch."""
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()
