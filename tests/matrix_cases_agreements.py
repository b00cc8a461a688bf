"""Permission matrix cases for publishing agreements (see tests/matrix.py).

prepare() draws up agreement AH (the Anhui school and a second school without
people; the book labor-rights with one deliverable; a signed scan) and agreement
HB (Hubei only). The Anhui people read AH and may not change it (403); Hubei's
and Shandong's do not see it (404). The editor's change comes first, so the
admin's repeat of a one-time change hears the state: 409 (exists, status) or
404 (already removed).
"""
import io
from datetime import date

import pikepdf
from sqlalchemy import select

from matrix import EVERYONE, Case, expect

from alliance.production import agreements as svc
from alliance.manuscripts.books import create_book, find_book
from alliance.extensions import db, manuscript_store
from alliance.models import Organization, User
from alliance.people.accounts import create_org

AH = "/agreements/{agr_ah}"
READ_AH = expect(302, other_author=404, outsider=404)
# Changes to AH: Anhui's people may read but not change; the other schools see nothing.
CHANGE_AH = expect(302, author=403, coordinator=403, production=403, other_author=404,
                   outsider=404, editor=302, admin=302)
MANAGERS_GET = expect(302, author=403, other_author=403, outsider=403, coordinator=403,
                      production=403)


def _pdf():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


class ReusablePdf(io.BytesIO):
    """A PDF upload the test client can send once per role: closing it rewinds it."""

    def close(self):
        self.seek(0)


CASES = [
    Case("agreements.index", "GET", "/agreements", EVERYONE),
    Case("agreements.new", "GET", "/agreements/new", MANAGERS_GET),
    Case("agreements.new", "POST", "/agreements/new",
         MANAGERS_GET | {"editor": 302, "admin": 302},
         form={"number": "M-{role}", "title": "合作书", "publisher": "{agr_publisher}",
               "schools": "{agr_school}"}, write=True),
    Case("agreements.show", "GET", AH, READ_AH),
    Case("agreements.scan", "GET", AH + "/scan", READ_AH),
    Case("agreements.edit", "POST", AH + "/edit", CHANGE_AH,
         form={"number": "CWPH-AH-1", "title": "合作书（{role}）"}, write=True),
    Case("agreements.add_party", "POST", AH + "/parties", CHANGE_AH | {"admin": 409},
         form={"school": "{target_org}"}, write=True),
    Case("agreements.remove_party", "POST", AH + "/parties/{agr_school}/remove",
         CHANGE_AH | {"admin": 404}, write=True),
    Case("agreements.add_book", "POST", AH + "/books", CHANGE_AH | {"admin": 409},
         form={"book": "{agr_book}"}, write=True),
    Case("agreements.remove_book", "POST", AH + "/books/{agr_labor}/remove",
         CHANGE_AH | {"admin": 404}, write=True),
    Case("agreements.add_deliverable", "POST", AH + "/deliverables", CHANGE_AH,
         form={"book": "{agr_labor}", "format": "epub", "due_on": "2026-09-01"}, write=True),
    Case("agreements.remove_deliverable", "POST", AH + "/deliverables/{agr_deliverable}/remove",
         CHANGE_AH | {"admin": 404}, write=True),
    Case("agreements.status", "POST", AH + "/status", CHANGE_AH | {"admin": 409},
         form={"status": "signed"}, write=True),
    Case("agreements.upload_scan", "POST", AH + "/scan", CHANGE_AH,
         form={"file": (ReusablePdf(_pdf()), "scan.pdf")}, write=True),
]


def prepare(app, world):
    """Agreements AH (Anhui and a school without people) and HB (Hubei); a second book."""
    orgs = {o.name: o for o in db.session.scalars(select(Organization))}
    editor = db.session.get(User, world.editor.id)
    labor = find_book("labor-rights")
    extra = create_org("天津市工会管理干部学院", "school")
    second = create_book(manuscript_store(), "second-book", "第二本书",
                         orgs["湖北省工会干部学校"], editor)
    ah = svc.create_agreement(editor, "CWPH-AH-1", "安徽合作书", orgs["中国工人出版社"],
                              [orgs["安徽省总工会干部学校"], extra])
    svc.add_book(ah, labor, editor)
    deliverable = svc.add_deliverable(ah, labor, "print_pdf", date(2026, 8, 1), editor,
                                      profile="16k-print")
    svc.attach_scan(ah, _pdf(), "ah.pdf", editor, app.config["EXPORTS"])
    svc.create_agreement(editor, "CWPH-HB-1", "湖北合作书", orgs["中国工人出版社"],
                         [orgs["湖北省工会干部学校"]])
    db.session.commit()
    return {"agr_ah": ah.id, "agr_school": extra.id, "agr_book": second.id,
            "agr_labor": labor.id, "agr_deliverable": deliverable.id,
            "agr_publisher": orgs["中国工人出版社"].id}
