"""Tables of recovery on behalf of a third party (procedure 10) and of the SATD received.

* ``claim_transfers``: an RSA claim handed over to the département (``kind = transfer``: the
  claim leaves the organism, status ``transferred``) or its département changed when the debtor
  moved (``kind = move``), with the figures handed over (RULES.md §9, R-TIERS-1).
* ``satd_notices``: a saisie administrative à tiers détenteur received from a public accountant
  against a debtor's benefits (RULES.md §2.5, R-TIERS-2), with its receipt timestamp (ranking).
* ``satd_payables``: what is owed to the seizing creditor out of one benefit payment, payable
  within 30 days (LPF L262).

Money in integer cents. Migration 0016_third_party.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recouvre.storage.tables import Base, Id


class ClaimTransferRow(Base):
    __tablename__ = "claim_transfers"
    __table_args__ = (Index("ix_claim_transfers_claim", "claim_id", "occurred_on"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    kind: Mapped[str] = mapped_column(String(16))
    departement: Mapped[str] = mapped_column(String(3))
    from_departement: Mapped[str | None] = mapped_column(String(3))
    occurred_on: Mapped[date] = mapped_column(Date)
    principal_cents: Mapped[int] = mapped_column(BigInteger)
    extras_cents: Mapped[int] = mapped_column(BigInteger)
    costs_cents: Mapped[int] = mapped_column(BigInteger)
    recovered_cents: Mapped[int] = mapped_column(BigInteger)
    balance_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    recorded_why: Mapped[str] = mapped_column(Text, default="")


class SatdNoticeRow(Base):
    __tablename__ = "satd_notices"
    __table_args__ = (Index("ix_satd_notices_debtor", "debtor_id", "received_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    creditor: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(64))
    debt_kind: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[date] = mapped_column(Date)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="active")
    released_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    recorded_why: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class SatdPayableRow(Base):
    __tablename__ = "satd_payables"
    __table_args__ = (Index("ix_satd_payables_notice", "notice_id", "paid_on"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("satd_notices.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    paid_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    benefit: Mapped[str] = mapped_column(String(8))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="due")
    settled_on: Mapped[date | None] = mapped_column(Date)
