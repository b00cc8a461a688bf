"""publishing agreements and deliveries (issue 7)

Revision ID: c5a0agree0001
Revises: c4a0exports001
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "c5a0agree0001"
down_revision = "c4a0exports001"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
