"""A Chinese punctuation linter for chapter Markdown (GB/T 15834, clreq).

Errors are what a proofreader must fix before print: half-width , . : ; ? !
written inside Chinese text. Warnings are worth a look: brackets opened in one
width and closed in the other, repeated punctuation, straight quotes next to
Chinese. Code (fenced blocks and spans), URLs, link targets and Pandoc
attributes are not prose and are skipped.
"""
import re
from dataclasses import dataclass, field

ERROR, WARNING = "error", "warning"
FULL_WIDTH = {",": "，", ".": "。", ":": "：", ";": "；", "?": "？", "!": "！"}

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A half-width mark counts as "inside Chinese" when Chinese (or closing CJK punctuation)
# is before it and Chinese (or opening CJK punctuation, or the line's end) after it.
_HALF_WIDTH = re.compile(rf"(?<=[{_HAN}」』”’）》】〕])\s*([,.:;?!])"
                         rf"(?=\s*(?:[{_HAN}「『“‘（《【〔]|$))")
_REPEATED = re.compile(r"([，。、；：？！,;])\1+")
_STRAIGHT_QUOTE = re.compile(rf"(?<=[{_HAN}])\"|\"(?=[{_HAN}])")
# Spans that are not prose; replaced by spaces so columns still match the source.
_NOT_PROSE = re.compile(
    r"`+[^`]*`+"                       # code spans
    r"|<!--.*?-->"                     # HTML comments
    r"|<[a-zA-Z][^>\s]*:[^>\s]*>"      # autolinks <https://...>
    r"|\]\([^)]*\)"                    # link and image targets ](...)
    r"|\{[#.][^}]*\}"                  # Pandoc attributes {#id .class}
    r"|(?:https?|ftp|mailto):[^\s<>（）\u3000-\u303f\uff00-\uffef]+"  # bare URLs
    r"|www\.[^\s<>\u3000-\u303f\uff00-\uffef]+")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_BRACKETS = {"(": ("(", "half"), ")": ("(", "half"), "（": ("(", "full"), "）": ("(", "full")}


@dataclass(frozen=True)
class Finding:
    """One punctuation problem at a place in a chapter file."""
    path: str        #: chapters/ch01.md
    line: int        #: 1-based
    column: int      #: 1-based, in characters
    level: str       #: error | warning
    rule: str        #: half_width | mixed_brackets | repeated | straight_quote
    template: str    #: English message with %(name)s fields (the msgid to translate)
    params: dict = field(default_factory=dict)
    excerpt: str = ""  #: the text around the place

    @property
    def message(self):
        """Return the English message with its fields filled in."""
        return self.template % self.params


def lint(text, path=""):
    """Return the punctuation Findings of Markdown ``text`` in reading order."""
    findings, fence = [], None
    for number, line in enumerate(text.splitlines(), 1):
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            continue
        if opened:
            fence = opened.group(1)
            continue
        prose = _NOT_PROSE.sub(lambda m: " " * len(m.group(0)), line)
        findings.extend(_line_findings(prose, line, number, path))
    return sorted(findings, key=lambda f: (f.line, f.column))


def errors(findings):
    """Return the findings of error level."""
    return [f for f in findings if f.level == ERROR]


def _line_findings(prose, line, number, path):
    def found(column, level, rule, template, **params):
        start = max(column - 8, 0)
        return Finding(path, number, column + 1, level, rule, template, params,
                       line[start:column + 9].strip())

    out = []
    for m in _HALF_WIDTH.finditer(prose):
        char = m.group(1)
        out.append(found(m.start(1), ERROR, "half_width",
                         "Half-width %(char)s in Chinese text; use the full-width %(full)s",
                         char=char, full=FULL_WIDTH[char]))
    for m in _REPEATED.finditer(prose):
        out.append(found(m.start(), WARNING, "repeated",
                         "Repeated punctuation %(text)s", text=m.group(0)))
    for m in _STRAIGHT_QUOTE.finditer(prose):
        out.append(found(m.start(), WARNING, "straight_quote",
                         "Straight quote %(char)s next to Chinese; use “ ” or ‘ ’", char='"'))
    for column, opening, closing in _mixed_brackets(prose):
        out.append(found(column, WARNING, "mixed_brackets",
                         "Brackets of two widths: %(open)s closed by %(close)s",
                         open=opening, close=closing))
    return out


def _mixed_brackets(prose):
    """Yield (column, opening, closing) for each pair opened and closed in different widths."""
    stack = []
    for column, char in enumerate(prose):
        if char in "(（":
            stack.append(char)
        elif char in ")）" and stack:
            opening = stack.pop()
            if _BRACKETS[opening][1] != _BRACKETS[char][1]:
                yield column, opening, char
