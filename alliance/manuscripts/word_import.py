"""Word (.docx) import: guarded conversion to Pandoc Markdown, previewed before it lands.

The .docx is checked as a zip archive before pandoc sees it (member count,
declared and actual sizes, compression ratios, member names), then pandoc
converts it in a sandboxed subprocess (``--sandbox``: it reads no file but the
upload) under a wall-clock timeout and memory limits. The
result (Markdown plus images renamed into images/<chapter>-N.ext) waits in a
file under the instance folder until the author confirms it; it then lands as
one commit from the revision the import started at.
"""
import io
import json
import os
import re
import resource
import secrets
import subprocess
import tempfile
import time
import zipfile
from base64 import b64decode, b64encode
from dataclasses import dataclass, field

import pypandoc

from ..people import audit
from .books import check_unlocked, person, record_change
from flask_babel import gettext as _

from ..errors import Forbidden, Invalid, NotFound
from .images import check_image
from ..publishing.nesting import MAX_DEPTH, too_deep
from ..people.permissions import can_edit_chapter
from ..publishing.markdown import IMAGE_FOLDER
from ..store import check_path

MAX_MEMBERS = 2000
MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_RATIO = 200          # deflate rarely beats 20:1 on Word XML; bombs reach 1000:1
RATIO_FLOOR = 1024 * 1024  # small members may compress well without harm
TIMEOUT = 60             # seconds of wall-clock time for pandoc
MEMORY = 2 * 1024 ** 3   # address space for pandoc's process
PENDING_HOURS = 24
EXTRACT = "extracted"  # pandoc links media as extracted/media/<name>
_MEDIA_LINK = re.compile(r"\]\((" + EXTRACT + r"/[^)\s]+)\)")


