"""review workflow (issue 5)

Revision ID: c1a0review001
Revises: 70afdfdd8ff2
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "c1a0review001"
down_revision = "70afdfdd8ff2"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
