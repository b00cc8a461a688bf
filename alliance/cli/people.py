"""`alliance org`, `alliance user` and `alliance token`: organisations, people, API tokens."""
import sys

import click

from ..extensions import db
from ..people import accounts
from .base import Group


@click.group(cls=Group, name="org")
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


@click.group(cls=Group, name="user")
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


@click.group(cls=Group, name="token")
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



COMMANDS = (org_group, user_group, token_group)
