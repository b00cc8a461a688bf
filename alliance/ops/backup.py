"""``alliance backup DIR`` and ``alliance restore DIR``, on SQLite or PostgreSQL.

A backup is consistent while the app serves because of the order of writes:
every change lands in Git (and every artifact in the exports folder) first and is
recorded in the database after. So the database is copied FIRST, as one snapshot
while readers and writers carry on, and each book's repository is bundled after,
then the exports folder archived; these then hold every revision and file the
copied database names, and perhaps a few later ones, which restore records from
Git (the same repair ``alliance check --repair`` does).

The database copy is always an SQLite file (alliance.db), whichever database the
home uses: SQLite's online backup API writes it from SQLite; from PostgreSQL every
table is copied into it inside one REPEATABLE READ transaction (portable.py). So
a backup restores into either kind of database: the file is copied as it is into
an SQLite home, and its rows are loaded into a migrated PostgreSQL one.
"""
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from datetime import datetime, timezone
from importlib.metadata import version

from flask import current_app

from . import portable
from .schema import upgrade_database
from ..errors import DomainError
from ..publishing.manifest import sha256_of
from ..extensions import db
from ..store import install_hooks
from ..store.gitcmd import GitFailed, run

MANIFEST = "manifest.json"
DATABASE = "alliance.db"
EXPORTS = "exports.tar"


class BackupError(DomainError):
    """A backup cannot be taken or restored; nothing more was written."""

    code = "backup"
    status = 400


def backup(store, target):
    """Write a consistent backup of the database and every book into the folder ``target``.

    ``target`` must be missing or empty. Returns the manifest written to it.
    """
    _require_empty_folder(target, "the backup folder")
    _check_dialect()
    os.makedirs(target, exist_ok=True)
    db_copy = os.path.join(target, DATABASE)
    if _is_sqlite():  # first: the bundles and exports must cover what it names
        _copy_database(_database_path(), db_copy)
    else:
        portable.dump(db.engine, db.metadata, db_copy)
    bundles = {}
    for slug in store.slugs():
        name = f"{slug}.bundle"
        _bundle(store.path_of(slug), os.path.join(os.path.abspath(target), name))
        bundles[slug] = {"file": name, "sha256": sha256_of(os.path.join(target, name))}
    exports = os.path.join(target, EXPORTS)
    count = _archive_exports(current_app.config["EXPORTS"], exports)
    manifest = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "alliance_version": version("alliance"),
        "books": sorted(bundles),
        "bundles": bundles,
        "database": {"file": DATABASE, "sha256": sha256_of(db_copy),
                     "from": db.engine.dialect.name},
        "exports": {"file": EXPORTS, "sha256": sha256_of(exports), "files": count},
    }
    with open(os.path.join(target, MANIFEST), "w") as handle:
        json.dump(manifest, handle, indent=2)
    return manifest


def restore(store, source):
    """Restore the backup in folder ``source`` into this empty home; return the findings.

    Refuses a home that has a database (rows, on PostgreSQL), any book or any
    export, and a backup whose files do not match the manifest's hashes; a copy
    that fails half-way is removed again. An empty PostgreSQL database is migrated
    first; the backup must come from the same schema version.
    After copying it runs the integrity check with repair (saves that landed in
    Git after the database copy get recorded) and rebuilds the search index; any
    finding not repaired raises BackupError and leaves the restored home for
    inspection. The caller commits.
    """
    manifest = _verified_manifest(source)
    _check_dialect()
    exports = current_app.config["EXPORTS"]
    sqlite = _is_sqlite()
    target = _database_path() if sqlite else None
    if ((_has_database(target) if sqlite else portable.has_rows(db.engine, db.metadata))
            or store.slugs() or (os.path.isdir(exports) and os.listdir(exports))):
        raise BackupError("restore needs an empty home: this one already has a database, "
                          "books or exports")
    db_file = os.path.join(source, manifest["database"]["file"])
    if sqlite:
        db.session.remove()
        db.engine.dispose()  # no pooled connection may have seen the old (absent) file
        os.makedirs(os.path.dirname(target), exist_ok=True)
        _remove_sqlite(target)
    try:
        if sqlite:
            shutil.copyfile(db_file, target)
        else:
            portable.load(db.engine, db.session, db.metadata, db_file, _migrate)
        for slug in manifest["books"]:
            bundle = os.path.join(source, manifest["bundles"][slug]["file"])
            _restore_bundle(store.path_of(slug), os.path.abspath(bundle))
        if "exports" in manifest:  # backups before exports existed have none
            _extract_exports(os.path.join(source, manifest["exports"]["file"]), exports)
    except BaseException:
        # Leave the home empty again, so the restore can simply be run once more.
        if sqlite:
            _remove_sqlite(target)
        else:
            db.session.rollback()
        for slug in store.slugs():
            shutil.rmtree(store.path_of(slug), ignore_errors=True)
        _empty_folder(exports)
        raise
    return _settle(store)


