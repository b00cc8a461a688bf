"""Inter-character justification and line-start rules for Chinese in WeasyPrint.

WeasyPrint justifies a line only by widening its spaces
(``weasyprint.layout.inline.justify_line``), so a justified paragraph of
Chinese, which has no spaces, keeps a ragged right edge whenever its measure
is not a whole number of ems, a line holds Latin letters or digits, or a line
break moves to keep punctuation in place. CSS Text 3 asks for the extra space
to go between the characters of such text instead (``text-justify:
inter-character``, the ``auto`` behaviour for CJK); this module teaches
WeasyPrint that. :func:`install` patches the running process (the PDF
pipeline calls it in each render process, see weasy.py); nothing in CSS or
HTML has to change.

Justification. ``text_align`` looks ``justify_line`` up in
``weasyprint.layout.inline`` by name; the replacement counts the line's
expansion opportunities: the spaces WeasyPrint already widens, plus every
boundary between two characters of which at least one is CJK (ideographs,
kana, CJK and full-width punctuation), except inside a grapheme cluster and
inside "——" and "……". The line's extra width is shared equally between them.
Lines without a CJK opportunity go to WeasyPrint's own code, and lines that
are not justified never reach it (``text-align: left``; the last line of a
paragraph and a line ended by ``<br>``, which WeasyPrint aligns with
``text-align-last``), so they render exactly as before.

Inside a text box the width is added as Pango letter spacing, stored on the
box's ``Layout`` and applied by the wrapped ``Layout.set_text`` only when
WeasyPrint re-creates the layout for drawing (``justify=True``), like its own
word spacing. Pango (checked on 1.50) gives half of a character's letter
spacing to each side of it and drops the outer halves at the layout's ends,
so every CJK character and space of the box gets one equal value; Latin
words, digits, dashes and quotes get none, because a spacing attribute would
split their shaping run and lose their kerning. A gap that falls between two
text boxes (``<em>``, links) is made by moving the following boxes. Glyphs
are unchanged, so text extraction is too: the PDF only gets different
positioning offsets, never space characters. WeasyPrint writes those offsets
truncated to 1/1000 em, so a line may end up to ~0.4 pt short of the edge.

Line-start rules (kinsoku). Pango's UAX #14 line breaking keeps
，。、；：？！）」』》〉】 and closing quotes with the character before them
and （「『《〈【 and opening quotes with the one after. One case slips
through in WeasyPrint: when a CJK character is followed by an inline box
that cannot be broken (a note call ``<sup>1</sup>``, ``<em>App</em>``) and
then by closing punctuation that does not fit, WeasyPrint breaks before the
punctuation. The wrapped ``build.create_anonymous_boxes`` appends a WORD
JOINER (U+2060, drawn as nothing, not extracted) to such a CJK character so
WeasyPrint breaks earlier, inside the text before it. This applies to every
alignment; it only changes lines that broke the rule.

Checked with WeasyPrint 70.0 and Pango 1.50.12. :func:`install` checks the
internals it relies on and raises :class:`CJKPatchError` when they are
missing or changed, so a WeasyPrint upgrade fails at install time instead of
silently producing ragged text; tests/publishing/test_cjk.py measures the
result in real PDFs.
"""

import functools
import unicodedata

__all__ = ['CJKPatchError', 'install', 'installed']

# Code point ranges whose characters get inter-character spacing.
_CJK_RANGES = (
    (0x2E80, 0x2FDF),    # CJK radicals, Kangxi radicals
    (0x2FF0, 0x303F),    # ideographic description, CJK symbols & punctuation
    (0x3040, 0x31FF),    # kana, bopomofo, CJK strokes
    (0x3200, 0x4DBF),    # enclosed CJK, compatibility, extension A
    (0x4E00, 0x9FFF),    # CJK unified ideographs
    (0xF900, 0xFAFF),    # compatibility ideographs
    (0xFE10, 0xFE1F),    # vertical forms
    (0xFE30, 0xFE4F),    # CJK compatibility forms
    (0xFF00, 0xFFEF),    # half-width and full-width forms
    (0x20000, 0x3FFFF),  # extensions B and later
)
_SPACES = ' \u00a0\t\n\u200b\u3000'
_NO_SPLIT_PAIRS = ('——', '……', '⸺⸺', '··')
_JOINERS = '\u200c\u200d\u2060\ufeff'

