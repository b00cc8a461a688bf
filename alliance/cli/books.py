"""`alliance book`: books and their members."""
import click

from ..extensions import db, manuscript_store
from ..manuscripts import books as book_svc
from ..people import accounts
from .base import Group, first_admin


@click.group(cls=Group, name="book")
def book_group():
    """Books and their members."""


@book_group.command("create")
@click.argument("slug")
@click.option("--title", required=True)
@click.option("--lead-org", required=True)
@click.option("--by", "by_email", help="E-mail of the person creating it (default: first admin).")
def book_create(slug, title, lead_org, by_email):
    """Create a book and its repository."""
    creator = accounts.find_user(by_email) if by_email else first_admin()
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



COMMANDS = (book_group,)
