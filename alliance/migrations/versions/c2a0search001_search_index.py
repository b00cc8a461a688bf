"""search index and content (issue 4)

Revision ID: c2a0search001
Revises: c1a0review001
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "c2a0search001"
down_revision = "c1a0review001"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
