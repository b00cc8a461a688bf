"""The full-text index of chapters: derived data kept by raw DDL, not an ORM model.

SQLite: an FTS5 table with the trigram tokenizer. PostgreSQL: a plain table with
pg_trgm GIN indexes on title and body, which serve ``LIKE '%phrase%'`` of any
length (phrases under three characters scan the index instead of using trigrams).
Either way the table is rebuilt from Git by ``alliance.manuscripts.search.reindex``, and is
created by the migration, and by ``create_all`` through the hooks below.
"""
from sqlalchemy import DDL, event

from ..extensions import db

TABLE = "chapter_search"
# Trigram tokens work for Chinese, which has no spaces between words.
CREATE = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
          "book_id UNINDEXED, chapter_key UNINDEXED, revision UNINDEXED, title, body, "
          "tokenize='trigram')")
DROP = f"DROP TABLE IF EXISTS {TABLE}"
# pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
CREATE_PG = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE TABLE IF NOT EXISTS {TABLE} (book_id INTEGER NOT NULL, "
    "chapter_key TEXT NOT NULL, revision TEXT NOT NULL, "
    "title TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (book_id, chapter_key))",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_title_trgm ON {TABLE} USING gin (title gin_trgm_ops)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_body_trgm ON {TABLE} USING gin (body gin_trgm_ops)",
)

event.listen(db.metadata, "after_create", DDL(CREATE).execute_if(dialect="sqlite"))
for _statement in CREATE_PG:
    event.listen(db.metadata, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
event.listen(db.metadata, "before_drop", DDL(DROP).execute_if(dialect=("sqlite", "postgresql")))


def include_name(name, type_, parent_names):
    """Alembic filter: the index and FTS5's shadow tables are not models to compare."""
    return not (type_ == "table" and (name == TABLE or name.startswith(TABLE + "_")))
