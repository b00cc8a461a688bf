"""publishing agreements and deliveries (issue 7)

Revision ID: c5a0agree0001
Revises: c4a0exports001
"""
from alembic import op
import sqlalchemy as sa

revision = "c5a0agree0001"
down_revision = "c4a0exports001"
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade():
    op.create_table(
        "agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("publisher_id", sa.Integer(), nullable=False),
        sa.Column("status", _enum("agreementstatus", "draft", "signed", "fulfilled",
                                  "terminated"), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("scan_path", sa.String(length=300), nullable=True),
        sa.Column("scan_name", sa.String(length=200), nullable=True),
        sa.Column("scan_sha256", sa.String(length=64), nullable=True),
        sa.Column("scan_bytes", sa.BigInteger(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["publisher_id"], ["organization.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_table(
        "agreement_party",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreement.id"]),
        sa.ForeignKeyConstraint(["org_id"], ["organization.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agreement_id", "org_id"),
    )
    op.create_index("ix_agreement_party_agreement_id", "agreement_party", ["agreement_id"])
    op.create_index("ix_agreement_party_org_id", "agreement_party", ["org_id"])
    op.create_table(
        "agreement_book",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreement.id"]),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agreement_id", "book_id"),
    )
    op.create_index("ix_agreement_book_agreement_id", "agreement_book", ["agreement_id"])
    op.create_index("ix_agreement_book_book_id", "agreement_book", ["book_id"])
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("edition", sa.String(length=100), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("package_path", sa.String(length=500), nullable=True),
        sa.Column("package_sha256", sa.String(length=64), nullable=True),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("status", _enum("deliverystatus", "pending", "ready", "blocked", "failed"),
                  nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreement.id"]),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_delivery_agreement_id", "delivery", ["agreement_id"])
    op.create_index("ix_delivery_book_id", "delivery", ["book_id"])
    op.create_table(
        "deliverable",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("format", _enum("deliverableformat", "print_pdf", "screen_pdf", "epub",
                                  "docx"), nullable=False),
        sa.Column("profile", sa.String(length=32), nullable=True),
        sa.Column("isbn", sa.String(length=13), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreement.id"]),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"]),
        sa.ForeignKeyConstraint(["delivery_id"], ["delivery.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deliverable_agreement_id", "deliverable", ["agreement_id"])
    op.create_index("ix_deliverable_book_id", "deliverable", ["book_id"])


def downgrade():
    # Dropping a table drops its indexes with it (SQLite and PostgreSQL alike).
    for table in ("deliverable", "delivery", "agreement_book", "agreement_party", "agreement"):
        op.drop_table(table)
