"""Rate limits per person on what costs a pandoc or WeasyPrint run: previews, Word imports.

Counted per signed-in person (by address for anyone else), in the limiter's storage:
Redis when configured, so every worker shares the count.
"""
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..extensions import limiter

#: The editor asks for a preview 400 ms after typing stops: a fast writer stays far below.
HTML_PREVIEWS = "120 per minute"
PDF_PREVIEWS = "12 per minute"
WORD_IMPORTS = "12 per minute"


def person_key():
    """Return the limiter's key of the request: the person, or the address when anonymous."""
    if current_user.is_authenticated:
        return f"person:{current_user.id}"
    return f"address:{get_remote_address()}"


def _too_many():
    return _("Too many previews or imports in a minute. Wait a moment, then try again.")


def per_person(limit):
    """Decorate a view: at most ``limit`` calls per person, then 429 until the window ends."""
    return limiter.limit(limit, key_func=person_key, error_message=_too_many)
