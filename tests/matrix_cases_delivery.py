"""Permission matrix cases for pre-publication checks and deliveries (see tests/matrix.py).

The book's editors, production staff and admins check and deliver (others who read the
book: 403; the outsider: 404). Running checks for an unknown edition and delivering under
an unknown agreement answer 404 to those allowed, so no render runs here.
prepare() records delivery DLV-1 of labor-rights under an agreement of the Anhui school:
its people read it, Hubei's author and the outsider do not see it (404).
"""
from pathlib import Path

from sqlalchemy import select

from matrix import Case, expect

from alliance.production import agreements
from alliance.manuscripts.books import find_book
from alliance.extensions import db
from alliance.models import Delivery, DeliveryStatus, Organization, User

BOOK = "/books/labor-rights"
CHECKERS = dict(author=403, other_author=403, coordinator=403, outsider=404)
DELIVERY_READERS = expect(302, other_author=404, outsider=404)

CASES = [
    Case("delivery.checks", "GET", BOOK + "/prepub", expect(302, **CHECKERS)),
    Case("delivery.run_checks", "POST", BOOK + "/prepub",
         expect(302, **CHECKERS, editor=404, production=404, admin=404),
         form={"edition": "no-such"}),
    Case("delivery.index", "GET", BOOK + "/deliveries", expect(302, **CHECKERS)),
    Case("delivery.create", "POST", BOOK + "/deliveries",
         expect(302, **CHECKERS, editor=404, production=404, admin=404),
         form={"agreement": "0", "edition": "2026-1"}, write=True),
    Case("delivery.show", "GET", "/deliveries/{dlv_id}", DELIVERY_READERS),
    Case("delivery.package", "GET", "/deliveries/{dlv_id}/package", DELIVERY_READERS),
]


def prepare(app, world):
    """Agreement DLV-1 (Anhui) covering labor-rights, with one recorded delivery and its zip."""
    editor = db.session.get(User, world.editor.id)
    orgs = {o.name: o for o in db.session.scalars(select(Organization))}
    book = find_book("labor-rights")
    agreement = agreements.create_agreement(editor, "DLV-1", "交付合作书", orgs["中国工人出版社"],
                                            [orgs["安徽省总工会干部学校"]])
    agreements.add_book(agreement, book, editor)
    package = Path(app.config["EXPORTS"]) / "deliveries" / "matrix.zip"
    package.parent.mkdir(parents=True, exist_ok=True)
    package.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip
    delivery = Delivery(agreement=agreement, book=book, edition="2026-1", created_by=editor,
                        package_path="deliveries/matrix.zip", package_sha256="0" * 64,
                        bytes=22, status=DeliveryStatus.READY, summary={})
    db.session.add(delivery)
    db.session.commit()
    return {"dlv_id": delivery.id}
