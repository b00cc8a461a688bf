"""SVG sanitizing: keep the drawing, drop everything that runs code or fetches.

An allow-list of SVG drawing elements and presentation attributes survives;
anything else is removed and reported. Links (href) may only point inside the
file (``#id``), CSS may only use ``url(#id)``, and raster pictures may only be
embedded PNG or JPEG data. DTDs and entities are refused outright (defusedxml).
"""
import re
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from flask_babel import gettext as _

from .errors import Invalid

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

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
_EMBEDDED = re.compile(r"data:image/(png|jpeg);base64,[A-Za-z0-9+/=\s]+")
MAX_DEPTH = 64


def _local(name):
    """Return (namespace, local name) of an ElementTree tag or attribute name."""
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return "", name


def safe_css(value):
    """Return True when CSS ``value`` imports nothing, runs nothing and refers only inside."""
    if _DANGEROUS_CSS.search(value):
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
    return safe_css(value)


def _clean(element, removed, depth=0):
    if depth > MAX_DEPTH:
        raise Invalid(_("the SVG is nested too deeply"))
    for name in list(element.attrib):
        if not _safe_attribute(_local(element.tag)[1], name, element.attrib[name]):
            removed.append(f"@{_local(name)[1]}")
            del element.attrib[name]
    for child in list(element):
        ns, local = _local(child.tag) if isinstance(child.tag, str) else ("?", "?")
        if ns != SVG_NS or local not in ELEMENTS or (
                local == "style" and not safe_css(child.text or "")):
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
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), removed
