"""Images: PNG, JPEG or SVG checked by content, SVG sanitized, one commit by the uploader."""
import io
import pytest

from PIL import Image

from alliance.extensions import manuscript_store

BOOK = "/books/labor-rights"
EVIL_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            b'width="40" height="20" onload="alert(1)">'
            b'<script>alert(2)</script>'
            b'<style>@import url(https://evil.test/x.css); rect { fill: red }</style>'
            b'<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>'
            b'<a href="javascript:alert(3)"><text>click</text></a>'
            b'<image xlink:href="https://evil.test/track.png" width="5" height="5"/>'
            b'<rect width="10" height="10" fill="url(#g)" style="fill:url(https://evil.test/p)"'
            b' onclick="alert(4)"/>'
            b'<use href="#g"/><set attributeName="href" to="javascript:alert(5)"/>'
            b'<text x="1" y="15">\xe5\x9b\xbe</text></svg>')


def png(size=(30, 20), kind="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


def upload(client, data, name, **form):
    return client.post(f"{BOOK}/images", data={"file": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data")


def stored(app, path):
    with app.app_context():
        return manuscript_store().book("labor-rights").load(path)


def test_an_author_uploads_a_png_and_gets_the_figure_markdown(app, client, auth, world):
    auth.login(world.emails["author"])
    answer = upload(client, png(), "劳动 合同 图.PNG", caption="劳动合同签订流程", chapter="ch01")
    assert answer.status_code == 302
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "![图1-1\u3000劳动合同签订流程](images/image.png)" in page
    assert stored(app, "images/image.png") == png()
    with app.app_context():
        last = manuscript_store().book("labor-rights").log()[0]
    assert last.author == "张老师" and "image.png" in last.message


def test_names_are_safe_ascii_and_never_replace_an_existing_image(app, client, auth, world):
    auth.login(world.emails["editor"])
    upload(client, png(), "../../Fig 2-1 (final).png")
    upload(client, png((10, 10)), "fig 2-1 (final).png")
    assert stored(app, "images/fig-2-1-final.png") == png()
    assert stored(app, "images/fig-2-1-final-2.png") == png((10, 10))


def test_the_extension_follows_the_content(app, client, auth, world):
    auth.login(world.emails["editor"])
    upload(client, png(kind="JPEG"), "photo.png")
    assert stored(app, "images/photo.jpg").startswith(b"\xff\xd8\xff")


def test_files_that_are_not_images_are_refused_with_a_message(app, client, auth, world):
    auth.login(world.emails["editor"])
    with app.app_context():
        head = manuscript_store().book("labor-rights").head()
    for data, name in ((b"<html><script>alert(1)</script></html>", "x.svg"),
                       (b"MZ\x90\x00 not an image", "x.png"),
                       (png()[:60], "truncated.png"),
                       (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "fake.png"),
                       (b'<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg">'
                        b'&a;</svg>', "entity.svg")):
        answer = upload(client, data, name)
        assert answer.status_code == 400, name
        assert "图片未添加" in answer.get_data(as_text=True) or \
            "not added" in answer.get_data(as_text=True)
    with app.app_context():
        assert manuscript_store().book("labor-rights").head() == head


def test_an_image_over_the_size_limit_is_refused(app, client, auth, world):
    app.config["IMAGE_MAX_BYTES"] = 1000
    auth.login(world.emails["editor"])
    assert upload(client, png((400, 400)), "big.png").status_code == 400


def test_svg_is_stored_sanitized_and_served_under_a_strict_policy(app, client, auth, world):
    auth.login(world.emails["editor"])
    answer = upload(client, EVIL_SVG, "evil.svg")
    assert answer.status_code == 302
    svg = stored(app, "images/evil.svg").decode()
    for bad in ("script", "onload", "onclick", "@import", "foreignObject", "javascript",
                "evil.test", "<image", "<set", "<a "):
        assert bad not in svg, bad
    assert "<rect" in svg and 'fill="url(#g)"' in svg and "图" in svg and 'href="#g"' in svg
    with app.app_context():
        head = manuscript_store().book("labor-rights").head()
    served = client.get(f"{BOOK}/files/{head}/images/evil.svg")
    assert served.mimetype == "image/svg+xml"
    assert "default-src 'none'" in served.headers["Content-Security-Policy"]
    listing = client.get(f"{BOOK}/images").get_data(as_text=True)
    assert "evil.svg" in listing and f"/files/{head}/images/evil.svg" in listing


def test_people_who_edit_no_chapter_may_look_but_not_upload(app, client, auth, world):
    with app.app_context():
        head = manuscript_store().book("labor-rights").head()
    auth.login(world.emails["other_author"])  # an author of the book, with no chapter
    page = client.get(f"{BOOK}/images").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' not in page
    assert upload(client, png(), "x.png").status_code == 403
    with app.app_context():
        assert manuscript_store().book("labor-rights").head() == head


# Issue 16, item 7: no URL gets through CSS string-URL functions.
SVG_HEAD = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
STRING_URLS = [
    b"image-set('https://evil.test/a.png' 1x)", b'image-set("https://evil.test/a.png" 1x)',
    b"-webkit-image-set('https://evil.test/a.png' 1x)", b"image('https://evil.test/a.png')",
    b"cross-fade(url(#a), 'https://evil.test/b.png')", b"src('https://evil.test/a.png')",
    b"element(#a)", b"u\\72l(https://evil.test/a)", b"url('https://evil.test/a')",
    b"var(--x)", b"paint(x)",
]


def sanitized(app, data):
    from alliance.publishing.svg import sanitize_svg
    with app.test_request_context():
        clean, removed = sanitize_svg(data)
        again, removed_again = sanitize_svg(clean)
    assert again == clean and removed_again == []  # a sanitized SVG is its own sanitized form
    return clean.decode(), removed


@pytest.mark.parametrize("value", STRING_URLS)
def test_no_url_gets_through_a_css_function_in_a_style_attribute(app, value):
    value = value.replace(b'"', b"&quot;")
    svg, removed = sanitized(app, SVG_HEAD + b'<rect style="fill:red;background-image:'
                             + value + b";stroke:" + value + b'"/></svg>')
    assert "evil" not in svg and "image" not in svg and "(" not in svg
    assert removed
    # An escape makes the whole attribute suspect; otherwise the harmless part stays.
    assert ("style=" not in svg) if b"\\" in value else ('style="fill:red"' in svg)


@pytest.mark.parametrize("value", STRING_URLS)
def test_no_url_gets_through_a_css_function_in_a_style_element(app, value):
    svg, removed = sanitized(app, SVG_HEAD + b"<style>.a { fill: " + value
                             + b" } .b { stroke: #123456; stroke-width: 2px }</style>"
                             b'<rect class="a b"/></svg>')
    assert "evil" not in svg and "image" not in svg and removed
    if b"\\" not in value:  # an escape drops the whole stylesheet
        assert ".b{stroke:#123456;stroke-width:2px}" in svg


@pytest.mark.parametrize("value", STRING_URLS)
def test_no_url_gets_through_a_css_function_in_a_presentation_attribute(app, value):
    svg, removed = sanitized(app, SVG_HEAD + b'<rect fill="' + value.replace(b'"', b"&quot;")
                             + b'" transform="rotate(45) translate(1,2)"/></svg>')
    assert "evil" not in svg and "fill=" not in svg and removed == ["@fill"]
    assert 'transform="rotate(45) translate(1,2)"' in svg


def test_stylesheets_that_cannot_be_parsed_are_dropped_whole(app):
    for css in (b"@import 'https://evil.test/x.css';", b"@font-face{src:url(https://e.test/f)}",
                b"rect{fill:red", b"rect{fill:red}} x{", b"rect{fill:red}/* */\\"):
        svg, removed = sanitized(app, SVG_HEAD + b"<style>" + css + b"</style></svg>")
        assert "<style" not in svg and "style" in removed and "evil" not in svg


def test_drawing_styles_are_kept(app):
    svg, removed = sanitized(app, SVG_HEAD + (
        "<style>/* 图例 */ .st0 { fill: #FFF; stroke: rgb(10, 20, 30) } "
        "text.cn, .st1 > tspan { font-family: 'Noto Sans CJK SC', sans-serif; "
        "font-size: 12px }</style>"
        '<rect class="st0" style="fill-opacity: .5; mask: url(#m); cursor: pointer"/>'
        '<text class="cn" style="font-weight:bold">图</text></svg>').encode())
    assert ".st0{fill:#FFF;stroke:rgb(10, 20, 30)}" in svg
    assert "text.cn, .st1 &gt; tspan{font-family:'Noto Sans CJK SC', sans-serif;font-size:12px}" \
        in svg
    assert 'style="fill-opacity:.5;mask:url(#m)"' in svg and 'style="font-weight:bold"' in svg
    assert removed == ["css:cursor"]
