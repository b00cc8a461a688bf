"""Building templates/book/reference.docx: pandoc's Word styles set for Chinese textbooks.

Run ``python -m alliance.publishing.reference_docx templates/book/reference.docx``
to rebuild it from the bundled pandoc's default. The styles: 宋体 五号 body with a
two-character first-line indent and 1.5 line spacing, 黑体 headings (chapters
centred), centred 黑体 captions without italics, smaller footnotes.
"""
import io
import sys
import zipfile
from xml.etree import ElementTree

from .pandoc_run import run_pandoc

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W = "{%s}" % W_NS
BODY_FONT, HEADING_FONT = "宋体", "黑体"


def _child(parent, tag, before=None):
    node = parent.find(W + tag)
    if node is None:
        node = ElementTree.Element(W + tag)
        if before is not None and parent.find(W + before) is not None:
            parent.insert(list(parent).index(parent.find(W + before)), node)
        else:
            parent.append(node)
    return node


def _set(node, **attrs):
    for key, value in attrs.items():
        node.set(W + key, str(value))


def _fonts(rpr, east_asia):
    fonts = _child(rpr, "rFonts")
    fonts.attrib.pop(W + "eastAsiaTheme", None)
    _set(fonts, eastAsia=east_asia)


def _style(root, style_id):
    for style in root.iter(W + "style"):
        if style.get(W + "styleId") == style_id:
            return style
    raise KeyError(style_id)


def restyle(styles_xml):
    """Return pandoc's default styles.xml (bytes) with the Chinese textbook styles."""
    ElementTree.register_namespace("w", W_NS)
    ElementTree.register_namespace("r", R_NS)
    root = ElementTree.fromstring(styles_xml)
    defaults = root.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    _fonts(defaults, BODY_FONT)
    _set(_child(defaults, "sz"), val=21)
    _set(_child(defaults, "szCs"), val=21)
    body = _child(_style(root, "BodyText"), "pPr")
    _set(_child(body, "spacing"), before=0, after=0, line=360, lineRule="auto")
    _set(_child(body, "ind"), firstLineChars=200, firstLine=420)
    _set(_child(_child(_style(root, "Compact"), "pPr"), "ind"), firstLineChars=0, firstLine=0)
    for level in (1, 2, 3):
        heading = _style(root, f"Heading{level}")
        _fonts(_child(heading, "rPr"), HEADING_FONT)
    # Schema order: jc comes before outlineLvl, and Word rejects misordered styles.
    _set(_child(_child(_style(root, "Heading1"), "pPr"), "jc", before="outlineLvl"), val="center")
    caption = _style(root, "Caption")
    rpr = _child(caption, "rPr")
    for italic in rpr.findall(W + "i"):
        rpr.remove(italic)
    _fonts(rpr, HEADING_FONT)
    _set(_child(rpr, "sz"), val=18)
    _set(_child(_child(caption, "pPr"), "jc"), val="center")
    _set(_child(_child(_style(root, "FootnoteText"), "rPr"), "sz"), val=18)
    return ElementTree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build(out_path):
    """Write the reference document to ``out_path``, derived from pandoc's built-in one."""
    default = run_pandoc(["--print-default-data-file", "reference.docx"])
    with zipfile.ZipFile(io.BytesIO(default)) as src, zipfile.ZipFile(out_path, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/styles.xml":
                data = restyle(data)
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


if __name__ == "__main__":
    build(sys.argv[1])
