"""A whole book as one confined pandoc document (pandoc JSON), for EPUB and DOCX.

Each chapter is read by a sandboxed pandoc (``--sandbox``, Markdown without
raw HTML/attributes/TeX) into pandoc JSON, with figures and tables numbered
per chapter by templates/book/filters/number.lua; that step is cached by the
chapter's blob id. The chapters are then confined (ast_confine: book images
become data: URIs, everything else is left out and reported), given a level-1
heading if they lack one, and joined under the book's metadata. The writers
therefore get a document that names no file and no URL to fetch.

A chapter nested deeper than nesting.MAX_DEPTH (by the estimate of its text, or
by the depth of pandoc's answer) is read as plain text instead and noted in the
report, so it can neither stall pandoc nor break a recursive reader after it.
"""
import hashlib
import json
import os
import re
import uuid
from pathlib import Path

from . import disk
from .nesting import MAX_JSON_DEPTH, json_depth, plain_markdown, too_deep
from .ast_confine import confine_blocks, resolve_links
from .pandoc_run import MARKDOWN, PandocError, run_pandoc

#: Bump when the reading arguments or the filter contract change.
PIPELINE_VERSION = "book-ast-1"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "book"
NUMBER_FILTER = TEMPLATES / "filters" / "number.lua"
PROOF_TEXT = "校样：本稿含未经审定的修订，仅供审校，不得作为正式出版物使用。"
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://alliance.invalid/books/")


def _read_args(number):
    args = ["--from", MARKDOWN, "--to", "json", "--sandbox"]
    if number is not None and NUMBER_FILTER.exists():
        args += ["--metadata", f"chapter-number={number}", "--lua-filter", str(NUMBER_FILTER)]
    return args


def _filter_digest():
    return hashlib.sha256(NUMBER_FILTER.read_bytes()).hexdigest()[:16] if NUMBER_FILTER.exists() else "-"


def read_markdown(text, number, workdir, cache_dir=None, cache_key=None):
    """Return the pandoc JSON document (dict) of Markdown ``text``, numbered as chapter ``number``.

    ``number`` None reads without figure/table numbering. With ``cache_dir``
    and ``cache_key`` (the blob id) the result is cached on disk.
    """
    path = None
    if cache_dir and cache_key:
        key = hashlib.sha256(f"{PIPELINE_VERSION}|{MARKDOWN}|{_filter_digest()}|{cache_key}|"
                             f"{number}".encode()).hexdigest()
        path = Path(cache_dir, "pandoc-json", key[:2], key + ".json")
        if path.exists():
            disk.touch(path)
            return json.loads(path.read_bytes())
    out = run_pandoc(_read_args(number), text.encode("utf-8"), cwd=workdir)
    if json_depth(out) > MAX_JSON_DEPTH:
        raise TooDeep("the chapter is nested too deeply")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(out)
        os.replace(tmp, path)
    return json.loads(out)


class TooDeep(PandocError):
    """Pandoc's reading of a chapter is nested deeper than a render may walk."""


def read_chapter(text, number, workdir, cache_dir, cache_key, label, skipped):
    """Return read_markdown's document of a chapter; read as plain text (and noted in
    ``skipped``) when it nests deeper than nesting.MAX_DEPTH."""
    if not too_deep(text):
        try:
            return read_markdown(text, number, workdir, cache_dir, cache_key)
        except TooDeep:
            pass
    skipped.append(f"{label}: lists, quotations or brackets are nested too deeply; "
                   "the chapter is shown as plain text")
    return read_markdown(plain_markdown(text), number, workdir, cache_dir,
                         cache_key and f"{cache_key}:plain")


def _header(text, ident, classes=()):
    return {"t": "Header", "c": [1, [ident, list(classes), []], [{"t": "Str", "c": text}]]}


def proof_notice(commit):
    """Return the pandoc block of the visible 校样 notice for an unapproved export."""
    text = f"{PROOF_TEXT}（修订 {commit[:10]}）"
    return {"t": "Div", "c": [["", ["proof-notice"], [("lang", "zh-CN")]],
                              [{"t": "Para", "c": [{"t": "Strong", "c": [{"t": "Str", "c": text}]}]}]]}


def _with_heading(blocks, title, ident):
    if blocks and blocks[0]["t"] == "Header" and blocks[0]["c"][0] == 1:
        return blocks
    return [_header(title or ident, ident)] + blocks


