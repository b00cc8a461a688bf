"""`alliance check`, `alliance backup` and `alliance restore`: keeping a home sound."""
import sys

import click

from ..extensions import db, manuscript_store


@click.command("check")
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


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False))
def backup_command(folder):
    """Write a consistent backup (database, then a Git bundle per book) into an empty FOLDER."""
    from ..ops.backup import backup
    manifest = backup(manuscript_store(), folder)
    click.echo(f"Backed up the database and {len(manifest['books'])} books to {folder}")


@click.command("restore")
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



COMMANDS = (check_command, backup_command, restore_command)
