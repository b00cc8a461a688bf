"""The CSS an SVG figure may keep: an allow-list, rebuilt from what was understood.

Styles are parsed into declarations; a declaration survives only when its
property is a presentation property (fill, stroke, font-size ...) and its value
is made of harmless tokens: keywords, numbers with units, colours, quoted font
names, ``rgb()``/``hsl()`` of numbers and ``url(#id)`` (a place inside the file).
Any other function, such as ``image-set("…")``, ``image()``, ``cross-fade()``,
``src()`` or ``url()`` of anything but ``#id``, any escape, comment or at-rule
drops the declaration (or, for a rule that cannot be parsed, the whole
stylesheet). What is kept is written out anew, so nothing the parser did not
understand reaches a renderer.
"""
import re

#: Properties a drawing needs; everything else (background, content, cursor ...) goes.
PROPERTIES = {
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
    "stroke-linecap", "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset",
    "stroke-miterlimit", "opacity", "color", "display", "visibility", "font-family",
    "font-size", "font-weight", "font-style", "font-variant", "font-stretch", "text-anchor",
    "dominant-baseline", "alignment-baseline", "baseline-shift", "letter-spacing",
    "word-spacing", "writing-mode", "text-decoration", "stop-color", "stop-opacity",
    "clip-path", "clip-rule", "mask", "marker", "marker-start", "marker-mid", "marker-end",
    "vector-effect", "shape-rendering", "text-rendering", "paint-order", "isolation",
    "mix-blend-mode", "flood-color", "flood-opacity", "lighting-color",
}
#: Functions a value may call; their arguments may only be numbers, % and separators.
COLOUR_FUNCTIONS = {"rgb", "rgba", "hsl", "hsla"}
#: Functions of presentation attributes such as transform="rotate(45)": numbers only too.
TRANSFORM_FUNCTIONS = {"matrix", "translate", "scale", "rotate", "skewx", "skewy"}

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TOKEN = re.compile(
    r"\s+"                                                  # space
    r"|,|/"                                                 # separators
    r"|!important\b"
    r"|#[0-9A-Fa-f]{3,8}\b"                                 # a colour
    rf"|{_NUMBER}(?:%|[A-Za-z]+)?"                          # a number with its unit
    r"|url\(\s*(?P<q>['\"]?)#[A-Za-z_][\w.:-]*(?P=q)\s*\)"  # a place inside the file
    rf"|(?P<fn>[A-Za-z-]+)\((?P<args>(?:\s*(?:{_NUMBER}%?|,|/)\s*)*)\)"  # f(numbers)
    r"|-?[A-Za-z_][A-Za-z0-9_-]*"                           # a keyword or font name
    r"|'[A-Za-z0-9 _\-\u4e00-\u9fff]*'|\"[A-Za-z0-9 _\-\u4e00-\u9fff]*\"")  # a quoted name
_DECLARATION = re.compile(r"\s*([A-Za-z-]+)\s*:(.*)", re.DOTALL)
_SELECTOR = re.compile(r"[A-Za-z0-9_.#\-\s,>+~*:]+")
_RULE = re.compile(r"\s*([^{}]+)\{([^{}]*)\}")


def safe_value(value, functions=COLOUR_FUNCTIONS):
    """Return True when every token of CSS ``value`` is harmless (see the module's rule)."""
    if not value.strip():
        return False
    at = 0
    while at < len(value):
        match = _TOKEN.match(value, at)
        if match is None or match.end() == at:
            return False
        if match.group("fn") and match.group("fn").lower() not in functions:
            return False
        at = match.end()
    return True


def clean_declarations(text, removed):
    """Return the allowed declarations of ``text`` (a style attribute) as CSS text.

    Each refused declaration is noted in ``removed`` as ``css:<property>``.
    """
    if "\\" in text or "/*" in text or "@" in text:
        removed.append("css")
        return ""
    kept = []
    for part in text.split(";"):
        if not part.strip():
            continue
        match = _DECLARATION.fullmatch(part)
        name = match.group(1).lower() if match else "?"
        value = match.group(2).strip() if match else ""
        if match and name in PROPERTIES and safe_value(value):
            kept.append(f"{name}:{' '.join(value.split())}")
        else:
            removed.append(f"css:{name}")
    return ";".join(kept)


def clean_stylesheet(text, removed):
    """Return the allowed rules of a ``<style>`` element's ``text`` as CSS text, or ""."""
    if "\\" in text or "@" in text or "<" in text:
        return ""  # the caller drops the element and says so
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    rules, at = [], 0
    while at < len(text):
        match = _RULE.match(text, at)
        if match is None:
            if text[at:].strip():
                return ""
            break
        at = match.end()
        selector = " ".join(match.group(1).split())
        if not _SELECTOR.fullmatch(selector):
            removed.append("style:selector")
            continue
        body = clean_declarations(match.group(2), removed)
        if body:
            rules.append(f"{selector}{{{body}}}")
    return "\n".join(rules)
