"""export jobs and editions (issue 6)

Revision ID: c4a0exports001
Revises: c3a0githttp01
"""
from alembic import op
import sqlalchemy as sa

revision = "c4a0exports001"
down_revision = "c3a0githttp01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "export_job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("formats", sa.JSON(), nullable=False),
        sa.Column("rev", sa.String(length=40), nullable=True),
        sa.Column("commit", sa.String(length=40), nullable=False),
        sa.Column("profile", sa.String(length=32), nullable=False),
        sa.Column("proof", sa.Boolean(), nullable=False),
        sa.Column("state", sa.Enum("queued", "running", "done", "failed", name="jobstate",
                                   native_enum=False, length=32), nullable=False),
        sa.Column("progress", sa.Double(), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("artifacts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_export_job_book_id", "export_job", ["book_id"])
    op.create_table(
        "edition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("commit", sa.String(length=40), nullable=False),
        sa.Column("tag", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["job_id"], ["export_job.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("book_id", "label"),
    )


def downgrade():
    op.drop_table("edition")
    op.drop_index("ix_export_job_book_id", table_name="export_job")
    op.drop_table("export_job")
