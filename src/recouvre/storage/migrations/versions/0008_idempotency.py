"""idempotency keys: the answer kept for each (caller, Idempotency-Key) of the API

Revision ID: 0008_idempotency
Revises: 0007_user_administration
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_idempotency"
down_revision = "0007_user_administration"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "idempotent_requests",
        sa.Column("id", ID, nullable=False),
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotent_requests")),
        sa.UniqueConstraint("caller", "key", name="uq_idempotent_requests_caller_key"),
    )


def downgrade() -> None:
    op.drop_table("idempotent_requests")
