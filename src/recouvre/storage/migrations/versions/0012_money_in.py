"""money in: each claim's ISO 11649 payment reference (``payment_references``), the bank credits
received, matched or waiting in the unmatched queue (``bank_credits``), and the debtors' SEPA
direct-debit mandates (``debit_mandates``) and the pre-notifications of their collections
(``debit_notices``)

Revision ID: 0012_money_in
Revises: 0013_channels
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_money_in"
down_revision = "0013_channels"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "payment_references",
        sa.Column("claim_id", ID, nullable=False),
        sa.Column("organism_id", ID, nullable=False),
        sa.Column("reference", sa.String(length=25), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_payment_references_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["organism_id"], ["organisms.id"], name=op.f("fk_payment_references_organism_id_organisms")
        ),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_payment_references")),
        sa.UniqueConstraint("organism_id", "reference", name="uq_payment_references_reference"),
    )
    op.create_table(
        "bank_credits",
        sa.Column("id", ID, nullable=False),
        sa.Column("organism_id", ID, nullable=False),
        sa.Column("statement_id", sa.String(length=120), nullable=False),
        sa.Column("entry_id", sa.String(length=200), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=False),
        sa.Column("payer_name", sa.String(length=140), nullable=False),
        sa.Column("payer_iban", sa.String(length=34), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("claim_id", ID, nullable=True),
        sa.Column("movement_key", sa.String(length=200), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_bank_credits_claim_id_claims")),
        sa.ForeignKeyConstraint(
            ["organism_id"], ["organisms.id"], name=op.f("fk_bank_credits_organism_id_organisms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_credits")),
        sa.UniqueConstraint("organism_id", "statement_id", "entry_id", name="uq_bank_credits_entry"),
    )
    op.create_index(
        "ix_bank_credits_status", "bank_credits", ["organism_id", "status", "booked_on"], unique=False
    )
    op.create_table(
        "debit_mandates",
        sa.Column("id", ID, nullable=False),
        sa.Column("organism_id", ID, nullable=False),
        sa.Column("debtor_id", ID, nullable=False),
        sa.Column("rum", sa.String(length=35), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("form", sa.String(length=16), nullable=False),
        sa.Column("last_collected_on", sa.Date(), nullable=True),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["debtor_id"], ["debtors.id"], name=op.f("fk_debit_mandates_debtor_id_debtors")
        ),
        sa.ForeignKeyConstraint(
            ["organism_id"], ["organisms.id"], name=op.f("fk_debit_mandates_organism_id_organisms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debit_mandates")),
        sa.UniqueConstraint("organism_id", "rum", name="uq_debit_mandates_rum"),
    )
    op.create_index("ix_debit_mandates_debtor", "debit_mandates", ["debtor_id", "signed_on"], unique=False)
    op.create_table(
        "debit_notices",
        sa.Column("id", ID, nullable=False),
        sa.Column("organism_id", ID, nullable=False),
        sa.Column("claim_id", ID, nullable=False),
        sa.Column("mandate_id", ID, nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_debit_notices_claim_id_claims")),
        sa.ForeignKeyConstraint(
            ["mandate_id"], ["debit_mandates.id"], name=op.f("fk_debit_notices_mandate_id_debit_mandates")
        ),
        sa.ForeignKeyConstraint(
            ["organism_id"], ["organisms.id"], name=op.f("fk_debit_notices_organism_id_organisms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debit_notices")),
        sa.UniqueConstraint("claim_id", "due_on", name="uq_debit_notices_claim_due"),
    )


def downgrade() -> None:
    op.drop_table("debit_notices")
    op.drop_index("ix_debit_mandates_debtor", table_name="debit_mandates")
    op.drop_table("debit_mandates")
    op.drop_index("ix_bank_credits_status", table_name="bank_credits")
    op.drop_table("bank_credits")
    op.drop_table("payment_references")
