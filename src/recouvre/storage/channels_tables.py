"""Tables of the debtor channels: the debtor's own space (one-time sign-in codes, sessions,
uploaded supporting documents), consent to e-mail and SMS per debtor, and the outbox of e-mails
and text messages. Migration 0013_channels.

Secrets are never stored: a one-time code is kept as the SHA-256 of a random salt and the code,
a debtor session as the SHA-256 of a random 256-bit token. A sign-in code is never written in
the outbox: its message is sent at once and recorded with the code masked.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recouvre.storage.tables import Base, Id


class DebtorCodeRow(Base):
    """A one-time sign-in code sent to a debtor (e-mail or SMS): expiring, a few attempts, used once."""

    __tablename__ = "debtor_codes"
    __table_args__ = (Index("ix_debtor_codes_debtor", "debtor_id", "created_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    channel: Mapped[str] = mapped_column(String(8))
    salt: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DebtorSessionRow(Base):
    """A debtor's session in their own space (never a staff session): the token's SHA-256 only."""

    __tablename__ = "debtor_sessions"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DebtorDocumentRow(Base):
    """A supporting document the debtor uploaded (a remission request, an appeal)."""

    __tablename__ = "debtor_documents"
    __table_args__ = (Index("ix_debtor_documents_debtor", "debtor_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    purpose: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChannelConsentRow(Base):
    """A debtor's consent (or its withdrawal) to a channel, dated, with its source; the latest wins."""

    __tablename__ = "channel_consents"
    __table_args__ = (Index("ix_channel_consents_debtor", "debtor_id", "channel"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    channel: Mapped[str] = mapped_column(String(8))
    granted: Mapped[bool] = mapped_column()
    given_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(64))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxMessageRow(Base):
    """An e-mail or a text message to a debtor, with its delivery status and its retries."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    channel: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
    provider_id: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CampaignRow(Base):
    """A phone campaign (télérecouvrement) at one of the four triggers, over a period."""

    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    trigger: Mapped[str] = mapped_column(String(32))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CampaignTargetRow(Base):
    """A line of a campaign's call list: a debtor (and the claim that triggered the call), and
    what became of the call: outcome, promise, callback."""

    __tablename__ = "campaign_targets"
    __table_args__ = (
        Index("ix_campaign_targets_campaign", "campaign_id", "status"),
        Index("uq_campaign_targets_campaign_debtor", "campaign_id", "debtor_id", unique=True),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    triggered_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(32))
    reached: Mapped[bool] = mapped_column(default=False)
    called_on: Mapped[date | None] = mapped_column(Date)
    called_by: Mapped[str | None] = mapped_column(String(100))
    callback_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