def _migrate():
    upgrade_database()


def _remove_sqlite(path):
    for leftover in (path, path + "-wal", path + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)


def _empty_folder(path):
    if os.path.isdir(path):
        for name in os.listdir(path):
            child = os.path.join(path, name)
            if os.path.isdir(child) and not os.path.islink(child):
                shutil.rmtree(child, ignore_errors=True)
            else:
                os.remove(child)


def _archive_exports(folder, archive):
    """Archive the exports folder (artifacts, agreement scans); return how many files it holds."""
    count = 0
    with tarfile.open(archive, "w") as tar:
        if os.path.isdir(folder):
            for root, dirs, files in os.walk(folder):
                dirs.sort()
                for name in sorted(files):
                    path = os.path.join(root, name)
                    if os.path.isfile(path) and not os.path.islink(path):
                        tar.add(path, arcname=os.path.relpath(path, folder), recursive=False)
                        count += 1
    return count


def _extract_exports(archive, folder):
    os.makedirs(folder, exist_ok=True)
    try:
        with tarfile.open(archive) as tar:
            # The "data" filter refuses absolute paths, links out and device files.
            tar.extractall(folder, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"cannot restore {os.path.basename(archive)}: {exc}") from None


def _settle(store):
    from sqlalchemy import select

    from .integrity import check
    from ..models import Book
    from ..manuscripts.search import reindex
    findings = check(store, repair=True)
    unrepaired = [f for f in findings if not f.repaired]
    if unrepaired:
        raise BackupError("the restored home is not sound:\n"
                          + "\n".join(str(f) for f in unrepaired))
    for book in db.session.scalars(select(Book)):
        reindex(book)
    db.session.flush()
    return findings


def _bundle(repo, out):
    """Bundle every ref of ``repo`` as the refs stand at one moment, while saves go on."""
    # `git bundle --all` reads the refs again after walking the history: a ref that a save
    # moved meanwhile is left out, or the bundle refused as empty. So the refs are read
    # once into a private repository that borrows the objects and holds still.
    refs = run(repo, ["for-each-ref", "--format=%(objectname) %(refname)"])[1]
    with tempfile.TemporaryDirectory(prefix="alliance-bundle-") as frozen:
        run(frozen, ["init", "--quiet", "--bare", "--initial-branch=main"])
        objects = os.path.join(os.path.abspath(repo), "objects")
        with open(os.path.join(frozen, "objects", "info", "alternates"), "w") as handle:
            handle.write(objects + "\n")
        with open(os.path.join(frozen, "packed-refs"), "wb") as handle:
            handle.write(refs)
        run(frozen, ["bundle", "create", "--quiet", out, "--all"])


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
        files += [manifest["exports"]] if "exports" in manifest else []
    except (KeyError, TypeError):
        raise BackupError(f"{MANIFEST} in {source} is incomplete") from None
    for entry in files:
        name = entry["file"]
        if os.path.basename(name) != name:
            raise BackupError(f"the manifest names a file outside the backup: {name}")
        path = os.path.join(source, name)
        if not os.path.isfile(path) or sha256_of(path) != entry["sha256"]:
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


def _is_sqlite():
    return db.engine.url.get_backend_name() == "sqlite"


def _check_dialect():
    url = db.engine.url
    if url.get_backend_name() not in ("sqlite", "postgresql") or (
            url.get_backend_name() == "sqlite" and not url.database):
        raise BackupError("backup and restore support an SQLite file or PostgreSQL only")


def _database_path():
    return os.path.abspath(db.engine.url.database)


def _has_database(path):
    return os.path.exists(path) and os.path.getsize(path) > 0


def _require_empty_folder(path, what):
    if os.path.exists(path) and (not os.path.isdir(path) or os.listdir(path)):
        raise BackupError(f"{what} {path} must be missing or empty")


