"""pushed commits: who pushed a commit written by someone else (issue 16)

Revision ID: c7a0pushed001
Revises: c6a0session01
"""
from alembic import op
import sqlalchemy as sa

revision = "c7a0pushed001"
down_revision = "c6a0session01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pushed_commit",
        sa.Column("book_id", sa.Integer(), sa.ForeignKey("book.id"), primary_key=True),
        sa.Column("revision", sa.String(length=40), primary_key=True),
        sa.Column("pusher_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
    )


def downgrade():
    op.drop_table("pushed_commit")
