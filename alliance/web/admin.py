"""Site administration: organisations and users. Only site admins get past the door."""
from flask import (Blueprint, current_app, flash, redirect, render_template, session,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from .. import people
from ..errors import AlreadyExists, Forbidden, Invalid
from ..extensions import db, login_manager
from ..models import Organization
from ..permissions import can_administer

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The one-time password travels to the next page in the (signed, HttpOnly) session and is
# popped there, so a reload no longer shows it.
_SHOW_ONCE = "admin_temporary_password"


class OrgForm(FlaskForm):
    """A new organisation: its name and whether it is a school or the publisher."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")),
                                              Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice("school", _l("School")),
                                            SelectChoice("publisher", _l("Publisher"))])


class UserForm(FlaskForm):
    """A new user; their first password is generated, not typed."""

    # The service checks the address's shape (no email_validator dependency for that).
    email = StringField(_l("E-mail"), validators=[DataRequired(_l("Enter an e-mail address.")),
                                                  Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")),
                                              Length(max=200)])
    org = SelectField(_l("Organisation"), coerce=int)
    admin = BooleanField(_l("Site administrator"))


@bp.before_request
def admins_only():
    """Anonymous people go to the login page; everyone but site admins gets 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not can_administer(current_user):
        raise Forbidden("only site administrators may open the administration pages")
    return None


@bp.get("/")
def index():
    """The administration overview, linking to its lists."""
    # The audit log page is built in another module; link it when it is registered.
    audit_url = next((rule.rule for rule in current_app.url_map.iter_rules()
                      if rule.rule.rstrip("/") == "/admin/audit"), None)
    return render_template("admin/index.html", audit_url=audit_url,
                           orgs=len(people.list_orgs()), users=len(people.list_users()))


@bp.route("/orgs", methods=["GET", "POST"])
def orgs():
    """The organisations, and a form to add one."""
    form = OrgForm()
    if form.validate_on_submit():
        try:
            org = people.create_org(form.name.data, form.kind.data, actor=current_user)
        except AlreadyExists:
            form.name.errors.append(_("An organisation with this name already exists."))
        else:
            db.session.commit()
            flash(_("Organisation %(name)s was added.", name=org.name))
            return redirect(url_for("admin.orgs"))
    return render_template("admin/orgs.html", form=form, orgs=people.list_orgs())


@bp.route("/users", methods=["GET", "POST"])
def users():
    """The users with organisation, admin flag and state; a form to add one."""
    form = UserForm()
    form.org.choices = [SelectChoice(o.id, o.name) for o in people.list_orgs()]
    if form.validate_on_submit():
        password = people.temporary_password()
        try:
            user = people.create_user(form.email.data, form.name.data,
                                      db.session.get(Organization, form.org.data),
                                      password, admin=form.admin.data, actor=current_user)
        except AlreadyExists:
            form.email.errors.append(_("A user with this e-mail address already exists."))
        except Invalid:
            form.email.errors.append(_("This is not an e-mail address."))
        else:
            db.session.commit()
            _show_once(user, password)
            flash(_("User %(name)s was added.", name=user.name))
            return redirect(url_for("admin.users"))
    return render_template("admin/users.html", form=form, users=people.list_users(),
                           shown=session.pop(_SHOW_ONCE, None))


@bp.post("/users/<int:user_id>/deactivate")
def deactivate(user_id):
    """Deactivate a user; their session and tokens stop working on their next request."""
    user = _act_on(user_id)
    people.deactivate_user(user, current_user)
    db.session.commit()
    flash(_("%(name)s was deactivated.", name=user.name))
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/reactivate")
def reactivate(user_id):
    """Let a deactivated user log in again."""
    user = _act_on(user_id)
    people.reactivate_user(user, current_user)
    db.session.commit()
    flash(_("%(name)s was reactivated.", name=user.name))
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/reset-password")
def reset_password(user_id):
    """Give a user a new temporary password, shown once on the next page."""
    user = _act_on(user_id)
    password = people.reset_password(user, current_user)
    db.session.commit()
    _show_once(user, password)
    flash(_("A new temporary password was set for %(name)s.", name=user.name))
    return redirect(url_for("admin.users"))


def _act_on(user_id):
    # The buttons' CSRF tokens are checked by CSRFProtect before any view runs.
    return people.get_user(user_id)


def _show_once(user, password):
    session[_SHOW_ONCE] = {"email": user.email, "name": user.name, "password": password}
