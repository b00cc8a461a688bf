"""The single-file HTML edition: one self-contained page, readable offline.

Chapters go through the same confined pandoc and sanitizer as the PDF (so the
same 图1-1/表1-1 numbering); book images are inlined as data: URIs from the
snapshot and the CSS is inlined, so the file fetches nothing at all.
"""
import base64
import mimetypes
import re
import time
from html import escape

from .book_html import copyright_page
from .chapter_html import BOOK_ORIGIN, chapter_html, headings
from .fetcher import template_text
from .report import RenderReport, noop_progress

_SRC = re.compile(r'src="' + re.escape(BOOK_ORIGIN) + r'([^"]+)"')


def _inline_images(fragment, images):
    def data_uri(match):
        path = match.group(1)
        mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return f'src="data:{mime};base64,{base64.b64encode(images[path]).decode()}"'
    return _SRC.sub(data_uri, fragment)


def _toc(chapters):
    items = []
    for heads in chapters:
        entries = [(lv, ident, text) for lv, ident, text in heads if lv in (1, 2)]
        if not entries:
            continue
        _lv, ident, text = entries[0]
        subs = "".join(f'<li><a href="#{escape(i)}">{escape(t)}</a></li>'
                       for lv, i, t in entries[1:] if lv == 2)
        items.append(f'<li><a href="#{escape(ident)}">{escape(text)}</a>'
                     + (f"<ol>{subs}</ol>" if subs else "") + "</li>")
    return f'<nav class="toc"><h2>目　录</h2><ol>{"".join(items)}</ol></nav>'


def render_html(snapshot, out_path, *, proof=False, progress=None, cache_dir=None):
    """Write the whole book as one self-contained HTML file to ``out_path``; return a RenderReport.

    Title page, copyright page, preface, contents with links, then every
    chapter. No external reference remains: images are data: URIs, the CSS is
    inline, and images that are not files of the book are left out (listed in
    ``skipped``). With ``proof`` a 校样 notice stays at the top of the window.
    """
    progress = progress or noop_progress
    started = time.perf_counter()
    report = RenderReport()
    meta = snapshot.meta
    fragments, heads = [], []
    for index, chapter in enumerate(snapshot.chapters):
        fragment = chapter_html(snapshot, index, footnotes_inline=False, cache_dir=cache_dir,
                                skipped=report.skipped)
        heads.append(headings(fragment))
        fragments.append(f'<section class="chapter" id="{escape(chapter.key)}">'
                         f"{_inline_images(fragment, snapshot.images)}</section>")
        progress((index + 1) / (len(snapshot.chapters) + 1), f"converted {chapter.title}")
    editors = "、".join(escape(str(e)) for e in meta.get("editors") or [])
    preface = "".join(f"<p>{escape(p.strip())}</p>"
                      for p in (meta.get("preface") or "").split("\n\n") if p.strip())
    notice = ('<div class="proof-notice">校样：本文件含未经审定的内容，仅供审校使用</div>'
              if proof else "")
    page = (f'<!DOCTYPE html><html lang="{escape(meta.get("language") or "zh-CN")}"><head>'
            '<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            # Nothing may be fetched: images are inline, and the policy says so to the browser.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "img-src data:; style-src 'unsafe-inline'\">"
            f"<title>{escape(snapshot.title)}</title><style>{template_text('html.css')}</style>"
            f"</head><body>{notice}"
            f'<header class="title-page"><p class="title">{escape(snapshot.title)}</p>'
            f'<p>{escape(meta.get("subtitle") or "")}</p>'
            f'<p>{editors + "　主编" if editors else ""}</p>'
            f'<p>{escape(meta.get("publisher") or "")}</p></header>{copyright_page(meta)}'
            + (f'<section class="preface"><h1>前言</h1>{preface}</section>' if preface else "")
            + _toc(heads) + "".join(fragments) + "</body></html>")
    with open(out_path, "w", encoding="utf-8") as handle:
        handle.write(page)
    report.stats = {"seconds": round(time.perf_counter() - started, 2), "bytes": len(page.encode())}
    progress(1.0, "done")
    return report
