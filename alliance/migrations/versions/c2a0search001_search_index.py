"""search index and content (issue 4)

Revision ID: c2a0search001
Revises: c1a0review001
"""
from alembic import op
import sqlalchemy as sa  # noqa: F401

revision = "c2a0search001"
down_revision = "c1a0review001"
branch_labels = None
depends_on = None

# Kept literal (not imported from the app) so the migration never changes after the fact.
CREATE = ("CREATE VIRTUAL TABLE IF NOT EXISTS chapter_search USING fts5("
          "book_id UNINDEXED, chapter_key UNINDEXED, revision UNINDEXED, title, body, "
          "tokenize='trigram')")
# PostgreSQL: a plain table with pg_trgm GIN indexes, which serve LIKE '%phrase%'.
CREATE_PG = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TABLE IF NOT EXISTS chapter_search (book_id INTEGER NOT NULL, "
    "chapter_key TEXT NOT NULL, revision TEXT NOT NULL, "
    "title TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (book_id, chapter_key))",
    "CREATE INDEX IF NOT EXISTS chapter_search_title_trgm ON chapter_search "
    "USING gin (title gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS chapter_search_body_trgm ON chapter_search "
    "USING gin (body gin_trgm_ops)",
)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(CREATE)
    elif dialect == "postgresql":
        for statement in CREATE_PG:
            op.execute(statement)


def downgrade():
    # The extension stays: other objects of the database may use it.
    if op.get_bind().dialect.name in ("sqlite", "postgresql"):
        op.execute("DROP TABLE IF EXISTS chapter_search")
