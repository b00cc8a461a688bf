"""export jobs and editions (issue 6)

Revision ID: c4a0exports001
Revises: c3a0githttp01
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "c4a0exports001"
down_revision = "c3a0githttp01"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
