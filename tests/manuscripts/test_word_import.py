"""Word import: a .docx made here with pandoc becomes the chapter's Markdown after a preview."""
import io
import subprocess
import zipfile

import pypandoc
import pytest
from PIL import Image

from alliance.extensions import manuscript_store

CHAPTER = "/books/labor-rights/chapters/ch01"
SOURCE = """# 第二节　劳动报酬

新就业形态劳动者的报酬应当按时足额支付。[^1]

| 项目 | 标准 |
|------|------|
| 最低工资 | 按当地标准执行 |

![工资支付流程](chart.png)

[^1]: 见《保障工资支付条例》。
"""


@pytest.fixture(scope="module")
def docx(tmp_path_factory):
    """A Word file with a heading, a footnote, a table and a picture, made by pandoc."""
    folder = tmp_path_factory.mktemp("docx")
    Image.new("RGB", (60, 30), (30, 90, 200)).save(folder / "chart.png")
    (folder / "in.md").write_text(SOURCE, encoding="utf-8")
    subprocess.run([pypandoc.get_pandoc_path(), "in.md", "-o", "in.docx"], cwd=folder,
                   check=True)
    return (folder / "in.docx").read_bytes()


def send(client, data, name="第二节.docx"):
    return client.post(f"{CHAPTER}/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def head(app):
    with app.app_context():
        return manuscript_store().book("labor-rights").head()


def test_a_word_file_is_previewed_then_saved_with_all_four_parts(app, client, auth, world, docx):
    auth.login(world.emails["author"])
    before = head(app)
    answer = send(client, docx)
    assert answer.status_code == 302
    preview = client.get(f"{CHAPTER}/import").get_data(as_text=True)
    assert head(app) == before  # nothing is saved before the author confirms
    assert "<h1" in preview and "劳动报酬" in preview and "<table" in preview
    assert "footnote" in preview and "/import/media/ch01-1.png" in preview
    assert "-新就业形态劳动者。" in preview and "+新就业形态劳动者的报酬" in preview  # the diff
    media = client.get(f"{CHAPTER}/import/media/ch01-1.png")
    assert media.status_code == 200 and media.mimetype == "image/png"

    answer = client.post(f"{CHAPTER}/import/confirm", data={"action": "save"})
    assert answer.status_code == 302
    with app.app_context():
        repo = manuscript_store().book("labor-rights")
        text = repo.load("chapters/ch01.md").decode()
        assert repo.log()[0].author == "张老师" and repo.log()[1].revision == before
        assert repo.load("images/ch01-1.png").startswith(b"\x89PNG")
    assert text.startswith("# 第二节")                       # heading
    assert "[^1]" in text and "保障工资支付条例" in text      # footnote
    assert "最低工资" in text and "---" in text               # table
    assert "](images/ch01-1.png)" in text                    # image, renamed into images/
    page = client.get(CHAPTER).get_data(as_text=True)
    assert "<table" in page and "/images/ch01-1.png" in page
    # The waiting conversion is gone once saved.
    assert "docx-file" in client.get(f"{CHAPTER}/import").get_data(as_text=True)


def test_discarding_an_import_changes_nothing(app, client, auth, world, docx):
    auth.login(world.emails["author"])
    before = head(app)
    send(client, docx)
    client.post(f"{CHAPTER}/import/confirm", data={"action": "discard"})
    assert head(app) == before
    assert client.get(f"{CHAPTER}/import/media/ch01-1.png").status_code == 404


def bomb(size, extra_members=0):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/media/huge.bin", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                member.write(chunk)
        for i in range(extra_members):
            archive.writestr(f"word/p{i}.xml", "")
    return buffer.getvalue()


@pytest.mark.parametrize("data, words", [
    (bomb(120 * 1024 * 1024), "压缩炸弹"),      # unpacks past the total limit
    (bomb(30 * 1024 * 1024), "压缩炸弹"),      # compressed a thousand to one
    (bomb(0, extra_members=2100), "2000"),        # too many parts
    (b"PK\x03\x04 not really a zip", ".docx"),
])
def test_zip_bombs_and_broken_files_are_refused_before_pandoc(app, client, auth, world,
                                                              data, words):
    auth.login(world.emails["author"])
    answer = send(client, data)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and words in page, page[-800:]
    assert "alert" in page and "role=\"alert\"" in page


def test_a_60_mb_upload_is_refused_with_a_message(app, client, auth, world):
    auth.login(world.emails["author"])
    before = head(app)
    answer = send(client, b"\0" * (60 * 1024 * 1024), "big.docx")
    assert answer.status_code == 413
    page = answer.get_data(as_text=True)
    assert "16 MB" in page and "<html" in page
    assert head(app) == before


def test_only_people_who_may_edit_the_chapter_import(app, client, auth, world, docx):
    auth.login(world.emails["other_author"])
    assert client.get(f"{CHAPTER}/import").status_code == 403
    assert send(client, docx).status_code == 403
