"""Byte-identical builds: every timestamp from the commit, zip packages in a fixed form.

An edition rebuilt from its tag must give the same bytes as its first build. The
renderers therefore never read the clock: the one time a build may record is the
commit's committer time (``Snapshot.committed_at``, the build's SOURCE_DATE_EPOCH).
Pandoc writes under ``--sandbox``, where it sees no clock (it stamps 1970 and 1980),
so its EPUB and DOCX packages are rewritten here: the entries in a fixed order (the
EPUB's ``mimetype`` first and stored), each with the commit's time and the same
attributes, and the package dates in the XML set to the commit's time.
"""
import io
import re
import uuid
import zipfile
from datetime import datetime, timezone

#: The earliest time a zip entry can hold (MS-DOS dates start in 1980).
ZIP_EPOCH = 315532800
#: What a sandboxed pandoc writes where the time of the build goes.
SANDBOX_TIMES = ("1970-01-01T00:00:00Z",)
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://alliance.invalid/builds/")


def source_date_epoch(snapshot):
    """Return the build time of ``snapshot`` in seconds since 1970: its commit's committer time."""
    return int(getattr(snapshot, "committed_at", 0) or 0)


def iso_time(epoch):
    """Return ``epoch`` as a W3C date-time in UTC, e.g. ``2026-03-01T08:00:00Z``."""
    return datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def zip_time(epoch):
    """Return ``epoch`` as a zip entry's date_time tuple (UTC, never before 1980)."""
    moment = datetime.fromtimestamp(max(int(epoch), ZIP_EPOCH), timezone.utc)
    return moment.timetuple()[:6]


def build_uuid(*parts):
    """Return a UUID fixed by ``parts`` (commit, profile, ...): the same build, the same id."""
    return uuid.uuid5(_ID_NAMESPACE, "|".join(str(p) for p in parts))


def stamp_sandbox_times(text, epoch):
    """Return XML ``text`` with the times a sandboxed pandoc wrote replaced by ``epoch``'s."""
    for stamp in SANDBOX_TIMES:
        text = text.replace(stamp, iso_time(epoch))
    return text


def ordered(names, first=()):
    """Return ``names`` in the fixed order of a package: ``first`` (those present), then sorted."""
    head = [n for n in first if n in names]
    return head + sorted(n for n in names if n not in head)


def write_zip(path, entries, epoch, first=(), stored=()):
    """Write ``entries`` ({name: bytes}) as the zip file at ``path`` in a fixed form.

    Entries come in ordered(names, first); each has ``epoch``'s time, permissions
    0644 and a Unix origin; ``stored`` names are written uncompressed, the others
    deflated at level 9. The same entries and epoch always give the same bytes.
    """
    stamp = zip_time(epoch)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in ordered(list(entries), first):
            info = zipfile.ZipInfo(name, stamp)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            if name in stored:
                target.writestr(info, entries[name], zipfile.ZIP_STORED)
            else:
                target.writestr(info, entries[name], zipfile.ZIP_DEFLATED, 9)
    with open(path, "wb") as handle:
        handle.write(out.getvalue())


def read_zip(path):
    """Return the entries of the zip file at ``path`` as {name: bytes}, in its order."""
    with zipfile.ZipFile(path) as source:
        return {info.filename: source.read(info) for info in source.infolist()
                if not info.is_dir()}


def restamp_docx(path, epoch):
    """Rewrite the DOCX at ``path`` in the fixed form, its core.xml dates set to ``epoch``."""
    entries = read_zip(path)
    core = "docProps/core.xml"
    if core in entries:
        text = entries[core].decode("utf-8")
        text = re.sub(r"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)",
                      lambda m: m.group(1) + iso_time(epoch) + m.group(2), text)
        entries[core] = text.encode("utf-8")
    write_zip(path, entries, epoch, first=("[Content_Types].xml", "_rels/.rels"))
