"""`alliance deliver` and `alliance prepub-check` (issue 7)."""
import shutil
import sys
from pathlib import Path

import click
from sqlalchemy import select

from ..production import delivery as delivery_svc
from ..people import accounts
from ..production.checks import runner
from ..manuscripts.books import find_book
from .base import first_admin
from ..errors import NotFound
from ..extensions import db
from ..models import Agreement


def _actor(by_email):
    return accounts.find_user(by_email) if by_email else first_admin()


def find_agreement_by_number(number):
    """Return the agreement numbered ``number``; NotFound otherwise."""
    agreement = db.session.scalar(select(Agreement).filter_by(number=number))
    if agreement is None:
        raise NotFound(f"no agreement {number}")
    return agreement


def _progress(fraction, message):
    click.echo(f"  {fraction:4.0%} {message}", err=True)


@click.command("deliver")
@click.argument("agreement")
@click.option("--book", "book_slug", required=True, help="The book's slug.")
@click.option("--edition", "label", required=True, help="The edition's label.")
@click.option("--out", "out", type=click.Path(), help="Copy the package here (file or folder).")
@click.option("--by", "by_email", help="E-mail of the person delivering (default: first admin).")
def deliver_command(agreement, book_slug, label, out, by_email):
    """Build, check and package an edition for an agreement; print the package's path."""
    found = find_agreement_by_number(agreement)
    book = find_book(book_slug)
    delivery = delivery_svc.deliver(found, book, label, _actor(by_email), progress=_progress)
    db.session.commit()
    path = delivery_svc.package_file(delivery)
    if out:
        target = Path(out)
        if target.is_dir():
            target = target / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        path = target
    click.echo(f"delivery {delivery.id}: sha256 {delivery.package_sha256}", err=True)
    click.echo(str(path))


@click.command("prepub-check")
@click.argument("book_slug")
@click.option("--edition", "label", help="Check this edition (default: the head of the book).")
def prepub_check_command(book_slug, label):
    """Run the pre-publication checks and print each; exit 1 when one fails."""
    book = find_book(book_slug)
    report = runner.check_book(book, label, progress=_progress)
    where = f"edition {label}" if label else "head"
    click.echo(f"{book.slug} {where} ({report.commit[:10]})")
    for result in report.results:
        click.echo(f"[{result.status.upper():8}] {result.title}"
                   + (f" ({result.skipped})" if result.skipped else ""))
        for finding in result.findings:
            place = f"{finding.where}: " if finding.where else ""
            click.echo(f"    {finding.level}: {place}{finding.message}")
    if not report.ok:
        click.echo(f"error: {len(report.failed)} check(s) failed: "
                   + ", ".join(r.key for r in report.failed), err=True)
        sys.exit(1)


COMMANDS = (deliver_command, prepub_check_command)
