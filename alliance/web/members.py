"""A book's members page: who holds which role, and who writes which chapter."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from ..manuscripts import books as svc
from ..errors import Forbidden, Invalid
from ..extensions import db
from ..models import BookRole
from ..people.accounts import find_user
from ..people.permissions import can_assign_chapter, can_manage_members

bp = Blueprint("members", __name__)


def role_labels():
    """Return each BookRole's translated name, in the order the page lists them."""
    return {BookRole.EDITOR: _("Editors"), BookRole.COORDINATOR: _("Coordinators"),
            BookRole.AUTHOR: _("Authors"), BookRole.PRODUCTION: _("Production")}


ROLE_NAMES = {"author": _l("Author"), "coordinator": _l("Coordinator"),
              "editor": _l("Editor"), "production": _l("Production")}


class MemberForm(FlaskForm):
    """Add a person, known by e-mail, to the book in a role."""

    email = StringField(_l("E-mail"), validators=[DataRequired(_l("Enter an e-mail address."))])
    role = SelectField(_l("Role"), choices=[SelectChoice(value, label)
                                            for value, label in ROLE_NAMES.items()])


@bp.get("/books/<slug>/members")
@login_required
def index(slug):
    """Members by role with their school; chapters with their assignees and assignment forms."""
    return _page(svc.readable_book(current_user, slug))


@bp.post("/books/<slug>/members")
@login_required
def add(slug):
    """Give a person a role on the book (editors and admins only)."""
    book = _managed_book(slug)
    form = MemberForm()
    if form.validate_on_submit():
        user = find_user(form.email.data, missing_ok=True)
        if user is None:
            form.email.errors.append(_("No one has this e-mail address."))
        elif not user.active:
            form.email.errors.append(_("This account has been deactivated."))
        else:
            svc.add_member(book, user, form.role.data, actor=current_user)
            db.session.commit()
            flash(_("%(name)s was added as %(role)s.", name=user.name,
                    role=ROLE_NAMES[form.role.data]))
            return redirect(url_for("members.index", slug=book.slug))
    return _page(book, form), 400


@bp.post("/books/<slug>/members/<int:member_id>/remove")
@login_required
def remove(slug, member_id):
    """Take a role away (editors and admins only); a leaving author leaves their chapters."""
    book = _managed_book(slug)
    member = svc.find_member(book, member_id)
    user, role = member.user, member.role
    svc.remove_member(book, user, role, actor=current_user)
    db.session.commit()
    flash(_("%(name)s is no longer among the %(role)s.", name=user.name,
            role=role_labels()[role]))
    return redirect(url_for("members.index", slug=book.slug))


@bp.post("/books/<slug>/chapters/<key>/assignees")
@login_required
def assign(slug, key):
    """Set a chapter's assignees: editors any author, coordinators their school's authors."""
    book = svc.readable_book(current_user, slug)
    chapter = svc.find_chapter(book, key)
    # Ids are looked up among this book's authors only: anyone else is not a valid choice.
    authors = {u.id: u for u in svc.members_with_role(book, BookRole.AUTHOR)}
    try:
        chosen = [authors[int(i)] for i in request.form.getlist("assignees")]
    except (KeyError, ValueError):
        raise Invalid("assignees must be authors of this book") from None
    svc.set_assignees(chapter, chosen, current_user)
    db.session.commit()
    flash(_("The assignees of %(chapter)s were saved.", chapter=chapter.title))
    return redirect(url_for("members.index", slug=book.slug))


def _managed_book(slug):
    book = svc.readable_book(current_user, slug)
    if not can_manage_members(current_user, book):
        raise Forbidden("only the book's editors and admins may change its members")
    return book


def _page(book, form=None):
    labels = role_labels()
    groups = [(role, label, sorted((m for m in book.members if m.role == role),
                                   key=lambda m: m.user.name))
              for role, label in labels.items()]
    authors = svc.members_with_role(book, BookRole.AUTHOR)
    # Per chapter: the authors this person may choose; no choice means no form.
    choices = {c.id: [a for a in authors if can_assign_chapter(current_user, c, a)]
               for c in book.chapters}
    manage = can_manage_members(current_user, book)
    return render_template("books/members.html", book=book, groups=groups, choices=choices,
                           manage=manage, form=(form or MemberForm(formdata=None)) if manage
                           else None)
