"""git over http (issue 8)

Revision ID: c3a0githttp01
Revises: c2a0search001
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "c3a0githttp01"
down_revision = "c2a0search001"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
