"""Delivery packages: an edition of a book, built, checked and zipped for an agreement.

deliver() builds every deliverable the agreement lists for the book at the
edition's tagged commit, runs the pre-publication checks (a failure refuses the
delivery with CheckFailed and records nothing), and writes one zip holding the
files, manifest.json (each file's sha256, book, commit, edition, agreement, tool
versions) and the review record (review-record.json and review-record.txt).
The Delivery row, the deliverables marked delivered and an audit event are
flushed; the caller commits.
"""
import hashlib
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from flask import current_app

from . import agreements
from ..people import audit
from .checks import gate, built_files, runner
from ..review import record
from ..errors import Forbidden, Invalid, NotFound
from ..extensions import db
from ..models import AgreementStatus, DeliverableFormat, Delivery, DeliveryStatus, utcnow
from ..people.permissions import can_deliver
from ..publishing import export, manifest, profiles, snapshot
from ..publishing.report import RenderReport

DELIVERY_CREATED = "delivery_created"
FOLDER = "deliveries"  # under EXPORTS
#: deliverable format -> export format
EXPORT_FORMAT = {DeliverableFormat.PRINT_PDF: "pdf", DeliverableFormat.SCREEN_PDF: "pdf",
                 DeliverableFormat.EPUB: "epub", DeliverableFormat.DOCX: "docx"}


def find_edition(book, label):
    """Return the book's edition called ``label``; NotFound when there is none."""
    from . import editions  # editions imports jobs, which imports the renderers
    return editions.get(book, label)


def deliverables_of(agreement, book):
    """Return the agreement's deliverables for ``book``; Invalid when the book is not covered
    or has none."""
    if not any(entry.book_id == book.id for entry in agreement.books):
        raise Invalid(f"agreement {agreement.number} does not cover {book.slug}")
    found = [d for d in agreement.deliverables if d.book_id == book.id]
    if not found:
        raise Invalid(f"agreement {agreement.number} lists no deliverables for {book.slug}")
    return found


def isbns_for(meta, deliverables):
    """Return the [(source, isbn)] the ISBN check reads: book.yaml's (printed on the copyright
    page) and each deliverable's own."""
    found = [(f"deliverable {d.format.value}", d.isbn) for d in deliverables if d.isbn]
    if (meta.get("isbn") or "").strip() or not found:
        found.insert(0, ("book.yaml", meta.get("isbn") or ""))
    return found


def profile_of(deliverable, meta):
    """Return the profile name a deliverable is built with (PDF only; None otherwise)."""
    if deliverable.format == DeliverableFormat.PRINT_PDF:
        return deliverable.profile or profiles.default_for(meta).name
    if deliverable.format == DeliverableFormat.SCREEN_PDF:
        return deliverable.profile or f"{profiles.default_for(meta).trim}-screen"
    return None


def file_name(slug, label, deliverable, profile):
    """Return the name of a deliverable's file in the package."""
    ext = export.RENDERERS[EXPORT_FORMAT[deliverable.format]][2]
    return f"{slug}-{label}-{profile}.{ext}" if profile else f"{slug}-{label}.{ext}"


def deliver(agreement, book, label, user, *, progress=None, builder=None):
    """Build, check and package edition ``label`` of ``book`` for ``agreement``; return the
    READY Delivery (flushed).

    Forbidden unless ``user`` may deliver; Invalid when the agreement is not signed or
    lists nothing for the book; NotFound for an unknown edition; CheckFailed naming each
    failed check (nothing recorded). Files the edition's finished job built are reused;
    the others are built by ``builder`` (export.build by default; given, it builds all).
    """
    if not can_deliver(user, book, agreement):
        raise Forbidden(f"only the editors and production staff of {book.slug} may deliver it")
    if agreement.status != AgreementStatus.SIGNED:
        raise Invalid(f"agreement {agreement.number} is {agreement.status.value}; "
                      "deliveries are made under a signed agreement")
    deliverables = deliverables_of(agreement, book)
    edition = find_edition(book, label)
    label = edition.label
    repo = _repo(book)
    snap = snapshot.take(repo, book.slug, edition.commit)
    isbns = isbns_for(snap.meta, deliverables)
    # The source checks are cheap: refuse before spending minutes on renders.
    gate.require(gate.run(book, repo, snap, None, isbns=isbns, edition=label))
    work = Path(tempfile.mkdtemp(prefix="delivery-", dir=_root()))
    try:
        built = _build_all(book, snap, edition, deliverables, work, progress, builder)
        report = gate.require(gate.run(book, repo, snap, [b for b, _d, _a in built],
                                           isbns=isbns, edition=label))
        delivery = Delivery(agreement=agreement, book=book, edition=label, created_by=user,
                            status=DeliveryStatus.PENDING)
        db.session.add(delivery)
        db.session.flush()
        target = _root() / str(agreement.id) / f"{book.slug}-{label}-{delivery.id}.zip"
        files = _package(target, work, agreement, book, edition, snap, built, report, user)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    delivery.package_path = str(target.relative_to(current_app.config["EXPORTS"]))
    delivery.package_sha256 = manifest.sha256_of(target)
    delivery.bytes = target.stat().st_size
    delivery.status = DeliveryStatus.READY
    delivery.summary = {"files": files, "checks": [r.as_dict() for r in report.results],
                        "commit": snap.commit}
    undelivered = [d for d in deliverables if d.delivered_at is None]
    if undelivered:  # a later delivery (a corrected edition) leaves the first one on record
        agreements.mark_delivered(undelivered, delivery, user)
    audit.record(DELIVERY_CREATED, user, target=agreement.number, book=book,
                 delivery=delivery.id, edition=label, commit=snap.commit,
                 sha256=delivery.package_sha256, files=[f["name"] for f in files])
    return delivery


