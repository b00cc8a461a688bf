"""One chapter's Pandoc Markdown to sanitized HTML for the book editions, cached.

Pandoc runs as a confined child: Markdown without raw HTML, raw attributes or
raw TeX, --sandbox (no file or network reads), a wall-clock timeout, a CPU
limit and a heap limit (GHC's ``+RTS -M``; RLIMIT_AS would break GHC's
address-space reservation). Figures and tables are numbered per chapter by
templates/book/filters/number.lua. The raw pandoc output is cached in
``cache_dir`` keyed by the chapter's blob id, its number, the output flavour
and PIPELINE_VERSION; sanitizing (cheap) runs every time, because whether an
image is a file of the book depends on the whole snapshot. A chapter nested deeper
than nesting.MAX_DEPTH (estimated from its text, or measured in pandoc's HTML) is
read as plain text instead and noted, so WeasyPrint never meets thousands of levels.
"""
import hashlib
import html
import os
import re
import resource
import subprocess
from dataclasses import replace
from pathlib import Path

import nh3
import pypandoc

from ..errors import Invalid
from . import disk
from .nesting import MAX_HTML_DEPTH, html_depth, plain_markdown, too_deep
from .markdown import ATTRIBUTES, TAGS, book_image_path
from .pandoc_run import MARKDOWN

#: Bump when pandoc arguments, filters or sanitizing change: old cache entries stop matching.
PIPELINE_VERSION = "pdf-8"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "book"
FILTERS = TEMPLATES / "filters"
TIMEOUT_S = 60
HEAP = "512m"
#: The host the confined fetcher serves book images from (never resolved or contacted).
BOOK_ORIGIN = "https://book.invalid/"
EXTRA_ATTRIBUTES = {**ATTRIBUTES, "figure": {"id"}, "table": {"id"},
                    "span": {"id", "class"}, "h1": {"id", "class"}, "h2": {"id", "class"}}
NO_SRC_IMG = re.compile(r"<img(?![^>]*\bsrc=)[^>]*>")
RAW_IMG = re.compile(r"<\s*img\b[^>]*>", re.I)


def _limits():
    # In the pandoc child only: cap CPU seconds so a pathological input cannot spin.
    resource.setrlimit(resource.RLIMIT_CPU, (TIMEOUT_S, TIMEOUT_S))


def run_pandoc(text, chapter_number, footnotes_inline):
    """Return pandoc's HTML5 fragment for ``text``; Invalid if pandoc fails or overruns."""
    args = [pypandoc.get_pandoc_path(), "--from", MARKDOWN, "--to", "html5", "--sandbox",
            "--wrap=none", "--metadata", f"chapter-number={chapter_number}",
            "--lua-filter", str(FILTERS / "number.lua")]
    if footnotes_inline:
        args += ["--lua-filter", str(FILTERS / "footnote.lua")]
    else:  # chapters share one HTML file: keep their footnote and heading ids apart
        args += [f"--id-prefix=c{chapter_number}-"]
    args += ["+RTS", f"-M{HEAP}", "-RTS"]
    try:
        done = subprocess.run(args, input=text.encode("utf-8"), capture_output=True,
                              timeout=TIMEOUT_S, preexec_fn=_limits, check=False)
    except subprocess.TimeoutExpired:
        raise Invalid(f"pandoc took longer than {TIMEOUT_S} s on chapter {chapter_number}") from None
    if done.returncode != 0:
        raise Invalid(f"pandoc failed on chapter {chapter_number}: "
                      f"{done.stderr.decode('utf-8', 'replace')[:300]}")
    return done.stdout.decode("utf-8")


def _cached_pandoc(chapter, number, footnotes_inline, cache_dir):
    key = hashlib.sha256(f"{PIPELINE_VERSION}|{MARKDOWN}|{chapter.blob_id}|{number}|"
                         f"{footnotes_inline}".encode()).hexdigest()
    path = Path(cache_dir, "html", key[:2], key + ".html") if cache_dir else None
    if path is not None and path.exists():
        disk.touch(path)
        return path.read_text("utf-8")
    out = run_pandoc(chapter.text, number, footnotes_inline)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(out, "utf-8")
        os.replace(tmp, path)
    return out


def chapter_html(snapshot, index, *, footnotes_inline, cache_dir=None, image_src=None,
                 skipped=None):
    """Return the sanitized HTML of chapter ``index`` (0-based) of ``snapshot``.

    Images that are files of the book get ``image_src(path)`` as their source
    (default: BOOK_ORIGIN + path); any other image loses its source and a note
    goes to ``skipped``. Raw HTML in the Markdown is shown as text, never run.
    """
    chapter = snapshot.chapters[index]
    notes = skipped if skipped is not None else []
    image_src = image_src or (lambda path: BOOK_ORIGIN + path)
    for raw in RAW_IMG.findall(chapter.text):
        notes.append(f"{chapter.key}: raw HTML {raw[:80]} is not allowed; shown as text")

    def attribute_filter(element, attribute, value):
        if element == "img" and attribute == "src":
            path = book_image_path(value)
            if path is None or snapshot.image(path) is None:
                notes.append(f"{chapter.key}: image {html.unescape(value)[:200]} "
                             "is not a file of this book; left out")
                return None
            return image_src(path)
        return value

    raw = None if too_deep(chapter.text) else _cached_pandoc(chapter, index + 1,
                                                             footnotes_inline, cache_dir)
    if raw is None or html_depth(raw) > MAX_HTML_DEPTH:
        notes.append(f"{chapter.key}: lists, quotations or brackets are nested too deeply; "
                     "the chapter is shown as plain text")
        plain = replace(chapter, text=plain_markdown(chapter.text),
                        blob_id=f"{chapter.blob_id}:plain")
        raw = _cached_pandoc(plain, index + 1, footnotes_inline, cache_dir)
    clean = nh3.clean(raw, tags=TAGS, attributes=EXTRA_ATTRIBUTES,
                      attribute_filter=attribute_filter, url_schemes={"http", "https", "mailto"},
                      link_rel=None, strip_comments=True)
    # A refused image keeps its place (and its figure number) as a visible gap.
    return NO_SRC_IMG.sub('<span class="missing-image">［图片未收录］</span>', clean)


H_TAG = re.compile(r"<h([12]) id=\"([^\"]*)\"[^>]*>(.*?)</h\1>", re.S)
TAG = re.compile(r"<[^>]+>")


def headings(fragment):
    """Return [(level, id, text)] of the h1/h2 headings of a sanitized fragment."""
    return [(int(level), ident, html.unescape(TAG.sub("", inner)).strip())
            for level, ident, inner in H_TAG.findall(fragment)]
