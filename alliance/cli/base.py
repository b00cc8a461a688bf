"""What every command module shares: friendly errors, the group class, the first admin."""
import functools
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..errors import DomainError
from ..extensions import db
from ..models import User
from ..store import StoreError


def friendly(callback):
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


class FriendlyMixin:
    """Commands added to the group get friendly error handling."""

    def add_command(self, cmd, name=None):
        """Add ``cmd``, wrapping its callback (groups wrap their own commands)."""
        if cmd.callback is not None and not isinstance(cmd, click.Group):
            cmd.callback = friendly(cmd.callback)
        super().add_command(cmd, name)


class Group(FriendlyMixin, AppGroup):
    """A subcommand group (org, user, token, book)."""


def first_admin():
    """Return the first admin user (the default actor of commands); DomainError if none."""
    admin = db.session.scalar(select(User).filter_by(is_admin=True).order_by(User.id))
    if admin is None:
        raise DomainError("no admin user exists: create one with --admin, or pass --by EMAIL")
    return admin
