"""How deeply a chapter nests lists, quotations, divs and brackets, and a bound on it.

A textbook nests lists a few levels deep. Thousands of levels (20 KB of "- - - …")
make pandoc take minutes and every recursive reader after it (Python's json,
WeasyPrint) fail on the recursion limit, so one chapter could stop every export
of its book. Saves and Word imports are refused past MAX_DEPTH (check_nesting);
renders of text that is already in a book (older revisions, pushes) show such a
chapter as plain text instead (plain_markdown), and check pandoc's output too
(json_depth, html_depth), so an export never depends on the estimate alone.

markdown_depth reads the text line by line without parsing it: container
markers at a line's start or a grid table cell's (``>``, ``-``, ``1.``, ``(a)``,
``[^1]:`` ...), the indentation of a line that has one, open fenced divs, and
unclosed ``[`` in a paragraph. It
may overestimate, never by much for real text; fenced code is skipped.
"""
import re

from flask_babel import gettext as _

from ..errors import Invalid

MAX_DEPTH = 20
#: Pandoc JSON spends about four levels per list level; HTML about two.
MAX_JSON_DEPTH = 8 * MAX_DEPTH + 64
MAX_HTML_DEPTH = 3 * MAX_DEPTH + 32

# A block container's marker: quote, bullet, number, letter, roman, example, definition,
# or a footnote's label (its text may hold blocks too).
_MARKER = re.compile(r"(?:>|(?:[-+*:~]|\d{1,9}[.)]|[#@A-Za-z][.)]|[ivxlcdmIVXLCDM]{1,9}[.)]"
                     r"|\([@A-Za-z0-9#_-]{1,9}\)|\[\^[^\]\s]{1,64}\]:)(?=\s|$))[ \t]*")
_FENCE = re.compile(r"\s*(`{3,}|~{3,})")
_DIV_OPEN = re.compile(r"\s*:{3,}\s*[^:\s]")
_DIV_CLOSE = re.compile(r"\s*:{3,}\s*$")
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^>]*?(/?)>")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr"}


def _containers(line):
    """Return (container markers at the start of ``line``, its indentation in columns,
    the rest of the line)."""
    expanded = line.expandtabs(4)
    rest = expanded.lstrip(" ")
    indent, markers = len(expanded) - len(rest), 0
    while rest:
        match = _MARKER.match(rest)
        if match is None or not match.group(0):
            break
        markers += 1
        rest = rest[match.end():]
    return markers, indent, rest


def markdown_depth(text):
    """Return (deepest nesting, its line number) estimated for Markdown ``text``."""
    deepest, where, divs, brackets, fence = 0, 0, 0, 0, None
    for number, line in enumerate(text.split("\n"), 1):
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            continue
        if opened:
            fence = opened.group(1)
            continue
        if _DIV_CLOSE.match(line):
            divs = max(divs - 1, 0)
            continue
        if _DIV_OPEN.match(line):
            divs += 1
        if not line.strip():
            brackets = 0
        markers, indent, rest = _containers(line)
        if rest.startswith(("|", "+")):  # a grid table: each cell holds blocks of its own
            markers = max([markers] + [markers + _containers(cell)[0]
                                       for cell in rest.split("|")])
        depth = divs + (markers + indent // 2 if markers else 0)
        for char in re.sub(r"\\.", "", rest):
            if char == "[":
                brackets += 1
                depth = max(depth, divs + brackets)
            elif char == "]":
                brackets = max(brackets - 1, 0)
        if depth > deepest:
            deepest, where = depth, number
    return deepest, where


def too_deep(text):
    """Return True when Markdown ``text`` nests deeper than MAX_DEPTH."""
    return markdown_depth(text)[0] > MAX_DEPTH


def check_nesting(text):
    """Raise Invalid when Markdown ``text`` nests lists, quotations, divs or brackets
    deeper than MAX_DEPTH levels; the message names the line."""
    depth, line = markdown_depth(text)
    if depth > MAX_DEPTH:
        raise Invalid(_("The text nests lists, quotations or brackets %(depth)d levels deep "
                        "(line %(line)d); at most %(max)d levels are allowed. Make the "
                        "nesting flatter and save again.", depth=depth, line=line,
                        max=MAX_DEPTH), reason="too_deep", line=line)


def plain_markdown(text):
    """Return ``text`` as Markdown that reads every line as plain text: container markers
    and indentation dropped, every ASCII punctuation mark escaped, paragraphs kept."""
    lines = []
    for line in text.split("\n"):
        _markers, _indent, rest = _containers(line)
        lines.append(_PUNCTUATION.sub(r"\\\1", rest.strip()))
    return "\n".join(lines)


def json_depth(data):
    """Return the deepest nesting of arrays and objects in JSON bytes ``data``."""
    depth = deepest = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub(b'""', data)):
        if match.group(0) in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def html_depth(fragment):
    """Return the deepest nesting of elements in the HTML ``fragment`` (void ones aside)."""
    depth = deepest = 0
    for closing, name, self_closing in _TAG.findall(fragment):
        if name.lower() in _VOID or self_closing:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest
