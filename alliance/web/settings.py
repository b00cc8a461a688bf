"""A person's own settings: password, language, API tokens, signing out everywhere."""
from flask import Blueprint, flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from ..people import accounts
from ..errors import Invalid
from ..extensions import db

bp = Blueprint("settings", __name__)

# A new token is shown in the answer to the request that made it, once; only its hash is
# stored. It never goes into the session: the cookie is signed, not encrypted.


class PasswordForm(FlaskForm):
    """Changing one's password needs the current one, and the new one twice."""

    current = PasswordField(_l("Current password"),
                            validators=[DataRequired(_l("Enter your current password."))])
    new = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a new password.")),
        Length(min=accounts.MIN_PASSWORD, message=_l("A password needs at least %(num)d characters.",
                                                   num=accounts.MIN_PASSWORD))])
    confirm = PasswordField(_l("New password again"), validators=[
        EqualTo("new", _l("The two new passwords differ."))])


class LanguageForm(FlaskForm):
    """The language of the pages, saved with the account."""

    lang = SelectField(_l("Language"), choices=[SelectChoice("zh_CN", "中文"),
                                                    SelectChoice("en", "English")])


class TokenForm(FlaskForm):
    """A new API token needs a name saying where it is used."""

    name = StringField(_l("Token name"), validators=[
        DataRequired(_l("Give the token a name, such as the computer it is for.")),
        Length(max=accounts.TOKEN_NAME_MAX)])


@bp.get("/settings")
@login_required
def index():
    """The person's own settings page."""
    return _page()


@bp.post("/settings/password")
@login_required
def password():
    """Change the password: the current one must be right, the new one long enough."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.new.data)
        except Invalid as exc:
            if exc.details.get("field") == "current":
                form.current.errors.append(_("The current password is wrong."))
            else:
                form.new.errors.append(_("A password needs at least %(num)d characters.",
                                         num=accounts.MIN_PASSWORD))
        else:
            db.session.commit()
            # The change ended every session; this one goes on under the new epoch.
            login_user(current_user._get_current_object())
            flash(_("Your password was changed. You were signed out on every other device."))
            return redirect(url_for("settings.index"))
    return _page(password_form=form), 400


@bp.post("/settings/language")
@login_required
def language():
    """Save the language of the pages for this session and for later logins."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return _page(language_form=form), 400
    accounts.set_locale(current_user, form.lang.data)
    session["lang"] = form.lang.data
    db.session.commit()
    flash(_("Your language was saved."))
    return redirect(url_for("settings.index"))


@bp.post("/settings/tokens")
@login_required
def create_token():
    """Create an API token; its text is shown once, in this answer (never cached)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(token_form=form), 400
    try:
        token = accounts.create_token(current_user, form.name.data, actor=current_user)
    except Invalid as exc:
        form.name.errors.append(exc.message)
        return _page(token_form=form), 400
    db.session.commit()
    name = form.name.data.strip()
    flash(_("Token %(name)s was created.", name=name))
    response = make_response(_page(new_token={"name": name, "token": token}))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id):
    """Revoke one of the person's own tokens; it is refused from the next call on."""
    row = accounts.revoke_token(current_user, token_id, actor=current_user)
    db.session.commit()
    flash(_("Token %(name)s was revoked.", name=row.name))
    return redirect(url_for("settings.index"))


@bp.post("/settings/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every session of the person, on every device, this one included."""
    accounts.end_sessions(current_user, record=True)
    db.session.commit()
    logout_user()
    flash(_("You were signed out on every device. Log in again to go on."))
    return redirect(url_for("auth.login"))


def _page(password_form=None, language_form=None, token_form=None, new_token=None):
    language_form = language_form or LanguageForm(
        formdata=None, lang=session.get("lang") or current_user.locale or "zh_CN")
    return render_template("settings/index.html",
                           password_form=password_form or PasswordForm(formdata=None),
                           language_form=language_form,
                           token_form=token_form or TokenForm(formdata=None),
                           tokens=accounts.list_tokens(current_user),
                           new_token=new_token)
