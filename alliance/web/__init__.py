"""The web pages: one blueprint per area, sharing the login manager's user loader."""
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..errors import DomainError
from ..extensions import login_manager
from ..store import StoreError
from .pages import (csrf_error, domain_error, http_error, lang_tag, server_error, state_label,
                    store_error, when)


def init_app(app):
    """Register the web blueprints, the HTML error pages and the template helpers on ``app``."""
    from . import admin, audit, auth, books, members, settings
    app.register_blueprint(auth.bp)
    app.register_blueprint(books.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(members.bp)
    from .editor import bp as editor_bp
    app.register_blueprint(editor_bp)
    from .git import bp as git_bp
    app.register_blueprint(git_bp)
    from .content import bp as content_bp
    app.register_blueprint(content_bp)
    from . import inbox, review, timeline  # issue 5: the review workflow
    for area in (review, timeline, inbox):
        app.register_blueprint(area.bp)
    from .health import bp as health_bp  # issue 9: for load balancers, no login
    app.register_blueprint(health_bp)
    from . import agreements, delivery, exports  # issues 6 and 7: publishing
    for area in (exports, agreements, delivery):
        app.register_blueprint(area.bp)
    login_manager.login_message = None  # the login page itself says what to do

    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(StoreError, store_error)
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(InternalServerError, server_error)
    app.add_template_filter(when)
    app.context_processor(lambda: {"lang_tag": lang_tag(), "state_label": state_label})
