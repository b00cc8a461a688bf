"""The ``alliance`` command: set-up, people, books and serving, per INTERFACES.md."""
import functools
import sys

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup

from ..manuscripts import books as book_svc
from ..people import accounts
from ..errors import DomainError
from ..extensions import db, manuscript_store
from ..store import StoreError


def _app_factory():
    from .. import create_app
    return create_app()


def _friendly(callback):
    """Wrap a command so domain errors print one clear line and exit 1, writing nothing."""
    @functools.wraps(callback)
    def wrapper(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except (DomainError, StoreError) as exc:
            db.session.rollback()
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
    return wrapper


class _FriendlyMixin:
    """Commands added to the group get _friendly error handling."""

    def add_command(self, cmd, name=None):
        if cmd.callback is not None and not isinstance(cmd, click.Group):
            cmd.callback = _friendly(cmd.callback)
        super().add_command(cmd, name)


class _Group(_FriendlyMixin, AppGroup):
    """A subcommand group (org, user, token, book)."""


class _Main(_FriendlyMixin, FlaskGroup):
    """The top-level `alliance` group, which builds the app."""


@click.group(cls=_Main, create_app=_app_factory, add_default_commands=False,
             add_version_option=False)
def main():
    """Alliance: collaborative textbook publishing."""


def init_app(app):
    """Add the commands to ``app.cli`` too, so `flask` and the test runner see them."""
    for command in main.commands.values():
        app.cli.add_command(command)


@main.command("init")
def init_command():
    """Create or upgrade the database and the folders; safe to run twice."""
    upgrade_database()
    click.echo(f"Alliance home ready: {current_app.config['ALLIANCE_HOME']}")


def upgrade_database():
    """Apply every migration to the configured database."""
    from flask_migrate import upgrade
    upgrade(directory=current_app.extensions["migrate"].directory)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_command(host, port):
    """Serve the app (development server, several threads)."""
    serve(host, port)


def serve(host, port):
    """Serve the current app until interrupted."""
    from werkzeug.serving import run_simple
    click.echo(f"Serving Alliance on http://{host}:{port}/")
    run_simple(host, port, current_app._get_current_object(), threaded=True,
               use_reloader=False, use_debugger=False)


@main.command("demo")
@click.option("--no-serve", is_flag=True, help="Seed only, do not serve.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--approved", is_flag=True,
              help="Also take the demo book through 初审/复审/终审 (ready for delivery).")
def demo_command(no_serve, host, port, approved):
    """Seed the demo alliance (idempotent) and serve it unless told not to."""
    from ..demo import seed
    upgrade_database()
    logins = seed(manuscript_store())
    if approved:
        from ..demo.approval import approve_demo_book
        click.echo(f"Approved {approve_demo_book(manuscript_store())} chapters of the demo book")
    db.session.commit()
    click.echo("Demo logins (password for all: %s):" % logins["password"])
    for role, email, name, org in logins["users"]:
        click.echo(f"  {role:<12} {email:<32} {name}（{org}）")
    if not no_serve:
        serve(host, port)


@main.group(cls=_Group, name="org")
def org_group():
    """Organisations: schools and the publisher."""


@org_group.command("create")
@click.argument("name")
@click.option("--kind", type=click.Choice(["school", "publisher"]), required=True)
def org_create(name, kind):
    """Add an organisation."""
    org = accounts.create_org(name, kind)
    db.session.commit()
    click.echo(f"Created {org.kind.value} {org.name}")


@main.group(cls=_Group, name="user")
def user_group():
    """People."""


@user_group.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--org", "org_name", required=True)
@click.option("--admin", is_flag=True)
@click.option("--password", help="The password; read from standard input when omitted.")
def user_create(email, name, org_name, admin, password):
    """Add a user; the password comes from --password or standard input."""
    if password is None:
        password = sys.stdin.readline().rstrip("\r\n")
    user = accounts.create_user(email, name, accounts.find_org(org_name), password, admin)
    db.session.commit()
    click.echo(f"Created user {user.email}")


@main.group(cls=_Group, name="token")
def token_group():
    """API tokens."""


@token_group.command("create")
@click.argument("email")
@click.option("--name", default="cli", show_default=True)
def token_create(email, name):
    """Print a new API token for the user, on stdout alone."""
    token = accounts.create_token(accounts.find_user(email), name)
    db.session.commit()
    click.echo(token)


@main.group(cls=_Group, name="book")
def book_group():
    """Books and their members."""


@book_group.command("create")
@click.argument("slug")
@click.option("--title", required=True)
@click.option("--lead-org", required=True)
@click.option("--by", "by_email", help="E-mail of the person creating it (default: first admin).")
def book_create(slug, title, lead_org, by_email):
    """Create a book and its repository."""
    creator = accounts.find_user(by_email) if by_email else _first_admin()
    book = book_svc.create_book(manuscript_store(), slug, title,
                                accounts.find_org(lead_org), creator)
    db.session.commit()
    click.echo(f"Created book {book.slug}")


@book_group.command("member")
@click.argument("book")
@click.argument("email")
@click.argument("role", type=click.Choice(["author", "coordinator", "editor", "production"]))
def book_member(book, email, role):
    """Give a user a role on a book."""
    book_svc.add_member(book_svc.find_book(book), accounts.find_user(email), role)
    db.session.commit()
    click.echo(f"{email} is now {role} of {book}")


@main.command("check")
@click.option("--repair", is_flag=True, help="Make the database agree with Git where Git can tell.")
def check_command(repair):
    """Verify every repository (fsck) and that the database agrees with Git.

    Prints each finding; exits 1 when any finding is left unrepaired.
    """
    from ..ops.integrity import check
    findings = check(manuscript_store(), repair=repair)
    for finding in findings:
        click.echo(str(finding))
    if repair:
        db.session.commit()
    if any(not f.repaired for f in findings):
        sys.exit(1)
    click.echo(f"Checked {len(manuscript_store().slugs())} repositories: "
               + ("all findings repaired" if findings else "nothing found"))


@main.command("backup")
@click.argument("folder", type=click.Path(file_okay=False))
def backup_command(folder):
    """Write a consistent backup (database, then a Git bundle per book) into an empty FOLDER."""
    from ..ops.backup import backup
    manifest = backup(manuscript_store(), folder)
    click.echo(f"Backed up the database and {len(manifest['books'])} books to {folder}")


@main.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
def restore_command(folder):
    """Restore the backup in FOLDER into this empty home, then check it; exit 1 on findings."""
    from ..ops.backup import restore
    findings = restore(manuscript_store(), folder)
    db.session.commit()
    for finding in findings:  # only repaired ones: restore raises on the others
        click.echo(str(finding))
    click.echo(f"Restored {len(manuscript_store().slugs())} books from {folder}; "
               "alliance check is clean")


def _first_admin():
    from sqlalchemy import select

    from ..models import User
    admin = db.session.scalar(select(User).filter_by(is_admin=True).order_by(User.id))
    if admin is None:
        raise DomainError("no admin user exists: create one with --admin, or pass --by EMAIL")
    return admin


# Commands of later areas live in their own modules and add themselves to ``main``.
from . import publishing, delivery  # noqa: E402,F401

if __name__ == "__main__":
    main()
