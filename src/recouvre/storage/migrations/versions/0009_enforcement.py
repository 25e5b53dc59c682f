"""enforcement titles: contraintes, payment injunctions and états de produits
(``enforcement_titles``) and the dated acts of each (``enforcement_title_acts``)

Revision ID: 0009_enforcement
Revises: 0008_idempotency
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_enforcement"
down_revision = "0008_idempotency"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "enforcement_titles",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("organism_id", ID, nullable=False),
        sa.Column("claim_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("drafted_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("signed_by", sa.String(length=64), nullable=True),
        sa.Column("mandate_id", sa.BigInteger(), nullable=True),
        sa.Column("served_on", sa.Date(), nullable=True),
        sa.Column("served_via", sa.String(length=24), nullable=True),
        sa.Column("opposition_until", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_enforcement_titles_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["organism_id"], ["organisms.id"], name=op.f("fk_enforcement_titles_organism_id_organisms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_titles")),
        sa.UniqueConstraint("key", name=op.f("uq_enforcement_titles_key")),
    )
    op.create_index("ix_enforcement_titles_claim", "enforcement_titles", ["claim_id", "drafted_on"])
    op.create_index("ix_enforcement_titles_queue", "enforcement_titles", ["organism_id", "status"])
    op.create_table(
        "enforcement_title_acts",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("title_id", ID, nullable=False),
        sa.Column("claim_id", ID, nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("act", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_enforcement_title_acts_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["title_id"],
            ["enforcement_titles.id"],
            name=op.f("fk_enforcement_title_acts_title_id_enforcement_titles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_title_acts")),
        sa.UniqueConstraint("key", name=op.f("uq_enforcement_title_acts_key")),
    )
    op.create_index("ix_enforcement_title_acts_title", "enforcement_title_acts", ["title_id", "occurred_on"])


def downgrade() -> None:
    op.drop_index("ix_enforcement_title_acts_title", table_name="enforcement_title_acts")
    op.drop_table("enforcement_title_acts")
    op.drop_index("ix_enforcement_titles_queue", table_name="enforcement_titles")
    op.drop_index("ix_enforcement_titles_claim", table_name="enforcement_titles")
    op.drop_table("enforcement_titles")
