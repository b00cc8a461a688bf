"""ISBN validation: ISBN-13 (978/979 prefix, mod-10 check digit) is what a book must carry.

ISBN-10 is refused, with its ISBN-13 form in the message: Chinese books have carried
ISBN-13 since 2007, and the printed EAN-13 barcode needs it.
"""
import re

from ..errors import Invalid

_SEPARATORS = re.compile(r"[\s\-‐‑–—]")
_PREFIX = re.compile(r"^ISBN(?:-1[03])?:?", re.IGNORECASE)


def normalize(text):
    """Return ``text`` without an 'ISBN' prefix, spaces and hyphens, upper-cased (X)."""
    text = _PREFIX.sub("", (text or "").strip())
    return _SEPARATORS.sub("", text).upper()


def check_digit_13(first12):
    """Return the ISBN-13 check digit (a character) for the first 12 digits."""
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def check_digit_10(first9):
    """Return the ISBN-10 check digit (0-9 or X) for the first 9 digits."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(first9))
    value = (11 - total % 11) % 11
    return "X" if value == 10 else str(value)


def to_isbn13(isbn10):
    """Return the 978 ISBN-13 of a normalized, valid ISBN-10."""
    first12 = "978" + isbn10[:9]
    return first12 + check_digit_13(first12)


def problem(text):
    """Return (template, params) saying what is wrong with ``text`` as an ISBN-13, or None.

    The template is English with %(name)s fields, so pages can translate it.
    """
    value = normalize(text)
    if not value:
        return "The ISBN is missing", {}
    if re.fullmatch(r"\d{9}[\dX]", value):
        if check_digit_10(value[:9]) != value[9]:
            return ("ISBN %(isbn)s is not valid: its check digit should be %(digit)s",
                    {"isbn": text, "digit": check_digit_10(value[:9])})
        return ("ISBN %(isbn)s is an ISBN-10; use its ISBN-13 %(isbn13)s",
                {"isbn": text, "isbn13": to_isbn13(value)})
    if not re.fullmatch(r"\d{13}", value):
        return "ISBN %(isbn)s is not valid: an ISBN-13 has 13 digits", {"isbn": text}
    if value[:3] not in ("978", "979"):
        return "ISBN %(isbn)s is not valid: an ISBN-13 starts with 978 or 979", {"isbn": text}
    expected = check_digit_13(value[:12])
    if value[12] != expected:
        return ("ISBN %(isbn)s is not valid: its check digit should be %(digit)s",
                {"isbn": text, "digit": expected})
    return None


def validate(text):
    """Return the normalized ISBN-13 of ``text``; Invalid, saying what is wrong, otherwise.

    Accepts hyphens, spaces and an 'ISBN' prefix. A valid ISBN-10 is still
    refused, and the message gives its ISBN-13 form.
    """
    found = problem(text)
    if found is not None:
        template, params = found
        raise Invalid(template % params)
    return normalize(text)


def is_valid(text):
    """Return True when ``text`` is a valid ISBN-13."""
    try:
        validate(text)
    except Invalid:
        return False
    return True