def package_file(delivery):
    """Return the absolute path of a delivery's zip; NotFound when it is not (or no longer) there."""
    if not delivery.package_path:
        raise NotFound(f"delivery {delivery.id} has no package")
    path = Path(current_app.config["EXPORTS"]) / delivery.package_path
    if not path.is_file():
        raise NotFound(f"the package of delivery {delivery.id} is missing")
    return path


def _repo(book):
    from ..extensions import manuscript_store
    return manuscript_store().book(book.slug)


def _root():
    root = Path(current_app.config["EXPORTS"]) / FOLDER
    root.mkdir(parents=True, exist_ok=True)
    return root


def _build_all(book, snap, edition, deliverables, work, progress, builder):
    """Build each deliverable in a folder of its own, or reuse the file the edition's job
    built (unless a ``builder`` is given); return [(gate.Built, deliverable, Artifact)]."""
    built = []
    for index, deliverable in enumerate(deliverables):
        profile = profile_of(deliverable, snap.meta)
        fmt = EXPORT_FORMAT[deliverable.format]
        ready = None if builder else runner.edition_file(edition, fmt, profile)
        if ready is not None:
            artifact = export.Artifact(fmt, str(ready), manifest.sha256_of(ready),
                                       ready.stat().st_size, RenderReport())
            built.append((gate.Built(fmt, ready, profile), deliverable, artifact))
            continue
        share = 1 / len(deliverables)

        def scaled(fraction, message="", _base=index * share):
            if progress:
                progress(_base + share * fraction, message)

        artifact = (builder or export.build)(current_app._get_current_object(), book.slug, fmt, snap.commit,
                           profile, str(work / str(index)), scaled)
        built.append((gate.Built(fmt, Path(artifact.path), profile), deliverable, artifact))
    return built


def _package(target, work, agreement, book, edition, snap, built, report, user):
    """Write the zip at ``target`` (via a temporary name); return its file entries."""
    records = record.book_record(book, [c.key for c in snap.chapters])
    files = []
    for item, deliverable, artifact in built:
        files.append({"name": file_name(book.slug, edition.label, deliverable, item.profile),
                      "format": deliverable.format.value, "profile": item.profile,
                      "isbn": deliverable.isbn, "deliverable": deliverable.id,
                      "sha256": artifact.sha256, "bytes": artifact.bytes,
                      "source": item.path})
    header = (f"合同 Agreement: {agreement.number}", f"版次 Edition: {edition.label}",
              f"提交 Commit: {snap.commit}")
    extra = {
        "review-record.json": _json({"book": book.slug, "commit": snap.commit,
                                     "edition": edition.label, "chapters": records}),
        "review-record.txt": record.as_text(book, records, header).encode("utf-8"),
        "prepub-report.json": _json(report.as_dict()),
    }
    for name, data in extra.items():
        files.append({"name": name, "format": name.rsplit(".", 1)[1],
                      "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})
    manifest_data = {
        "book": book.slug, "title": snap.title, "commit": snap.commit,
        "edition": edition.label, "tag": edition.tag, "agreement": agreement.number,
        "created_at": utcnow().isoformat(timespec="seconds"), "created_by": user.email,
        "chapters": [{"key": c.key, "path": c.path, "blob": c.blob_id} for c in snap.chapters],
        "files": [{k: v for k, v in f.items() if k != "source"} for f in files],
        "tool_versions": {**manifest.tool_versions(), **built_files.tool_versions()},
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".partial-{target.name}")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        for entry in files:
            if "source" in entry:
                zf.write(entry.pop("source"), entry["name"])
            else:
                zf.writestr(entry["name"], extra[entry["name"]])
        zf.writestr("manifest.json", _json(manifest_data))
    partial.replace(target)
    return files


def _json(data):
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
