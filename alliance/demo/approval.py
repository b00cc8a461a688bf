"""Take the demo textbook through 三审 (初审, 复审, 终审), so that it can be delivered.

Not part of the default demo, whose chapters stay drafts to write in and review:
`alliance demo --approved` calls approve_demo_book() after seeding.
"""
from sqlalchemy import select

from ..publishing import bookmeta
from ..review import workflow
from ..manuscripts.books import person
from ..extensions import db
from ..models import Book, ChapterState
from ..people.accounts import find_user
from . import BOOK_SLUG, STAGES
from .agreements import DEMO_ISBN


def approve_demo_book(store):
    """Register the ISBN in book.yaml, then submit every draft chapter (as its author) and pass
    each stage (as its reviewer) with the real workflow; return the number approved.

    Idempotent: approved chapters are left alone, chapters under review continue.
    """
    book = db.session.scalar(select(Book).filter_by(slug=BOOK_SLUG))
    _register_isbn(store, book)
    reviewers = [find_user(email) for _name, email in STAGES]
    approved = 0
    for chapter in book.chapters:
        if chapter.state == ChapterState.DRAFT:
            workflow.submit(store, chapter, chapter.assignees[0], "交稿")
        while chapter.state != ChapterState.APPROVED:
            workflow.approve(store, chapter, reviewers[chapter.review_stage - 1], "同意")
            approved += chapter.state == ChapterState.APPROVED
    return approved


def _register_isbn(store, book):
    # The editor enters the 书号 the agreement names, as a commit of book.yaml.
    repo = store.book(book.slug)
    head = repo.resolve()
    meta = bookmeta.parse(repo.load("book.yaml", head))
    if meta.get("isbn"):
        return
    meta["isbn"] = DEMO_ISBN  # as printed; validated by the agreement that names it
    editor = find_user(STAGES[0][1])
    result = repo.save({"book.yaml": bookmeta.dump(meta)}, head, person(editor), "登记书号")
    book.head_revision = result.revision
    db.session.flush()
