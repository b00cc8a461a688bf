"""Chapter Markdown to HTML: pandoc for real, then the sanitizer; nothing hostile survives."""
import re
from html.parser import HTMLParser

import pytest

from alliance.publishing.markdown import _pandoc, render_html


class Tags(HTMLParser):
    """Collects (tag, attributes) of an HTML fragment."""

    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html):
    return Tags(html).tags


def test_headings_paragraphs_lists_tables_and_footnotes_render():
    html = render_html("# 第一章　概述\n\n正文**重点**。[^1]\n\n- 一\n- 二\n\n"
                       "| 甲 | 乙 |\n|---|---|\n| 1 | 2 |\n\n[^1]: 脚注。\n")
    names = [t for t, _ in tags(html)]
    assert ("h1", {"id": "第一章-概述"}) in tags(html) and "第一章　概述</h1>" in html
    assert "<strong>重点</strong>" in html
    for name in ("ul", "li", "table", "th", "td", "sup", "section"):
        assert name in names
    assert any(t == "a" and a.get("href") == "#fn1" for t, a in tags(html))
    assert "脚注。" in html


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "```{=html}\n<script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`{=html}",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<div style=\"background:url(x)\" onclick=\"alert(1)\">x</div>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](images/a.png){onerror=alert(1) style=\"x\"}",
    "\\begin{verbatim}x\\end{verbatim}",
])
def test_raw_html_and_script_urls_do_not_survive(hostile):
    html = render_html(f"# 标题\n\n{hostile}\n")
    for tag, attributes in tags(html):
        assert tag not in ("script", "iframe", "object", "embed", "style")
        assert not any(name.startswith("on") or name == "style" for name in attributes)
        for name in ("href", "src"):
            value = attributes.get(name, "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:"))


@pytest.mark.parametrize("src", [
    "http://evil/x.png", "https://evil.example/x.png", "//evil.example/x.png",
    "/etc/passwd", "file:///etc/passwd", "data:image/png;base64,AAAA",
    "images/../book.yaml", "images/%2e%2e/book.yaml", "chapters/ch01.md", "fig.png",
])
def test_images_from_outside_the_book_are_dropped(src):
    html = render_html(f"![图]({src})\n", image_url=lambda path: "/page/" + path)
    # Pandoc makes an <embed> for files that are not images; that is dropped too.
    assert not any("src" in attributes for _tag, attributes in tags(html))
    assert "图" in html


def test_book_images_become_page_urls():
    asked = []

    def image_url(path):
        asked.append(path)
        return "/books/b/files/" + "a" * 40 + "/" + path

    html = render_html("![图2-1](images/fig-2-1.svg)\n\n![空 格](<images/a b.png>)\n",
                       image_url=image_url)
    srcs = [a["src"] for t, a in tags(html) if t == "img"]
    assert srcs == ["/books/b/files/" + "a" * 40 + "/images/fig-2-1.svg",
                    "/books/b/files/" + "a" * 40 + "/images/a b.png"]
    assert asked == ["images/fig-2-1.svg", "images/a b.png"]
    # Without a callback the book path stays, relative and URL-encoded.
    assert 'src="images/fig-2-1.svg"' in render_html("![图](images/fig-2-1.svg)\n")


def test_links_get_a_safe_rel_and_empty_text_renders_nothing():
    html = render_html("[工会](https://www.acftu.org/)\n")
    [(_tag, attributes)] = [t for t in tags(html) if t[0] == "a"]
    assert attributes["href"] == "https://www.acftu.org/"
    assert attributes["rel"] == "noopener noreferrer"
    assert render_html("") == "" and render_html("  \n") == ""


def test_renders_are_cached_by_text():
    text = "# 缓存测试\n\n同一段文字。\n"
    render_html(text)
    hits = _pandoc.cache_info().hits
    assert render_html(text) == render_html(text)
    assert _pandoc.cache_info().hits == hits + 2


def test_a_line_break_between_chinese_characters_adds_no_space():
    # Authors who wrap their lines in an editor: the break is not a space between sentences.
    html = render_html("第一句。\n第二句，\n继续。\n\nAlpha\nbeta\n\n中文\nEnglish\n")
    assert "第一句。第二句，继续。" in html
    assert re.search(r"Alpha\sbeta", html)  # between Latin words it stays a space
    assert re.search(r"中文\sEnglish", html)
