"""user administration: proposed user creations and role changes awaiting a second person's
approval (``user_changes``), and the one-time activation links with which a user sets his own
password (``user_activations``, the SHA-256 of the token only)

Revision ID: 0007_user_administration
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_user_administration"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "user_changes",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("previous_roles", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_why", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_changes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_changes")),
    )
    op.create_index("ix_user_changes_user", "user_changes", ["user_id", "status"], unique=False)
    op.create_table(
        "user_activations",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_activations_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_activations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_activations_token_hash")),
    )
    op.create_index("ix_user_activations_user", "user_activations", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_user_activations_user", table_name="user_activations")
    op.drop_table("user_activations")
    op.drop_index("ix_user_changes_user", table_name="user_changes")
    op.drop_table("user_changes")
