"""Logging in and out, and choosing the language of the pages."""
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, make_response, redirect, render_template,
                   request, session, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ..people import audit, throttle
from ..config import LOCALES
from ..extensions import db
from ..people.accounts import end_sessions, find_user

bp = Blueprint("auth", __name__)

_dummy_hash = None


class LoginForm(FlaskForm):
    """E-mail and password; the CSRF token comes with FlaskForm."""

    email = StringField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


def safe_path(target):
    """Return ``target`` if it is a path on this site ('/books/x?rev=...'), else None.

    Refuses absolute and scheme-relative URLs ('//evil', '/\\evil') and any
    whitespace or control character, which browsers strip or reinterpret.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) <= 0x20 or ord(c) == 0x7f for c in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _same_site_referrer():
    # The Referer header is a full URL; keep only its path, and only if it is ours.
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc != request.host:
        return None
    return safe_path(parts.path + (f"?{parts.query}" if parts.query else ""))


def _password_matches(user, password):
    # Check a hash even for unknown e-mails, so timing does not tell who has an account.
    global _dummy_hash
    if user is None:
        if _dummy_hash is None:
            _dummy_hash = generate_password_hash("not a password of anyone")
        check_password_hash(_dummy_hash, password)
        return False
    return user.check_password(password)


def _too_many_attempts(form, wait):
    # The password is not even looked at: the source waits, whoever it names.
    page = render_template("auth/login.html", form=form, next=safe_path(request.args.get("next")),
                           error=_("Too many failed logins from your address. Wait %(seconds)d "
                                   "seconds, then try again.", seconds=wait))
    response = make_response(page, 429)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on success go to ``next`` (a path on this site) or the dashboard.

    Wrong passwords slow down their source (throttle.py), never the account named.
    """
    target = safe_path(request.args.get("next")) or url_for("books.dashboard")
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    error = None
    if request.method == "POST":
        wait = throttle.wait_seconds(current_app, request.remote_addr)
        if wait:
            return _too_many_attempts(form, wait)
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = find_user(form.email.data, missing_ok=True)
        if not _password_matches(user, form.password.data):
            error = _("The e-mail address or the password is wrong.")
            throttle.record_failure(current_app, request.remote_addr)
            _record_failure(email, user, "wrong_password")
        elif not user.active:
            error = _("This account has been deactivated. Ask your administrator.")
            _record_failure(email, user, "deactivated")
        else:
            login_user(user)
            audit.record(audit.LOGIN, actor=user, target=user.email, address=request.remote_addr)
            db.session.commit()
            return redirect(target)
    return render_template("auth/login.html", form=form, error=error,
                           next=safe_path(request.args.get("next")))


def _record_failure(email, user, reason):
    # Committed at once: the attempt is the evidence, whatever happens to the request next.
    # The e-mail is cut short because the form accepts any text; the password is never kept.
    audit.record(audit.LOGIN_FAILED, actor=None, target=email[:300],
                 address=request.remote_addr, email=email[:300], reason=reason,
                 known_account=user is not None)
    db.session.commit()


@bp.post("/logout")
def logout():
    """End the session (the language chosen stays) and go back to the login page.

    Logging out raises the person's session epoch, so a copy of this session's cookie
    (and every other session of theirs) stops working too.
    """
    if current_user.is_authenticated:
        end_sessions(current_user)
        audit.record(audit.LOGOUT, actor=current_user, target=current_user.email,
                     address=request.remote_addr)
        db.session.commit()
    logout_user()
    flash(_("You have logged out."))
    return redirect(url_for("auth.login"))


@bp.post("/lang")
def switch_language():
    """Switch the pages to Chinese or English, remember it, and go back where the person was."""
    lang = request.form.get("lang")
    if lang in LOCALES:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    target = (safe_path(request.form.get("next")) or _same_site_referrer()
              or url_for("books.dashboard"))
    return redirect(target)
