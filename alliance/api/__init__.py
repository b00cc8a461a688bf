"""The JSON API, version 1: Bearer tokens, JSON errors, the same services as the pages."""
from ..extensions import csrf
from .base import bp


def init_app(app):
    """Register the API on ``app``; it is exempt from CSRF because it takes no cookies."""
    from . import books  # noqa: F401  (routes register on bp)
    from . import review  # noqa: F401
    from . import exports  # noqa: F401  (issue 6)
    csrf.exempt(bp)
    app.register_blueprint(bp)
