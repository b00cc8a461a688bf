"""The ``alliance`` command (INTERFACES.md), one module per command group.

server (init, serve, demo), people (org, user, token), books (book), ops (check, backup,
restore), publishing (export, edition, worker), delivery (deliver, prepub-check), gc (gc). Each
module defines its commands or click groups and lists them in COMMANDS; ``main`` adds
them, and no command module imports ``main`` back. May import every wing below it.
"""
import click
from flask.cli import FlaskGroup, with_appcontext

from . import books, delivery, gc, ops, people, publishing, server
from .base import friendly


def _app_factory():
    from .. import create_app
    return create_app()


class _Main(FlaskGroup):
    """The top-level `alliance` group, which builds the app."""

    def add_command(self, cmd, name=None):
        """Add ``cmd``; a plain command runs inside the app's context, as @main.command would,
        and its domain errors print one clear line (base.friendly)."""
        if cmd.callback is not None and not isinstance(cmd, click.Group):
            cmd.callback = with_appcontext(friendly(cmd.callback))
        super().add_command(cmd, name)


@click.group(cls=_Main, create_app=_app_factory, add_default_commands=False,
             add_version_option=False)
def main():
    """Alliance: collaborative textbook publishing."""


for _module in (server, people, books, ops, publishing, delivery, gc):
    for _command in _module.COMMANDS:
        main.add_command(_command)


def init_app(app):
    """Add the commands to ``app.cli`` too, so `flask` and the test runner see them."""
    for name, command in main.commands.items():
        app.cli.add_command(command, name)