def book_document(snapshot, workdir, report, *, proof=False, cache_dir=None, progress=None,
                  end_fraction=0.7):
    """Return the whole book as a pandoc JSON document (dict), confined to ``snapshot``.

    Chapters appear in book order, each starting with a level-1 heading (the
    split point for EPUB); the preface from book.yaml, when there is one,
    comes first. Images that are not files of the book are left out and
    noted in ``report.skipped``; ``proof`` puts the 校样 notice at the top of
    every chapter. ``progress`` hears a fraction up to ``end_fraction``.
    """
    chapters, api = [], None
    parts = [("preface", None, snapshot.meta.get("preface"), None, "前言")]
    parts += [(c.key, n, c.text, c.blob_id, c.title) for n, c in enumerate(snapshot.chapters, 1)]
    embedded = set()
    for done, (key, number, text, blob, title) in enumerate(parts):
        if not isinstance(text, str) or not text.strip():
            continue
        try:
            doc = read_chapter(text, number, workdir, cache_dir, blob, key, report.skipped)
        except PandocError as error:
            raise PandocError(f"{key}: {error.message}") from None
        api = api or doc["pandoc-api-version"]
        chapter, images = confine_blocks(doc["blocks"], snapshot, key, f"{key}-", report.skipped)
        embedded.update(images)
        chapter = _with_heading(chapter, title, key)
        if number is None:
            chapter[0]["c"][1][1].append("unnumbered")
        if proof:
            chapter.insert(1, proof_notice(snapshot.commit))
        chapters.append((key, chapter))
        if progress:
            progress(end_fraction * (done + 1) / len(parts), f"{key}")
    resolve_links(chapters, report.skipped)
    blocks = [block for _key, chapter in chapters for block in chapter]
    report.stats["images_embedded"] = len(embedded)
    if api is None:
        api = json.loads(run_pandoc(["--from", MARKDOWN, "--to", "json", "--sandbox"], b"",
                                    cwd=workdir))[
            "pandoc-api-version"]
    return {"pandoc-api-version": api, "meta": meta_json(book_meta(snapshot, proof)),
            "blocks": blocks}


def identifier(meta, slug):
    """Return the book's identifier: urn:isbn:... when book.yaml has an ISBN, else a stable urn:uuid."""
    isbn = re.sub(r"[^0-9Xx]", "", str(meta.get("isbn") or ""))
    if len(isbn) in (10, 13):
        return f"urn:isbn:{isbn.upper()}"
    return f"urn:uuid:{uuid.uuid5(UUID_NAMESPACE, slug)}"


def iso_date(value):
    """Return ``value`` (2026-01-15, 2026年1月, a date) as an ISO date string, or None."""
    if value is None:
        return None
    text = str(value)
    match = re.match(r"\s*(\d{4})(?:[-年./](\d{1,2}))?(?:[-月./](\d{1,2}))?", text)
    if not match:
        return None
    year, month, day = match.groups()
    parts = [year] + [f"{int(x):02d}" for x in (month, day) if x]
    return "-".join(parts)


def _editors(meta):
    editors = meta.get("editors") or []
    return [editors] if isinstance(editors, str) else [str(e) for e in editors]


def book_meta(snapshot, proof=False):
    """Return the pandoc metadata (plain Python values) of ``snapshot``'s book."""
    meta = snapshot.meta
    title = str(meta.get("title") or snapshot.slug)
    out = {"title": title + ("（校样）" if proof else ""), "lang": meta.get("language") or "zh-CN",
           "identifier": identifier(meta, snapshot.slug),
           "creator": [{"role": "edt", "text": name} for name in _editors(meta)],
           "author": _editors(meta), "toc-title": "目录"}
    for key in ("subtitle", "publisher"):
        if meta.get(key):
            out[key] = str(meta[key])
    date = iso_date(meta.get("date"))
    if date:
        out["date"] = date
    return out


def meta_json(value):
    """Return Python ``value`` (str, bool, list, dict) as a pandoc JSON MetaValue or Meta map."""
    def conv(v):
        if isinstance(v, bool):
            return {"t": "MetaBool", "c": v}
        if isinstance(v, dict):
            return {"t": "MetaMap", "c": {k: conv(x) for k, x in v.items()}}
        if isinstance(v, (list, tuple)):
            return {"t": "MetaList", "c": [conv(x) for x in v]}
        return {"t": "MetaString", "c": str(v)}
    return {k: conv(v) for k, v in value.items()}
