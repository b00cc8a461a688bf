"""review workflow (issue 5)

Revision ID: c1a0review001
Revises: 70afdfdd8ff2
"""
from alembic import op
import sqlalchemy as sa

revision = "c1a0review001"
down_revision = "70afdfdd8ff2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review_stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"]),
        sa.ForeignKeyConstraint(["reviewer_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("book_id", "position"),
    )
    op.create_table(
        "review_policy",
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("same_reviewer_allowed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"]),
        sa.PrimaryKeyConstraint("book_id"),
    )
    op.create_table(
        "transition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=False),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("stage_name", sa.String(length=100), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.String(length=40), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["chapter_id"], ["chapter.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_transition_chapter_id", "transition", ["chapter_id"])
    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.String(length=40), nullable=True),
        sa.Column("line_start", sa.Integer(), nullable=True),
        sa.Column("line_end", sa.Integer(), nullable=True),
        sa.Column("anchored_text", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["chapter_id"], ["chapter.id"]),
        sa.ForeignKeyConstraint(["parent_id"], ["comment.id"]),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_comment_chapter_id", "comment", ["chapter_id"])
    op.create_table(
        "reviewer_seen",
        sa.Column("chapter_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["chapter_id"], ["chapter.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("chapter_id", "user_id"),
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("chapter_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"]),
        sa.ForeignKeyConstraint(["chapter_id"], ["chapter.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notification_user_id", "notification", ["user_id"])


def downgrade():
    op.drop_index("ix_notification_user_id", table_name="notification")
    op.drop_table("notification")
    op.drop_table("reviewer_seen")
    op.drop_index("ix_comment_chapter_id", table_name="comment")
    op.drop_table("comment")
    op.drop_index("ix_transition_chapter_id", table_name="transition")
    op.drop_table("transition")
    op.drop_table("review_policy")
    op.drop_table("review_stage")
