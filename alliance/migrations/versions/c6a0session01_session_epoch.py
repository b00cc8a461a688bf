"""session epoch per user: logout, password changes and resets end every session (issue 16)

Revision ID: c6a0session01
Revises: c5a0agree0001
"""
from alembic import op
import sqlalchemy as sa

revision = "c6a0session01"
down_revision = "c5a0agree0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False,
                                   server_default="0"))


def downgrade():
    with op.batch_alter_table("user") as batch:
        batch.drop_column("session_epoch")
