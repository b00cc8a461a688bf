"""The DOCX edition for editors: Chinese text, headings, footnotes, numbered captions, metadata."""
import zipfile
from xml.etree import ElementTree

import pytest

from alliance.publishing import snapshot
from alliance.publishing.docx import render_docx
from bookgen import make_book

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def demo_docx(demo_snapshot, tmp_path_factory):
    out = tmp_path_factory.mktemp("docx") / "demo.docx"
    return out, render_docx(demo_snapshot, out)


def members(path):
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def paragraphs(xml):
    """Return [(style, text)] of every paragraph in a WordprocessingML part."""
    out = []
    for p in ElementTree.fromstring(xml).iter(W + "p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        text = "".join(t.text or "" for t in p.iter(W + "t"))
        out.append((style.get(W + "val") if style is not None else "", text))
    return out


def styled(xml, style):
    return [text for s, text in paragraphs(xml) if s == style]


def test_chapters_are_heading_1_with_their_chinese_text(demo_docx, demo_snapshot):
    files = members(demo_docx[0])
    xml = files["word/document.xml"]
    headings = styled(xml, "Heading1")
    assert len(headings) == len(demo_snapshot.chapters)
    for heading, chapter in zip(headings, demo_snapshot.chapters):
        assert chapter.title in heading
    body = "".join(text for _s, text in paragraphs(xml))
    assert "维护新就业形态劳动者权益，必须坚持依法依规。" in body
    assert 'w:eastAsia="zh-CN"' in files["word/styles.xml"].decode()
    assert "第一节　权益保障的法律基础" in styled(xml, "Heading2")


def test_footnotes_are_real_word_footnotes(demo_docx):
    files = members(demo_docx[0])
    notes = [text for style, text in paragraphs(files["word/footnotes.xml"]) if style == "FootnoteText"]
    assert len(notes) >= 5
    assert any("新就业形态" in n for n in notes)
    assert files["word/document.xml"].count(b"<w:footnoteReference") == len(notes)


def test_captions_are_numbered_per_chapter(demo_docx):
    xml = members(demo_docx[0])["word/document.xml"]
    tables = styled(xml, "TableCaption")
    assert [t[:4] for t in tables] == ["表1-1", "表2-1", "表3-1", "表4-1"]
    assert "表2-1　三种情形下劳动者权益保障比较（教学用表）" in tables
    assert styled(xml, "ImageCaption") == ["图2-1　新就业形态劳动者权益保障的多方协同机制"]


def test_metadata_and_the_books_own_figure(demo_docx, demo_snapshot):
    files = members(demo_docx[0])
    core = files["docProps/core.xml"].decode()
    assert "<dc:title>新就业形态劳动者权益保障</dc:title>" in core
    assert "王立新; 李红梅" in core and "<dc:language>zh-CN</dc:language>" in core
    xml = files["word/document.xml"]
    assert styled(xml, "Subtitle") == ["工会干部培训教材"]
    assert styled(xml, "TOCHeading") == ["目录"]
    media = [v for k, v in files.items() if k.startswith("word/media/")]
    assert media == [demo_snapshot.images["images/fig-2-1.svg"]]
    assert demo_docx[1].skipped == []


def test_proof_marks_the_title_and_every_chapter(demo_snapshot, tmp_path):
    out = tmp_path / "proof.docx"
    render_docx(demo_snapshot, out, proof=True)
    xml = members(out)["word/document.xml"]
    assert styled(xml, "Title") == ["新就业形态劳动者权益保障（校样）"]
    notices = [t for _s, t in paragraphs(xml) if t.startswith("校样：")]
    assert len(notices) == len(demo_snapshot.chapters)


def test_generated_book_has_preface_chapters_captions_and_figures(tmp_path):
    snap = snapshot.take(make_book(tmp_path / "store", slug="gen", chapters=12,
                                   chars_per_chapter=3000), "gen")
    out = tmp_path / "gen.docx"
    heard = []
    report = render_docx(snap, out, progress=lambda fraction, message: heard.append(fraction))
    assert heard == sorted(heard) and heard[-1] == 1.0 and len(heard) >= 12
    files = members(out)
    xml = files["word/document.xml"]
    headings = styled(xml, "Heading1")
    assert headings[0] == "前言" and len(headings) == 1 + 12
    assert "图12-2" in " ".join(styled(xml, "ImageCaption"))
    assert any(t.startswith("表12-2") for t in styled(xml, "TableCaption"))
    assert len([k for k in files if k.startswith("word/media/")]) == len(snap.images)
    assert report.skipped == [] and report.stats["images_embedded"] == len(snap.images)


def test_word_styles_are_set_for_chinese_textbooks(demo_docx):
    styles = members(demo_docx[0])["word/styles.xml"].decode()
    assert 'w:eastAsia="宋体"' in styles and 'w:eastAsia="黑体"' in styles
    assert 'w:firstLineChars="200"' in styles  # the 2-character first-line indent


def test_the_docx_reads_back_with_its_text(demo_docx):
    from alliance.publishing.pandoc_run import run_pandoc
    text = run_pandoc(["--from", "docx", "--to", "plain", "--sandbox"],
                      demo_docx[0].read_bytes()).decode("utf-8")
    assert "第二章　新就业形态劳动者权益保障的法律与政策框架" in text
    assert "表2-1　三种情形下劳动者权益保障比较（教学用表）" in text