_state = {}


class CJKPatchError(RuntimeError):
    """The installed WeasyPrint lacks the internals this patch needs."""


@functools.lru_cache(maxsize=8192)
def is_cjk(char):
    """Return whether ``char`` belongs to CJK text (ideograph, kana, CJK or
    full-width punctuation)."""
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


@functools.lru_cache(maxsize=8192)
def _is_attached(char):
    """Return whether ``char`` belongs to the grapheme before it (marks,
    variation selectors, joiners): no space may go before it."""
    code = ord(char)
    return (unicodedata.category(char) in ('Mn', 'Me', 'Mc', 'Cf')
            or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF)


def is_opportunity(before, after):
    """Return whether extra space may go between ``before`` and ``after``.

    ``before`` may be None (start of the line): no opportunity there.
    """
    if before is None or before in _SPACES or after in _SPACES:
        return False
    if not (is_cjk(before) or is_cjk(after)):
        return False
    if before + after in _NO_SPLIT_PAIRS or before in _JOINERS:
        return False
    return not _is_attached(after)


def installed():
    """Return whether :func:`install` has patched this process's WeasyPrint."""
    return bool(_state)


def install():
    """Patch the installed WeasyPrint for inter-character justification.

    Idempotent. Raises :class:`CJKPatchError` if WeasyPrint's internals are
    not the ones this patch was written against.
    """
    if _state:
        return
    inline, line_break, boxes, pango = _internals()
    _state['original_justify_line'] = inline.justify_line
    _state['original_set_text'] = original_set_text = line_break.Layout.set_text
    _state['modules'] = (inline, line_break, boxes, pango)

    def set_text(self, text, justify=False):
        original_set_text(self, text, justify)
        if justify and getattr(self, 'cjk_spacing', None):
            _apply_letter_spacing(self)

    set_text.__wrapped__ = original_set_text
    line_break.Layout.set_text = set_text
    inline.justify_line = _justify_line

    from weasyprint.formatting_structure import build
    original_anonymous = build.create_anonymous_boxes

    def create_anonymous_boxes(box):
        box = original_anonymous(box)
        _glue_inline_starts(box)
        return box

    create_anonymous_boxes.__wrapped__ = original_anonymous
    build.create_anonymous_boxes = create_anonymous_boxes


def _internals():
    """Import and check what the patch relies on; raise if it changed."""
    try:
        import inspect

        from weasyprint.formatting_structure import boxes, build
        from weasyprint.layout import inline
        from weasyprint.text import line_break
        from weasyprint.text.ffi import pango
    except ImportError as error:  # pragma: no cover - depends on install
        raise CJKPatchError(f'WeasyPrint cannot be imported: {error}') from error
    missing = [name for module, name in (
        (inline, 'text_align'), (inline, 'justify_line'),
        (inline, 'count_expandable_spaces'), (inline, 'add_word_spacing'),
        (line_break, 'Layout'), (line_break, 'create_layout'),
        (boxes, 'TextBox'), (boxes, 'LineBox'), (boxes, 'InlineBox'),
        (boxes, 'ParentBox'), (inline, 'can_break_inside'),
        (build, 'create_anonymous_boxes'),
    ) if not hasattr(module, name)]
    for name in ('pango_attr_letter_spacing_new', 'pango_layout_get_attributes',
                 'pango_attr_list_change', 'pango_layout_set_attributes',
                 'pango_attr_list_new'):
        try:
            getattr(pango, name)
        except AttributeError:
            missing.append(f'pango.{name}')
    if missing:
        raise CJKPatchError(
            'WeasyPrint internals needed for CJK justification are missing: '
            + ', '.join(missing))
    problems = []
    if 'justify_line' not in inline.text_align.__code__.co_names:
        problems.append('text_align no longer calls justify_line')
    params = list(inspect.signature(line_break.Layout.set_text).parameters)
    if params[:3] != ['self', 'text', 'justify']:
        problems.append(f'Layout.set_text takes {params}')
    for name in ('reactivate', 'deactivate', 'setup'):
        if not hasattr(line_break.Layout, name):
            problems.append(f'Layout.{name} is missing')
    if 'set_text' not in line_break.Layout.reactivate.__code__.co_names:
        problems.append('Layout.reactivate no longer calls set_text')
    if 'create_anonymous_boxes' not in (
            build.build_formatting_structure.__code__.co_names):
        problems.append('create_anonymous_boxes is no longer called by name')
    if not hasattr(boxes.TextBox, 'justification_spacing'):
        problems.append('TextBox.justification_spacing is missing')
    if problems:
        raise CJKPatchError(
            'WeasyPrint internals changed, CJK justification cannot be '
            'installed: ' + '; '.join(problems))
    return inline, line_break, boxes, pango


