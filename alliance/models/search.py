"""The full-text index of chapters: an SQLite FTS5 table, not an ORM model.

The table is derived data (``alliance.search.reindex`` rebuilds it from Git),
so it is created by raw DDL: by the migration, and by ``create_all`` through
the hook below. PostgreSQL gets its own index later; there it does not exist.
"""
from sqlalchemy import DDL, event

from ..extensions import db

TABLE = "chapter_search"
# Trigram tokens work for Chinese, which has no spaces between words.
CREATE = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
          "book_id UNINDEXED, chapter_key UNINDEXED, revision UNINDEXED, title, body, "
          "tokenize='trigram')")
DROP = f"DROP TABLE IF EXISTS {TABLE}"

event.listen(db.metadata, "after_create", DDL(CREATE).execute_if(dialect="sqlite"))
event.listen(db.metadata, "before_drop", DDL(DROP).execute_if(dialect="sqlite"))


def include_name(name, type_, parent_names):
    """Alembic filter: the index and FTS5's shadow tables are not models to compare."""
    return not (type_ == "table" and (name == TABLE or name.startswith(TABLE + "_")))
