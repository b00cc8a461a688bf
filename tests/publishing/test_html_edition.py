"""The single-file HTML edition: self-contained, numbered, linked, with a proof notice."""
import re
from html.parser import HTMLParser

from alliance.publishing.html_edition import render_html


class Collect(HTMLParser):
    """Collect ids, in-page links and every URL-bearing attribute."""

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.urls, self.tags = [], [], [], set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            if name == "id":
                self.ids.append(value)
            if name == "href" and value.startswith("#"):
                self.links.append(value[1:])
            elif name in ("src", "href"):
                self.urls.append(value)


def parse(path):
    collect = Collect()
    collect.feed(path.read_text("utf-8"))
    return collect


def test_the_demo_book_is_one_self_contained_file(demo_snapshot, tmp_path):
    out = tmp_path / "book.html"
    report = render_html(demo_snapshot, out)
    page = out.read_text("utf-8")
    found = parse(out)
    assert report.skipped == []
    assert not {"script", "link", "iframe", "object"} & found.tags
    assert found.urls and all(u.startswith("data:image/svg+xml;base64,") for u in found.urls
                              if not u.startswith("http"))
    assert "<style>" in page and "default-src 'none'" in page
    for label in ("表1-1", "表2-1", "图2-1", "表4-1"):
        assert label in page
    assert demo_snapshot.title in page and "目　录" in page and "版次" in page
    assert "校样" not in page


def test_contents_and_footnote_links_land_on_unique_ids(demo_snapshot, tmp_path):
    out = tmp_path / "book.html"
    render_html(demo_snapshot, out)
    found = parse(out)
    assert len(found.ids) == len(set(found.ids)), "ids repeat across chapters"
    assert found.links and set(found.links) <= set(found.ids)
    # Every chapter's first footnote is its own: five chapters, five distinct note targets.
    notes = [i for i in found.ids if re.fullmatch(r"c\d+-fn1", i)]
    assert len(notes) == len(demo_snapshot.chapters)


def test_a_proof_carries_a_visible_notice(demo_snapshot, tmp_path):
    out = tmp_path / "proof.html"
    render_html(demo_snapshot, out, proof=True)
    assert 'class="proof-notice">校样' in out.read_text("utf-8")


def test_progress_is_reported_up_to_done(demo_snapshot, tmp_path):
    seen = []
    render_html(demo_snapshot, tmp_path / "b.html", progress=lambda f, m="": seen.append(f))
    assert seen == sorted(seen) and seen[-1] == 1.0
