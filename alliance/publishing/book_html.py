"""The HTML documents of the printed book: one per chapter, the front matter, page numbers.

Each chapter is its own document: it opens on a right-hand page, carries its
running heads (book title left, chapter title right) and ends with a forced
break to a right-hand page whose empty last page the renderer drops, so every
chapter has an even number of pages and the next one opens on an odd page.
Page numbers are not in these documents; pagenum.py stamps them afterwards.
"""
from html import escape

from .fetcher import template_text


def css_string(text):
    """Return ``text`` as a quoted CSS string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def page_css(profile):
    """Return the @page rules for ``profile``: trim size, bleed and crop marks."""
    rules = [f"size: {profile.width_mm}mm {profile.height_mm}mm;"]
    if profile.bleed_mm:
        rules.append(f"bleed: {profile.bleed_mm}mm;")
    if profile.marks:
        rules.append("marks: crop;")
    return "@page { " + " ".join(rules) + " }\n"


def _document(body, profile, proof, extra_css="", lang="zh-CN", title=""):
    watermark = '<div class="watermark">校样</div>' if proof else ""
    return (f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title>"
            f"<style>{page_css(profile)}{template_text('print.css')}{extra_css}</style>"
            f"</head><body>{watermark}{body}</body></html>")


def chapter_document(fragment, book_title, chapter_title, profile, proof):
    """Return the full HTML document of one chapter (its sanitized ``fragment``)."""
    heads = ("@page :left { @top-center { content: %s } }\n"
             "@page :right { @top-center { content: %s } }\n"
             % (css_string(book_title), css_string(chapter_title)))
    body = f'<section class="chapter">{fragment}</section><div class="end-break"></div>'
    return _document(body, profile, proof, heads, title=chapter_title)


def front_document(meta, toc, profile, proof):
    """Return the front matter document: title page, copyright page, preface, contents.

    ``toc`` is [(level, title, page number)] with body page numbers already known.
    The renderer drops the document's last (empty) page, as for chapters.
    """
    title = escape(meta.get("title", ""))
    editors = "、".join(escape(str(e)) for e in meta.get("editors") or [])
    parts = ['<div class="front">',
             f'<div class="title-page"><p class="title">{title}</p>',
             f'<p class="subtitle">{escape(meta.get("subtitle") or "")}</p>',
             f'<p class="editors">{editors + "　主编" if editors else ""}</p>',
             f'<p class="publisher">{escape(meta.get("publisher") or "")}</p></div>',
             copyright_page(meta)]
    preface = (meta.get("preface") or "").strip()
    if preface:
        paragraphs = "".join(f"<p>{escape(p.strip())}</p>" for p in preface.split("\n\n")
                             if p.strip())
        parts.append(f'<div class="preface"><h1>前言</h1>{paragraphs}</div>')
    items = "".join(
        f'<li class="{"chapter" if level == 1 else "section"}"><span class="t">{escape(text)}'
        f'</span><span class="dots"></span><span class="n">{number}</span></li>'
        for level, text, number in toc)
    parts.append(f'<div class="toc"><h1>目　录</h1><ol>{items}</ol></div>')
    parts.append('</div><div class="end-break"></div>')
    return _document("".join(parts), profile, proof, title=meta.get("title", ""))


def copyright_page(meta):
    """Return the 版权页 HTML: title, editors, publisher, ISBN, edition, printing, date."""
    rows = [("书名", meta.get("title")), ("副书名", meta.get("subtitle")),
            ("主编", "、".join(str(e) for e in meta.get("editors") or [])),
            ("出版发行", meta.get("publisher")), ("书号", f"ISBN {meta['isbn']}"
                                                     if meta.get("isbn") else "（待定）"),
            ("版次", meta.get("edition") or "第1版"), ("印次", meta.get("printing") or "第1次印刷"),
            ("日期", meta.get("date"))]
    lines = "".join(f"<p>{label}：{escape(str(value))}</p>" for label, value in rows if value)
    return (f'<div class="copyright"><p class="cip">图书在版编目（CIP）数据</p>{lines}'
            "<p>版权所有　侵权必究</p></div>")

