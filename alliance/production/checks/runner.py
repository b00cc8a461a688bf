"""Run the pre-publication checks on a book as it stands: build its PDF and EPUB, then check.

For the checks page and `alliance prepub-check`: the edition's tagged commit when
a label is given, else the head of the book. An edition whose build job finished
is checked on the files that job built (the files that would be delivered); other
files are built in a temporary folder and removed, and the render cache
(EXPORTS/<slug>/cache) keeps repeat checks quick.
"""
import shutil
import tempfile
from pathlib import Path

from flask import current_app

from .. import jobs
from . import gate
from ...errors import NotFound
from ...extensions import manuscript_store
from ...models import JobState
from ...publishing import export, profiles, snapshot

CHECK_FORMATS = ("pdf", "epub")


def check_book(book, label=None, progress=None):
    """Return the gate.Report of ``book`` at edition ``label`` (NotFound for an unknown one)
    or at its head: the source checks, and the file checks on its PDF (print profile) and EPUB."""
    repo = manuscript_store().book(book.slug)
    commit = edition = None
    if label:
        from .. import editions
        edition = editions.get(book, label)
        commit = edition.commit
    snap = snapshot.take(repo, book.slug, commit)
    profile = profiles.default_for(snap.meta).name
    root = Path(current_app.config["EXPORTS"]) / "prepub"
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{book.slug}-", dir=root))
    try:
        built = []
        for index, fmt in enumerate(CHECK_FORMATS):
            ready = edition_file(edition, fmt, profile) if edition else None
            if ready is not None:
                built.append(gate.Built(fmt, ready, profile if fmt == "pdf" else None))
                continue

            def scaled(fraction, message="", _base=index / len(CHECK_FORMATS)):
                if progress:
                    progress(_base + fraction / len(CHECK_FORMATS), message)

            artifact = export.build(current_app._get_current_object(), book.slug, fmt,
                                    snap.commit, profile, str(work / fmt), scaled)
            built.append(gate.Built(fmt, Path(artifact.path),
                                      profile if fmt == "pdf" else None))
        return gate.run(book, repo, snap, built, edition=label)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def edition_file(edition, fmt, profile=None):
    """Return the path of the ``fmt`` file the edition's finished job built (for a PDF, only
    when built with ``profile``), or None when there is none to reuse."""
    job = edition.job
    if (job is None or job.state != JobState.DONE or job.commit != edition.commit or job.proof
            or (fmt == "pdf" and job.profile != profile)):
        return None
    entry = next((a for a in job.artifacts or [] if a.get("format") == fmt), None)
    if entry is None:
        return None
    try:
        return Path(jobs.artifact_path(current_app, job, entry["file"]))
    except NotFound:
        return None
