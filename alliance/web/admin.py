"""Site administration: organisations and users. Only site admins get past the door."""
from flask import Blueprint, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..people import accounts
from ..errors import AlreadyExists, Forbidden, Invalid
from ..extensions import db, login_manager
from ..models import Organization
from ..people.permissions import can_administer

bp = Blueprint("admin", __name__, url_prefix="/admin")

# A temporary password is shown in the answer to the request that made it, never put in
# the session: the session cookie is signed, not encrypted, and a copy of it would carry it.


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
                           orgs=len(accounts.list_orgs()), users=len(accounts.list_users()))


@bp.route("/orgs", methods=["GET", "POST"])
def orgs():
    """The organisations, and a form to add one."""
    form, status = OrgForm(), 200
    if form.validate_on_submit():
        try:
            org = accounts.create_org(form.name.data, form.kind.data, actor=current_user)
        except AlreadyExists:
            form.name.errors.append(_("An organisation with this name already exists."))
        except Invalid as exc:
            form.name.errors.append(exc.message)
            status = 400
        else:
            db.session.commit()
            flash(_("Organisation %(name)s was added.", name=org.name))
            return redirect(url_for("admin.orgs"))
    return render_template("admin/orgs.html", form=form, orgs=accounts.list_orgs()), status


@bp.route("/users", methods=["GET", "POST"])
def users():
    """The users with organisation, admin flag and state; a form to add one."""
    form, status = UserForm(), 200
    form.org.choices = [SelectChoice(o.id, o.name) for o in accounts.list_orgs()]
    if form.validate_on_submit():
        password = accounts.temporary_password()
        try:
            user = accounts.create_user(form.email.data, form.name.data,
                                      db.session.get(Organization, form.org.data),
                                      password, admin=form.admin.data, actor=current_user)
        except AlreadyExists:
            form.email.errors.append(_("A user with this e-mail address already exists."))
        except Invalid as exc:
            if exc.details.get("field") == "email":
                form.email.errors.append(_("This is not an e-mail address."))
            else:
                form.name.errors.append(exc.message)
                status = 400
        else:
            db.session.commit()
            flash(_("User %(name)s was added.", name=user.name))
            return _users_page(UserForm(formdata=None), user, password)
    return _users_page(form), status


@bp.post("/users/<int:user_id>/deactivate")
def deactivate(user_id):
    """Deactivate a user; their session and tokens stop working on their next request."""
    user = _act_on(user_id)
    accounts.deactivate_user(user, current_user)
    db.session.commit()
    flash(_("%(name)s was deactivated.", name=user.name))
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/reactivate")
def reactivate(user_id):
    """Let a deactivated user log in again."""
    user = _act_on(user_id)
    accounts.reactivate_user(user, current_user)
    db.session.commit()
    flash(_("%(name)s was reactivated.", name=user.name))
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/reset-password")
def reset_password(user_id):
    """Give a user a new temporary password, shown once, in this answer only."""
    user = _act_on(user_id)
    password = accounts.reset_password(user, current_user)
    db.session.commit()
    flash(_("A new temporary password was set for %(name)s.", name=user.name))
    return _users_page(UserForm(formdata=None), user, password)


def _act_on(user_id):
    # The buttons' CSRF tokens are checked by CSRFProtect before any view runs.
    return accounts.get_user(user_id)


def _users_page(form, shown_user=None, password=None):
    """The users page; with ``password``, showing it once for ``shown_user``, never cached."""
    form.org.choices = form.org.choices or [SelectChoice(o.id, o.name) for o in accounts.list_orgs()]
    shown = password and {"email": shown_user.email, "name": shown_user.name,
                          "password": password}
    response = make_response(render_template("admin/users.html", form=form,
                                             users=accounts.list_users(), shown=shown))
    if shown:
        response.headers["Cache-Control"] = "no-store"
    return response