def _glue_inline_starts(box):
    """Join a CJK character to an unbreakable inline box that follows it.

    WeasyPrint keeps "¹，" together (no break before "，") but, when "，" does
    not fit, breaks before it anyway if the box before ("<sup>1</sup>",
    "<em>App</em>") cannot be broken and the break before that box came
    from an earlier sibling: the line then starts with "，". A WORD JOINER
    (U+2060, drawn as nothing and not extracted) after the CJK character
    makes the preceding text wait with the inline box, so WeasyPrint breaks
    inside that text instead.
    """
    inline, _, boxes, _ = _state['modules']
    # Iterative: the box tree may be deep, and a joiner only ever goes to the last text
    # of an earlier sibling, so the order the parents are visited in does not matter.
    pending = [box]
    while pending:
        box = pending.pop()
        if not isinstance(box, boxes.ParentBox):
            continue
        previous = None
        for child in box.children:
            if (previous is not None and isinstance(child, boxes.InlineBox)
                    and child.is_in_normal_flow()
                    and not inline.can_break_inside(child)):
                text_box = _last_text_box(previous, boxes)
                if (text_box is not None and text_box.text
                        and is_cjk(text_box.text[-1])
                        and text_box.style['white_space'] in (
                            'normal', 'pre-wrap', 'pre-line')):
                    text_box.text += '\u2060'
            pending.append(child)
            previous = child


def _last_text_box(box, boxes):
    """Return the text box ending ``box`` (itself or its last descendant)."""
    while isinstance(box, boxes.InlineBox) and box.children:
        box = box.children[-1]
    return box if isinstance(box, boxes.TextBox) else None


def _justify_line(context, line, extra_width):
    """Replacement for ``weasyprint.layout.inline.justify_line``."""
    inline, _, boxes, _ = _state['modules']
    if line.style['direction'] == 'rtl':
        return _state['original_justify_line'](context, line, extra_width)
    plan = {}
    _plan_gaps(line, plan, [None], boxes)
    nb_gaps = sum(len(gaps) + shift for gaps, shift in plan.values())
    if not nb_gaps:
        return _state['original_justify_line'](context, line, extra_width)
    nb_spaces = inline.count_expandable_spaces(line)
    spacing = extra_width / (nb_gaps + nb_spaces)
    _add_spacing(context, line, spacing, 0, plan)


def _plan_gaps(box, plan, previous, boxes):
    """Map each text box of ``box`` holding CJK opportunities to (indexes of
    its characters preceded by one, 1 if the box starts with one else 0).

    ``previous`` holds the last character seen on the line, or None after
    an atomic box (image, inline block), which ends the run of text.
    """
    if isinstance(box, boxes.TextBox):
        gaps, shift = [], 0
        for index, char in enumerate(box.text):
            if is_opportunity(previous[0], char):
                if index == 0:
                    shift = 1
                else:
                    gaps.append(index)
            previous[0] = char
        if gaps or shift:
            plan[id(box)] = (gaps, shift)
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        for child in box.children:
            if child.is_in_normal_flow():
                _plan_gaps(child, plan, previous, boxes)
    else:
        previous[0] = None


