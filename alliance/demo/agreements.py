"""The demo's first publishing agreements (教材出版合作书): the publisher with the Anhui,
Hubei and Heilongjiang schools; the Anhui one covers the demo textbook in print and EPUB.

seed_agreements() is idempotent: an agreement whose number exists is left as it is.
"""
from datetime import date

from sqlalchemy import select

from ..production import agreements as svc
from ..extensions import db
from ..models import Agreement, Book, Organization
from ..people.accounts import find_user

# The demo textbook's ISBN (中国工人出版社's prefix 978-7-5008; the check digit is right).
DEMO_ISBN = "978-7-5008-8826-0"
SIGNED = date(2026, 1, 12)
TERM = (date(2026, 1, 12), date(2028, 1, 11))
# (number, school, title, deliverables: (format, profile, isbn, due date))
AGREEMENTS = [
    ("ZGGR-JC-2026-001", "安徽省总工会干部学校", "《新就业形态劳动者权益保障》教材出版合作书",
     [("print_pdf", "16k-print", DEMO_ISBN, date(2026, 12, 31)),
      ("epub", None, DEMO_ISBN, date(2027, 3, 31))]),
    ("ZGGR-JC-2026-002", "湖北省工会干部学校", "工会干部培训教材出版合作书（湖北）",
     [("docx", None, None, date(2026, 10, 31))]),
    ("ZGGR-JC-2026-003", "黑龙江省工会干部学院", "工会干部培训教材出版合作书（黑龙江）",
     [("screen_pdf", "a4-screen", None, date(2027, 6, 30))]),
]
EDITOR = "editor@cwph.demo"


def seed_agreements(publisher_name, book_slug):
    """Create the demo agreements that are missing, signed, as the demo's responsible editor."""
    editor = find_user(EDITOR)
    publisher = db.session.scalar(select(Organization).filter_by(name=publisher_name))
    book = db.session.scalar(select(Book).filter_by(slug=book_slug))
    for number, school_name, title, deliverables in AGREEMENTS:
        if db.session.scalar(select(Agreement.id).filter_by(number=number)) is not None:
            continue
        school = db.session.scalar(select(Organization).filter_by(name=school_name))
        agreement = svc.create_agreement(editor, number, title, publisher, [school],
                                         signed_on=SIGNED, starts_on=TERM[0], ends_on=TERM[1])
        svc.add_book(agreement, book, editor)
        for fmt, profile, isbn, due_on in deliverables:
            svc.add_deliverable(agreement, book, fmt, due_on, editor, profile=profile,
                                isbn_text=isbn)
        svc.change_status(agreement, "signed", editor)
