"""SVG sanitizing: keep the drawing, drop everything that runs code or fetches.

An allow-list of SVG drawing elements and presentation attributes survives;
anything else is removed and reported. Links (href) may only point inside the
file (``#id``), and raster pictures may only be embedded PNG or JPEG data.
CSS is allow-listed and rebuilt (svg_css): ``style`` attributes and ``<style>``
rules keep only presentation properties with harmless values, so no URL gets
through in ``image-set("…")`` or any other function but ``url(#id)``; other
attributes may call only ``url(#id)``, colour and transform functions. DTDs and
entities are refused outright (defusedxml).
"""
import re
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from flask_babel import gettext as _

from ..errors import Invalid
from .svg_css import COLOUR_FUNCTIONS, TRANSFORM_FUNCTIONS, clean_declarations, clean_stylesheet

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

ELEMENTS = {
    "svg", "g", "defs", "title", "desc", "symbol", "use", "path", "rect", "circle",
    "ellipse", "line", "polyline", "polygon", "text", "tspan", "textPath",
    "linearGradient", "radialGradient", "stop", "clipPath", "mask", "pattern", "marker",
    "style", "image", "switch",
}
ATTRIBUTES = {
    "id", "class", "style", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx",
    "cy", "r", "rx", "ry", "d", "points", "viewBox", "preserveAspectRatio", "transform",
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
    "stroke-linecap", "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset",
    "stroke-miterlimit", "opacity", "font-family", "font-size", "font-weight",
    "font-style", "text-anchor", "dominant-baseline", "alignment-baseline",
    "letter-spacing", "writing-mode", "dx", "dy", "rotate", "textLength", "offset",
    "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "spreadMethod",
    "fx", "fy", "fr", "clip-path", "clip-rule", "clipPathUnits", "mask", "maskUnits",
    "maskContentUnits", "patternUnits", "patternContentUnits", "patternTransform",
    "markerWidth", "markerHeight", "markerUnits", "orient", "refX", "refY",
    "marker-start", "marker-mid", "marker-end", "visibility", "display", "color",
    "version", "href", "type", "lang", "space", "vector-effect", "shape-rendering",
    "text-rendering", "startOffset", "method", "spacing",
}
_URL = re.compile(r"url\s*\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_DANGEROUS_CSS = re.compile(r"@import|expression\s*\(|javascript:|behavior\s*:|-moz-binding"
                            r"|\\", re.IGNORECASE)
_FUNCTION = re.compile(r"([A-Za-z_-][A-Za-z0-9_-]*)\s*\(")
_ATTRIBUTE_FUNCTIONS = {"url"} | COLOUR_FUNCTIONS | TRANSFORM_FUNCTIONS
_EMBEDDED = re.compile(r"data:image/(png|jpeg);base64,[A-Za-z0-9+/=\s]+")
MAX_DEPTH = 64


def _local(name):
    """Return (namespace, local name) of an ElementTree tag or attribute name."""
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return "", name


def safe_css(value):
    """Return True when attribute ``value`` imports nothing, runs nothing, refers only inside
    the file and calls no function but url(#id), colours and transforms."""
    if _DANGEROUS_CSS.search(value):
        return False
    if any(name.lower() not in _ATTRIBUTE_FUNCTIONS for name in _FUNCTION.findall(value)):
        return False
    return all(target.strip().startswith("#") for _, target in _URL.findall(value)) \
        and value.lower().count("url") == len(_URL.findall(value))


def _safe_attribute(element, name, value):
    ns, local = _local(name)
    if ns not in ("", XLINK_NS, XML_NS) or local not in ATTRIBUTES:
        return False
    if local == "href":
        if element == "image":
            return bool(_EMBEDDED.fullmatch(value.strip()))
        return value.strip().startswith("#")
    if ns == XLINK_NS:
        return False  # xlink:title, xlink:show ... nothing a figure needs
    if local == "style":
        return name == "style"  # rebuilt from the allow-list by _clean_style_attribute
    return safe_css(value)


def _clean_style_attribute(element, removed):
    if "style" not in element.attrib:
        return
    kept = clean_declarations(element.attrib["style"], removed)
    if kept:
        element.attrib["style"] = kept
    else:
        del element.attrib["style"]


def _clean_style_element(child, removed):
    """Rebuild a <style> element's rules from the allow-list; False when nothing is left."""
    if len(child):
        return False  # markup inside a stylesheet: nothing a figure needs
    child.text = clean_stylesheet(child.text or "", removed)
    return bool(child.text)


def _clean(element, removed, depth=0):
    if depth > MAX_DEPTH:
        raise Invalid(_("the SVG is nested too deeply"))
    _clean_style_attribute(element, removed)
    for name in list(element.attrib):
        if not _safe_attribute(_local(element.tag)[1], name, element.attrib[name]):
            removed.append(f"@{_local(name)[1]}")
            del element.attrib[name]
    for child in list(element):
        ns, local = _local(child.tag) if isinstance(child.tag, str) else ("?", "?")
        if ns != SVG_NS or local not in ELEMENTS or (
                local == "style" and not _clean_style_element(child, removed)):
            removed.append(local)
            element.remove(child)
            continue
        _clean(child, removed, depth + 1)


def sanitize_svg(data):
    """Return (clean SVG bytes, list of removed parts) for ``data``; Invalid if not an SVG."""
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise Invalid(_("the SVG declares a DTD or entities, which are not accepted")) from None
    except (ET.ParseError, ValueError):
        raise Invalid(_("the file is not a PNG, JPEG or SVG image")) from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise Invalid(_("the file is not a PNG, JPEG or SVG image"))
    removed = []
    _clean(root, removed)
    # Element-by-element checks cannot see an image whose href was just removed.
    for parent in root.iter():
        for child in list(parent):
            if child.tag == f"{{{SVG_NS}}}image" and "href" not in {
                    _local(n)[1] for n in child.attrib}:
                removed.append("image")
                parent.remove(child)
    return _serialize(root), removed


def _serialize(root):
    """Return ``root`` as XML bytes with SVG as the default namespace and ``xlink:``.

    Written without ElementTree's global prefix map, which other libraries change
    (WeasyPrint registers its own default prefix on import and so makes SVG come out
    as ``ns0:``): the same drawing always gives the same bytes, in every process.
    """
    uses_xlink = False
    for element in root.iter():
        element.tag = _local(element.tag)[1]
        for name in [n for n in element.attrib if n.startswith(f"{{{XLINK_NS}}}")]:
            element.attrib["xlink:" + _local(name)[1]] = element.attrib.pop(name)
            uses_xlink = True
    root.attrib["xmlns"] = SVG_NS
    if uses_xlink:
        root.attrib["xmlns:xlink"] = XLINK_NS
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