def _add_spacing(context, box, spacing, x_advance, plan):
    """Spread ``spacing`` per opportunity over ``box``; like WeasyPrint's
    ``add_word_spacing``, return the horizontal advance for what follows."""
    inline, line_break, boxes, _ = _state['modules']
    if isinstance(box, boxes.TextBox):
        gaps, shift = plan.get(id(box), ((), 0))
        x_advance += shift * spacing
        if not gaps:
            return inline.add_word_spacing(context, box, spacing, x_advance)
        box.position_x += x_advance
        box.justification_spacing = spacing
        extra = spacing * (len(gaps) + inline.count_expandable_spaces(box))
        layout = line_break.create_layout(
            box.text, box.style, context, max_width=None,
            justification_spacing=spacing)
        layout.cjk_spacing = _letter_spacings(box.text, extra)
        layout.deactivate()
        x_advance += extra
        box.width += extra
        box.pango_layout = layout
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        previous_x_advance = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _add_spacing(
                    context, child, spacing, x_advance, plan)
        box.width += x_advance - previous_x_advance
    else:
        box.translate(x_advance, 0)
    return x_advance


def _units(text):
    """Split ``text`` into (byte start, byte end, first character) per
    grapheme-ish unit: marks, variation selectors and joined characters stay
    attached to the character before them."""
    units, offset, joined = [], 0, False
    for index, char in enumerate(text):
        size = len(char.encode())
        if index and (joined or _is_attached(char)):
            start, _, first = units[-1]
            units[-1] = (start, offset + size, first)
        else:
            units.append((offset, offset + size, char))
        joined = char == '\u200d'
        offset += size
    return units


def _letter_spacings(text, extra):
    """Return (byte start, byte end, letter spacing, is space) for the CJK
    characters and spaces of ``text`` so that the text widens by ``extra``.

    Pango gives half of a character's letter spacing to each of its sides
    and drops the outer halves at the ends of a layout, so every CJK
    character and space gets the same value, which spreads ``extra`` evenly
    between them. Other characters (Latin words, digits, "——", quotes) get
    none: a spacing attribute would split their shaping run and lose their
    kerning.
    """
    units = [(start, end, first in ' \u00a0')
             for start, end, first in _units(text)
             if first in ' \u00a0' or is_cjk(first)]
    if not units:
        return []
    size = len(text.encode())
    share = len(units) - (units[0][0] == 0) / 2 - (units[-1][1] == size) / 2
    if share <= 0:
        return []
    value = extra / share
    return [(start, end, value, space) for start, end, space in units]


def _apply_letter_spacing(layout):
    """Set the letter spacing planned by :func:`_letter_spacings`."""
    _, _, _, pango = _state['modules']
    from weasyprint.text.ffi import TO_UNITS, ffi

    style = layout.style
    letter_spacing = style['letter_spacing']
    base = 0 if letter_spacing == 'normal' else letter_spacing
    attr_list = pango.pango_layout_get_attributes(layout.layout)
    if attr_list == ffi.NULL:
        attr_list = ffi.gc(
            pango.pango_attr_list_new(), pango.pango_attr_list_unref)
    size = len(layout.text.encode())
    for start, end, extra, space in layout.cjk_spacing:
        if end > size:
            break
        value = int((base + extra + (style['word_spacing'] if space else 0))
                    * TO_UNITS)
        if value and not value % TO_UNITS:
            # Pango moves whole-pixel spacing to one side; keep it halved.
            value += 1
        attr = pango.pango_attr_letter_spacing_new(value)
        attr.start_index, attr.end_index = start, end
        pango.pango_attr_list_change(attr_list, attr)
    pango.pango_layout_set_attributes(layout.layout, attr_list)
