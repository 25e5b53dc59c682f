"""third party: claims transferred to the département or moved to another one
(``claim_transfers``), SATD notices received against a debtor's benefits (``satd_notices``) and
what each benefit payment owes the seizing creditor (``satd_payables``)

Revision ID: 0016_third_party
Revises: 0011_agencies
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_third_party"
down_revision = "0011_agencies"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "claim_transfers",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("organism_id", ID, nullable=False),
        sa.Column("claim_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("departement", sa.String(length=3), nullable=False),
        sa.Column("from_departement", sa.String(length=3), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("principal_cents", sa.BigInteger(), nullable=False),
        sa.Column("extras_cents", sa.BigInteger(), nullable=False),
        sa.Column("costs_cents", sa.BigInteger(), nullable=False),
        sa.Column("recovered_cents", sa.BigInteger(), nullable=False),
        sa.Column("balance_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_why", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organism_id"], ["organisms.id"], name=op.f("fk_claim_transfers_organism_id_organisms")
        ),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_claim_transfers_claim_id_claims")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_transfers")),
        sa.UniqueConstraint("key", name=op.f("uq_claim_transfers_key")),
    )
    op.create_index("ix_claim_transfers_claim", "claim_transfers", ["claim_id", "occurred_on"], unique=False)
    op.create_table(
        "satd_notices",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("organism_id", ID, nullable=False),
        sa.Column("debtor_id", ID, nullable=False),
        sa.Column("creditor", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("debt_kind", sa.String(length=16), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_why", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organism_id"], ["organisms.id"], name=op.f("fk_satd_notices_organism_id_organisms")
        ),
        sa.ForeignKeyConstraint(
            ["debtor_id"], ["debtors.id"], name=op.f("fk_satd_notices_debtor_id_debtors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satd_notices")),
        sa.UniqueConstraint("key", name=op.f("uq_satd_notices_key")),
    )
    op.create_index("ix_satd_notices_debtor", "satd_notices", ["debtor_id", "received_at"], unique=False)
    op.create_table(
        "satd_payables",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("notice_id", ID, nullable=False),
        sa.Column("debtor_id", ID, nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("benefit", sa.String(length=8), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["satd_notices.id"], name=op.f("fk_satd_payables_notice_id_satd_notices")
        ),
        sa.ForeignKeyConstraint(
            ["debtor_id"], ["debtors.id"], name=op.f("fk_satd_payables_debtor_id_debtors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satd_payables")),
        sa.UniqueConstraint("key", name=op.f("uq_satd_payables_key")),
    )
    op.create_index("ix_satd_payables_notice", "satd_payables", ["notice_id", "paid_on"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_satd_payables_notice", table_name="satd_payables")
    op.drop_table("satd_payables")
    op.drop_index("ix_satd_notices_debtor", table_name="satd_notices")
    op.drop_table("satd_notices")
    op.drop_index("ix_claim_transfers_claim", table_name="claim_transfers")
    op.drop_table("claim_transfers")
