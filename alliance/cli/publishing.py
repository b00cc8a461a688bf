"""`alliance export`, `alliance edition` and `alliance worker` (issues 6 and 9)."""
import os
import shutil
import tempfile

import click
from flask import current_app

from ..production import cleanup, editions, jobs
from ..manuscripts.books import find_book
from ..errors import Invalid
from ..extensions import db, manuscript_store
from ..people.accounts import find_user
from ..publishing import export


@click.command("export")
@click.argument("book")
@click.option("--format", "fmt", required=True, type=click.Choice(export.FORMATS))
@click.option("--rev", default=None, help="full commit id or edition/<label>; default: head")
@click.option("--profile", default=None, help="PDF profile, e.g. 16k-print, a4-screen")
@click.option("--out", default=None, type=click.Path(),
              help="file or existing folder to write; default: EXPORTS/<book>/cli/ "
                   "(a file gets its manifest beside it as <file>.manifest.json)")
def export_command(book, fmt, rev, profile, out):
    """Build one artifact of BOOK and print its path (a proof unless all is approved)."""
    find_book(book)
    repo = manuscript_store().book(book)
    commit = jobs.resolve_rev(repo, rev)
    exports_root = current_app.config["EXPORTS"]
    target_dir = out if out and os.path.isdir(out) else None
    with tempfile.TemporaryDirectory(prefix="alliance-export-") as tmp:
        artifact = export.build(current_app._get_current_object(), book, fmt, commit, profile,
                                target_dir or tmp)
        path = artifact.path
        if target_dir is None:
            dest = out or os.path.join(exports_root, book, "cli", os.path.basename(path))
            os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
            shutil.move(path, dest)
            shutil.move(os.path.join(tmp, "manifest.json"),
                        os.path.abspath(dest) + ".manifest.json")
            path = dest
    # Keep EXPORTS within ALLIANCE_CACHE_MAX_MB; the file just built stays this time.
    cleanup.collect_quietly(current_app._get_current_object(),
                            spare=(path, os.path.abspath(path) + ".manifest.json"))
    click.echo(os.path.abspath(path))


@click.command("edition")
@click.argument("book")
@click.argument("label")
@click.option("--by", "email", required=True, help="e-mail of the production staff member")
@click.option("--wait/--no-wait", default=True, help="build the files now (default) or queue")
def edition_command(book, label, email, wait):
    """Tag BOOK's approved head as edition LABEL and build its PDF and EPUB."""
    edition = editions.create_edition(find_book(book), label, find_user(email))
    db.session.commit()
    app = current_app._get_current_object()
    if wait and not app.config.get("REDIS_URL"):
        state = jobs.run_job(app, edition.job_id)
        db.session.expire_all()
        if state != jobs.JobState.DONE:
            raise Invalid(f"edition {edition.label} is tagged but its build failed: "
                          f"{edition.job.error}")
        for item in edition.job.artifacts:
            click.echo(os.path.join(export.job_folder(app.config["EXPORTS"], book,
                                                      edition.job_id), item["file"]))
    else:
        jobs.submit(app, edition.job_id)
        click.echo(f"edition {edition.label}: job {edition.job_id} queued")


@click.command("worker")
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
def worker_command(burst):
    """Run export jobs from the Redis queue (ALLIANCE_REDIS_URL) until stopped."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        raise Invalid("set ALLIANCE_REDIS_URL: the worker takes its jobs from Redis")
    from redis import Redis
    from rq import Queue, Worker
    stale = jobs.recover_stale()
    db.session.commit()
    if stale:
        click.echo(f"marked {stale} interrupted export job(s) failed")
    connection = Redis.from_url(url)
    db.session.remove()
    db.engine.dispose()  # each job runs in a forked work horse: no shared connections
    Worker([Queue(jobs.QUEUE, connection=connection)], connection=connection).work(
        burst=burst, with_scheduler=False)


COMMANDS = (export_command, edition_command, worker_command)
