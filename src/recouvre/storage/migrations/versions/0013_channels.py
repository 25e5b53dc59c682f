"""debtor channels: the debtor's own space (one-time sign-in codes, sessions, supporting
documents), consent to e-mail and SMS, the outbox of e-mails and text messages, and the phone
campaigns with their call lists

Revision ID: 0013_channels
Revises: 0016_third_party
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_channels"
down_revision = "0016_third_party"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STAMP = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "debtor_codes",
        sa.Column("id", ID, nullable=False),
        sa.Column("organism_id", ID, nullable=False),
        sa.Column("debtor_id", ID, nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("expires_at", STAMP, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", STAMP, nullable=True),
        _fk("debtor_codes", "organism_id", "organisms"),
        _fk("debtor_codes", "debtor_id", "debtors"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debtor_codes")),
    )
    op.create_index("ix_debtor_codes_debtor", "debtor_codes", ["debtor_id", "created_at"])
    op.create_table(
        "debtor_sessions",
        sa.Column("id", ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("organism_id", ID, nullable=False),
        sa.Column("debtor_id", ID, nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("expires_at", STAMP, nullable=False),
        sa.Column("revoked_at", STAMP, nullable=True),
        _fk("debtor_sessions", "organism_id", "organisms"),
        _fk("debtor_sessions", "debtor_id", "debtors"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debtor_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_debtor_sessions_token_hash")),
    )
    op.create_table(
        "debtor_documents",
        sa.Column("id", ID, nullable=False),
        sa.Column("organism_id", ID, nullable=False),
        sa.Column("debtor_id", ID, nullable=False),
        sa.Column("claim_id", ID, nullable=True),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", STAMP, nullable=False),
        _fk("debtor_documents", "organism_id", "organisms"),
        _fk("debtor_documents", "debtor_id", "debtors"),
        _fk("debtor_documents", "claim_id", "claims"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debtor_documents")),
    )
    op.create_index("ix_debtor_documents_debtor", "debtor_documents", ["debtor_id"])
    op.create_table(
        "channel_consents",
        sa.Column("id", ID, nullable=False),
        sa.Column("debtor_id", ID, nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", STAMP, nullable=False),
        _fk("channel_consents", "debtor_id", "debtors"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_consents")),
    )
    op.create_index("ix_channel_consents_debtor", "channel_consents", ["debtor_id", "channel"])
    op.create_table(
        "outbox_messages",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("organism_id", ID, nullable=False),
        sa.Column("debtor_id", ID, nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("letter_id", ID, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", STAMP, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("provider_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("sent_at", STAMP, nullable=True),
        _fk("outbox_messages", "organism_id", "organisms"),
        _fk("outbox_messages", "debtor_id", "debtors"),
        _fk("outbox_messages", "letter_id", "letters"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_messages_key")),
    )
    op.create_index("ix_outbox_messages_status", "outbox_messages", ["status", "next_attempt_at"])
    op.create_table(
        "campaigns",
        sa.Column("id", ID, nullable=False),
        sa.Column("organism_id", ID, nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        _fk("campaigns", "organism_id", "organisms"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_table(
        "campaign_targets",
        sa.Column("id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("debtor_id", ID, nullable=False),
        sa.Column("claim_id", ID, nullable=False),
        sa.Column("triggered_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("called_on", sa.Date(), nullable=True),
        sa.Column("called_by", sa.String(length=100), nullable=True),
        sa.Column("callback_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        _fk("campaign_targets", "campaign_id", "campaigns"),
        _fk("campaign_targets", "debtor_id", "debtors"),
        _fk("campaign_targets", "claim_id", "claims"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_targets")),
    )
    op.create_index("ix_campaign_targets_campaign", "campaign_targets", ["campaign_id", "status"])
    op.create_index(
        "uq_campaign_targets_campaign_debtor", "campaign_targets", ["campaign_id", "debtor_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_campaign_targets_campaign_debtor", table_name="campaign_targets")
    op.drop_index("ix_campaign_targets_campaign", table_name="campaign_targets")
    op.drop_table("campaign_targets")
    op.drop_table("campaigns")
    op.drop_index("ix_outbox_messages_status", table_name="outbox_messages")
    op.drop_table("outbox_messages")
    op.drop_index("ix_channel_consents_debtor", table_name="channel_consents")
    op.drop_table("channel_consents")
    op.drop_index("ix_debtor_documents_debtor", table_name="debtor_documents")
    op.drop_table("debtor_documents")
    op.drop_table("debtor_sessions")
    op.drop_index("ix_debtor_codes_debtor", table_name="debtor_codes")
    op.drop_table("debtor_codes")