def check_docx(data):
    """Refuse ``data`` (Invalid) unless it is a zip archive safe to hand to pandoc."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise Invalid(_("the file is not a Word document (.docx)")) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise Invalid(_("the Word document has more than %(n)s parts", n=MAX_MEMBERS))
        if sum(m.file_size for m in members) > MAX_UNCOMPRESSED:
            raise Invalid(_("the Word document unpacks to more than %(mb)s MB: "
                            "it may be a zip bomb", mb=MAX_UNCOMPRESSED // (1024 * 1024)))
        for member in members:
            name = member.filename
            if name.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", name) or ":" in name:
                raise Invalid(_("the Word document contains a file with an unsafe name"))
            if member.file_size > RATIO_FLOOR and \
                    member.file_size > MAX_RATIO * max(member.compress_size, 1):
                raise Invalid(_("the Word document is compressed suspiciously well: "
                                "it may be a zip bomb"))
        if "word/document.xml" not in archive.namelist():
            raise Invalid(_("the file is not a Word document (.docx)"))
        try:
            # Reads every member in chunks up to its declared size and checks its CRC,
            # so an archive lying about its sizes is caught here, not in pandoc.
            bad = archive.testzip()
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError):
            bad = "?"
        if bad is not None:
            raise Invalid(_("the Word document is damaged"))


def _limit_memory():
    # Runs in the child before pandoc starts: no more address space than MEMORY.
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def convert(data, timeout=TIMEOUT):
    """Return (Markdown text, {media path: bytes}) for a checked .docx; Invalid on failure."""
    check_docx(data)
    with tempfile.TemporaryDirectory(prefix="alliance-docx-") as tmp:
        with open(os.path.join(tmp, "in.docx"), "wb") as handle:
            handle.write(data)
        # +RTS -M caps pandoc's heap below the rlimit, so it fails cleanly first.
        # --sandbox: the reader may open no file but in.docx (a Word file can link others).
        args = [pypandoc.get_pandoc_path(), "+RTS", "-M1g", "-RTS", "--sandbox", "--from=docx",
                "--to=markdown", "--wrap=none", f"--extract-media={EXTRACT}", "--output=out.md",
                "in.docx"]
        try:
            proc = subprocess.run(args, cwd=tmp, capture_output=True, timeout=timeout,
                                  preexec_fn=_limit_memory, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise Invalid(_("converting the Word document took too long")) from None
        if proc.returncode != 0:
            raise Invalid(_("pandoc could not convert the Word document"))
        with open(os.path.join(tmp, "out.md"), encoding="utf-8") as handle:
            markdown = handle.read()
        if too_deep(markdown):
            raise Invalid(_("the Word document nests lists or quotations more than %(max)d "
                            "levels deep; make them flatter in Word and import it again",
                            max=MAX_DEPTH))
        media = {}
        for folder, _dirs, files in os.walk(os.path.join(tmp, EXTRACT)):
            for name in files:
                full = os.path.join(folder, name)
                with open(full, "rb") as handle:
                    media[os.path.relpath(full, tmp)] = handle.read()
    return markdown, media


@dataclass
class Converted:
    """A converted Word file: Markdown, its images (path -> bytes), and what was left out."""

    markdown: str
    images: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)


def prepare(chapter, markdown, media, existing):
    """Rename media into images/<chapter>-N.ext (checked like uploads) and relink them."""
    result = Converted(markdown)
    number = 0
    for source in sorted(media, key=_natural):
        try:
            image = check_image(media[source])
        except Invalid:
            result.skipped.append(os.path.basename(source))  # EMF, WMF, GIF ... not accepted
            continue
        while True:
            number += 1
            path = check_path(f"{IMAGE_FOLDER}{chapter.key}-{number}.{image.kind}")
            if path not in existing:
                break
        result.images[path] = image.data
        result.markdown = result.markdown.replace(f"]({source})", f"]({path})")
    # Links to skipped media would show as broken images: keep their caption as text.
    result.markdown = _MEDIA_LINK.sub("](#)", result.markdown)
    return result


def _natural(name):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def pending_folder(instance_path):
    """Return the folder where conversions wait for confirmation, creating it."""
    folder = os.path.join(instance_path, "word-imports")
    os.makedirs(folder, exist_ok=True)
    return folder


def keep(folder, chapter, user, base, filename, converted):
    """Store a conversion awaiting confirmation; return its random id. Drops stale ones."""
    now = time.time()
    for name in os.listdir(folder):
        if now - os.path.getmtime(os.path.join(folder, name)) > PENDING_HOURS * 3600:
            os.remove(os.path.join(folder, name))
    token = secrets.token_urlsafe(18)
    record = {"book": chapter.book_id, "chapter": chapter.key, "user": user.id,
              "base": base, "filename": filename, "markdown": converted.markdown,
              "skipped": converted.skipped,
              "images": {p: b64encode(d).decode() for p, d in converted.images.items()}}
    with open(os.path.join(folder, token + ".json"), "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    return token


def load(folder, token, chapter, user):
    """Return (record, Converted) of a waiting conversion of ``user`` for ``chapter``."""
    if not isinstance(token, str) or not re.fullmatch(r"[A-Za-z0-9_-]{24}", token):
        raise NotFound("no Word import is waiting")
    try:
        with open(os.path.join(folder, token + ".json"), encoding="utf-8") as handle:
            record = json.load(handle)
    except FileNotFoundError:
        raise NotFound("no Word import is waiting; upload the file again") from None
    if (record["book"], record["chapter"], record["user"]) != (
            chapter.book_id, chapter.key, user.id):
        raise NotFound("no Word import is waiting")
    images = {p: b64decode(d) for p, d in record["images"].items()}
    return record, Converted(record["markdown"], images, record["skipped"])


def discard(folder, token):
    """Forget a waiting conversion (after it landed, or when the author cancels)."""
    if isinstance(token, str) and re.fullmatch(r"[A-Za-z0-9_-]{24}", token):
        try:
            os.remove(os.path.join(folder, token + ".json"))
        except FileNotFoundError:
            pass


def check_can_import(user, chapter):
    """Forbidden unless ``user`` may edit the chapter; ChapterLocked when it is approved or
    in review."""
    if not can_edit_chapter(user, chapter):
        raise Forbidden(f"you may not edit chapter {chapter.key}")
    check_unlocked(chapter)


def land(store, chapter, user, record, converted):
    """Save the conversion as one revision from its base revision; return the SaveResult.

    A clean three-way merge with changes made since lands; an overlap raises
    store.Conflict and nothing is written.
    """
    check_can_import(user, chapter)
    changes = {chapter.path: converted.markdown.encode("utf-8"), **converted.images}
    message = f"Import {record['filename']} into {chapter.title}"
    result = store.book(chapter.book.slug).save(changes, record["base"], person(user),
                                                message)
    if result.changed:
        record_change(chapter, result.revision, user)
    audit.record(audit.WORD_IMPORTED, user, target=chapter.key, book=chapter.book,
                 file=record["filename"], images=sorted(converted.images))
    return result
