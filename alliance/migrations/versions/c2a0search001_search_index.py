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


def upgrade():
    # FTS5 is SQLite's; PostgreSQL will get its own index in a later migration.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(CREATE)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS chapter_search")
