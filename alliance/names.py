"""Names and titles people give things: one line of text, no control characters.

Names and titles end up in e-mail headers, Git commit messages, CSV exports and
page titles, where a line break or another control character splits, forges or
breaks what follows. They are refused where they come in, with a message
naming the field; nothing is silently rewritten.
"""
import unicodedata

from flask_babel import gettext as _

from .errors import Invalid

# Unicode categories refused: controls (C0, DEL, C1), line and paragraph separators.
_REFUSED_CATEGORIES = {"Cc", "Zl", "Zp"}
# Bidirectional overrides and isolates, which make a name read differently than it is.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def bad_character(value):
    """Return the first control character in ``value`` (a str), or None."""
    for char in value:
        if char in _BIDI_CONTROLS or unicodedata.category(char) in _REFUSED_CATEGORIES:
            return char
    return None


def check_name(value, field, max_length=None):
    """Return ``value`` stripped of surrounding spaces, or raise Invalid.

    Refused: anything that is not text, a line break (CR, LF, U+2028 ...) or any
    other control character (C0, DEL, C1, bidirectional overrides), and, with
    ``max_length``, text longer than that. ``field`` names the field in the
    message ("chapter title"). An empty value is returned as "": whether a name
    is required is the caller's rule.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(_("The %(field)s must be text.", field=field), field=field)
    char = bad_character(value)
    if char is not None:
        raise Invalid(_("The %(field)s may not contain line breaks or other control "
                        "characters (found U+%(code)s).", field=field,
                        code=f"{ord(char):04X}"), field=field)
    value = value.strip()
    if max_length is not None and len(value) > max_length:
        raise Invalid(_("The %(field)s may have at most %(num)d characters.", field=field,
                        num=max_length), field=field)
    return value


def header_text(value):
    """Return ``value`` as a safe one-line e-mail header text: every control character,
    line or paragraph separator becomes a space (for names stored before they were
    checked)."""
    text = "".join(" " if (c in _BIDI_CONTROLS or unicodedata.category(c)
                           in _REFUSED_CATEGORIES) else c for c in str(value or ""))
    return text.strip()
