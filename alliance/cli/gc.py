"""`alliance gc`: prune the render caches and non-edition export files to the size limit."""
import click
from flask import current_app

from ..production import cleanup

MB = 1024 * 1024


def _mb(size):
    return f"{size / MB:.1f} MB"


@click.command("gc")
@click.option("--max-mb", type=click.FloatRange(min=0), default=None,
              help="the limit for this run; default: ALLIANCE_CACHE_MAX_MB (2048)")
def gc_command(max_mb):
    """Remove the least recently used render cache files and export files (never an
    edition's or a delivery's) until they fit the limit; print what was freed."""
    report = cleanup.collect(current_app._get_current_object(), max_mb)
    caches = sum(1 for unit in report.removed if unit.cache)
    click.echo(f"freed {_mb(report.freed)}: {caches} render cache file(s), "
               f"{len(report.removed) - caches} export(s)")
    click.echo(f"render caches and exports now take {_mb(report.left)} "
               f"of {_mb(report.limit)}; editions and deliveries are kept")
    for cache in report.busy:
        click.echo(f"skipped {cache}: a render is using it; run gc again later")


COMMANDS = (gc_command,)
