"""`alliance init`, `alliance serve` and `alliance demo`: set-up and serving."""
import click
from flask import current_app

from ..extensions import db, manuscript_store
from ..ops.schema import upgrade_database


@click.command("init")
def init_command():
    """Create or upgrade the database and the folders; safe to run twice."""
    upgrade_database()
    click.echo(f"Alliance home ready: {current_app.config['ALLIANCE_HOME']}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--dev", is_flag=True,
              help="Werkzeug's development server with the reloader, for developers.")
def serve_command(host, port, dev):
    """Serve the app: gunicorn with the project's gunicorn.conf.py (--dev: Werkzeug)."""
    serve(host, port, dev)


def serve(host, port, dev=False):
    """Serve until interrupted: gunicorn workers, each building its own app (the same
    ALLIANCE_* settings), or with ``dev`` Werkzeug's reloading development server."""
    click.echo(f"Serving Alliance on http://{host}:{port}/")
    if dev:
        from werkzeug.serving import run_simple
        run_simple(host, port, current_app._get_current_object(), threaded=True,
                   use_reloader=True, use_debugger=False)
        return
    from .gunicorn_app import run_gunicorn
    run_gunicorn(f"{host}:{port}")


@click.command("demo")
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



COMMANDS = (init_command, serve_command, demo_command)
