"""ISBN-13 validation: check digits, prefixes, separators, ISBN-10 refused with its ISBN-13."""
import pytest

from alliance.production import isbn
from alliance.errors import Invalid


@pytest.mark.parametrize("text", ["978-7-5008-7654-0", "9787500876540", "ISBN 978 7 5008 7654 0",
                                  "ISBN-13: 978-0-306-40615-7", "979-10-90636-07-1"])
def test_valid_isbn13_is_normalized(text):
    assert isbn.is_valid(text)
    assert isbn.validate(text).isdigit() and len(isbn.validate(text)) == 13


@pytest.mark.parametrize("text, reason", [
    ("978-7-5008-7654-5", "check digit should be 0"),
    ("977-7-5008-7654-0", "starts with 978 or 979"),
    ("978-7-5008-765", "13 digits"),
    ("", "missing"),
    ("978-7-5008-765A-0", "13 digits"),
])
def test_invalid_isbn_says_why(text, reason):
    with pytest.raises(Invalid) as refused:
        isbn.validate(text)
    assert reason in refused.value.message
    assert not isbn.is_valid(text)


def test_isbn10_is_refused_with_its_isbn13():
    with pytest.raises(Invalid) as refused:
        isbn.validate("0-306-40615-2")
    assert "978-0-306-40615-7".replace("-", "") in refused.value.message
    with pytest.raises(Invalid) as refused:
        isbn.validate("0-306-40615-3")
    assert "check digit should be 2" in refused.value.message
    assert isbn.check_digit_10("080442957") == "X"
