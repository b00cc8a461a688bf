"""A database's rows to and from an SQLite file, through SQLAlchemy: the portable backup.

``dump`` writes every table of the models (and alembic_version) from any database
into a new SQLite file shaped like an Alliance home's own alliance.db, reading
inside one REPEATABLE READ transaction so the copy is one consistent snapshot.
``load`` puts such a file's rows into an empty PostgreSQL database, migrating it
first, and sets the id sequences past the loaded ids. The search index is not
copied: restore rebuilds it from Git.
"""
import sqlalchemy as sa

from ..errors import DomainError

BATCH = 1000
VERSION_TABLE = "alembic_version"


class SchemaMismatch(DomainError):
    """The backup's schema version is not this database's: its rows cannot be loaded as they are."""

    code = "backup"
    status = 400


def dump(engine, metadata, path):
    """Copy every model table of ``engine`` into a new SQLite file at ``path``."""
    target = sa.create_engine(f"sqlite:///{path}", poolclass=sa.pool.NullPool)
    try:
        metadata.create_all(target)
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as source, \
                source.begin(), target.begin() as out:
            versions = _versions(source)
            out.execute(sa.text(f"CREATE TABLE {VERSION_TABLE} "
                                "(version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
            for version in versions:
                out.execute(sa.text(f"INSERT INTO {VERSION_TABLE} VALUES (:v)"), {"v": version})
            for table in metadata.sorted_tables:
                _copy(source, out, table)
    finally:
        target.dispose()


def has_rows(engine, metadata):
    """Return True when any model table of ``engine`` exists and holds a row."""
    with engine.connect() as conn:
        existing = set(sa.inspect(conn).get_table_names())
        return any(conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first()
                   for table in metadata.sorted_tables if table.name in existing)


def load(engine, session, metadata, path, migrate):
    """Load the rows of the SQLite file ``path`` through ``session`` into ``engine``'s database.

    ``migrate()`` brings the database to the current schema first. Refuses a file
    whose schema version differs. The rows are flushed in the session's
    transaction: the caller commits, or rolls back and nothing was loaded.
    """
    migrate()
    source = sa.create_engine(f"sqlite:///{path}", poolclass=sa.pool.NullPool)
    try:
        with source.connect() as conn:
            theirs = _versions(conn)
            with engine.connect() as mine:
                ours = _versions(mine)
            if theirs != ours:
                raise SchemaMismatch(
                    f"the backup's schema version {', '.join(theirs) or 'none'} is not this "
                    f"database's {', '.join(ours) or 'none'}: restore it into an SQLite home "
                    "with the Alliance version that wrote it, run `alliance init`, and back "
                    "that up again")
            out = session.connection()
            for table in metadata.sorted_tables:
                _copy(conn, out, table)
            for table in metadata.sorted_tables:
                _advance_sequence(out, table)
    finally:
        source.dispose()
    session.flush()


def _versions(conn):
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return []
    return sorted(conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def _copy(source, target, table):
    result = source.execute(sa.select(table)).mappings()
    while batch := result.fetchmany(BATCH):
        target.execute(table.insert(), [dict(row) for row in batch])


def _advance_sequence(conn, table):
    """After explicit ids were inserted, make the next generated id follow the largest."""
    keys = list(table.primary_key.columns)
    if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer) or keys[0].autoincrement is False:
        return
    column = keys[0].name
    sequence = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                            {"t": f'"{table.name}"', "c": column}).scalar()
    if sequence:
        conn.execute(sa.text(f'SELECT setval(:s, COALESCE(MAX("{column}"), 1), '
                             f'MAX("{column}") IS NOT NULL) FROM "{table.name}"'),
                     {"s": sequence})
