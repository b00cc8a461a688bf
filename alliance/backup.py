"""``alliance backup DIR`` and ``alliance restore DIR`` for the embedded SQLite set-up.

A backup is consistent while the app serves because of the order of writes:
every change lands in Git first and is recorded in the database after. So the
database is copied FIRST (SQLite's online backup API: one snapshot, readers and
writers carry on), and each book's repository is bundled after; the bundles then
hold every revision the copied database names, and perhaps a few later ones,
which restore records from Git (the same repair ``alliance check --repair`` does).
"""
import hashlib
import json
import os
import shutil
import sqlite3
from datetime import datetime, timezone
from importlib.metadata import version

from .errors import DomainError
from .extensions import db
from .store import install_hooks
from .store.gitcmd import GitFailed, run

MANIFEST = "manifest.json"
DATABASE = "alliance.db"


class BackupError(DomainError):
    """A backup cannot be taken or restored; nothing more was written."""

    code = "backup"
    status = 400


def backup(store, target):
    """Write a consistent backup of the database and every book into the folder ``target``.

    ``target`` must be missing or empty. Returns the manifest written to it.
    """
    source = _database_path()
    _require_empty_folder(target, "the backup folder")
    os.makedirs(target, exist_ok=True)
    db_copy = os.path.join(target, DATABASE)
    _copy_database(source, db_copy)  # first: the bundles must cover what it names
    bundles = {}
    for slug in store.slugs():
        name = f"{slug}.bundle"
        run(store.path_of(slug), ["bundle", "create", "--quiet",
                                  os.path.join(os.path.abspath(target), name), "--all"])
        bundles[slug] = {"file": name, "sha256": _sha256(os.path.join(target, name))}
    manifest = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "alliance_version": version("alliance"),
        "books": sorted(bundles),
        "bundles": bundles,
        "database": {"file": DATABASE, "sha256": _sha256(db_copy)},
    }
    with open(os.path.join(target, MANIFEST), "w") as handle:
        json.dump(manifest, handle, indent=2)
    return manifest


def restore(store, source):
    """Restore the backup in folder ``source`` into this empty home; return the findings.

    Refuses a home that has a database or any book, and a backup whose files do
    not match the manifest's hashes; a copy that fails half-way is removed again.
    After copying it runs the integrity check with repair (saves that landed in
    Git after the database copy get recorded) and rebuilds the search index; any
    finding not repaired raises BackupError and leaves the restored home for
    inspection. The caller commits.
    """
    manifest = _verified_manifest(source)
    target = _database_path()
    if _has_database(target) or store.slugs():
        raise BackupError("restore needs an empty home: this one already has a database "
                          "or books")
    db.session.remove()
    db.engine.dispose()  # no pooled connection may have seen the old (absent) file
    os.makedirs(os.path.dirname(target), exist_ok=True)
    for leftover in (target, target + "-wal", target + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    try:
        shutil.copyfile(os.path.join(source, manifest["database"]["file"]), target)
        for slug in manifest["books"]:
            bundle = os.path.join(source, manifest["bundles"][slug]["file"])
            _restore_bundle(store.path_of(slug), os.path.abspath(bundle))
    except BaseException:
        # Leave the home empty again, so the restore can simply be run once more.
        if os.path.exists(target):
            os.remove(target)
        for slug in store.slugs():
            shutil.rmtree(store.path_of(slug), ignore_errors=True)
        raise
    return _settle(store)


def _settle(store):
    from sqlalchemy import select

    from .integrity import check
    from .models import Book
    from .search import reindex
    findings = check(store, repair=True)
    unrepaired = [f for f in findings if not f.repaired]
    if unrepaired:
        raise BackupError("the restored home is not sound:\n"
                          + "\n".join(str(f) for f in unrepaired))
    for book in db.session.scalars(select(Book)):
        reindex(book)
    db.session.flush()
    return findings


def _restore_bundle(path, bundle):
    """Make a bare repository at ``path`` holding every ref of ``bundle``, hooks installed."""
    os.makedirs(path)
    try:
        run(path, ["init", "--quiet", "--bare", "--initial-branch=main"])
        # refs/*:refs/* keeps refs/approved/* and any other ref, as a mirror clone would.
        run(path, ["fetch", "--quiet", "--update-head-ok", bundle, "+refs/*:refs/*"])
        run(path, ["config", "core.logAllRefUpdates", "always"])
        install_hooks(path)
        run(path, ["config", "receive.fsckObjects", "true"])
    except GitFailed as exc:
        shutil.rmtree(path, ignore_errors=True)
        raise BackupError(f"cannot restore {os.path.basename(bundle)}: "
                          f"{exc.stderr.strip()}") from None


def _verified_manifest(source):
    try:
        with open(os.path.join(source, MANIFEST)) as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} holds no readable {MANIFEST}: {exc}") from None
    try:
        files = [manifest["database"]] + [manifest["bundles"][s] for s in manifest["books"]]
    except (KeyError, TypeError):
        raise BackupError(f"{MANIFEST} in {source} is incomplete") from None
    for entry in files:
        name = entry["file"]
        if os.path.basename(name) != name:
            raise BackupError(f"the manifest names a file outside the backup: {name}")
        path = os.path.join(source, name)
        if not os.path.isfile(path) or _sha256(path) != entry["sha256"]:
            raise BackupError(f"{name} is missing or does not match the manifest's sha256: "
                              "the backup is damaged or was altered")
    return manifest


def _copy_database(source, target):
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)  # one step: a single consistent snapshot
    finally:
        dst.close()
        src.close()


def _database_path():
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupError("backup and restore support the embedded SQLite database only")
    return os.path.abspath(url.database)


def _has_database(path):
    return os.path.exists(path) and os.path.getsize(path) > 0


def _require_empty_folder(path, what):
    if os.path.exists(path) and (not os.path.isdir(path) or os.listdir(path)):
        raise BackupError(f"{what} {path} must be missing or empty")


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
