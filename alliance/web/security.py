"""Security headers on every response, and the answer to a request over a rate limit."""
from flask import make_response, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded

# Pages load scripts, styles, fonts and images from this site only; nothing may frame them.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def init_app(app):
    """Make every response of ``app`` (pages, API, static files, errors) carry the headers."""
    app.after_request(add_headers)
    app.register_error_handler(RateLimitExceeded, too_many_requests)


def add_headers(response):
    """Add the security headers to ``response``, keeping any a view set itself.

    A view may set a stricter policy (served book images use ``default-src 'none'``),
    so a header already present is never overwritten.
    """
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def too_many_requests(exc):
    """Answer 429: a translated page, or the API's JSON error under /api/; with Retry-After."""
    message = exc.description or _("Too many requests. Wait a minute, then try again.")
    if request.path.startswith("/api/"):
        from ..api.base import error
        response = error(429, "too_many_requests", message)
    else:
        from .pages import error_page
        response = make_response(error_page(429, _("Too many attempts"), message))
    # The window's length is the longest wait; clients and proxies may use it to back off.
    response.headers["Retry-After"] = str(exc.limit.limit.get_expiry())
    return response

