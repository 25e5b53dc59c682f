"""Tables of the claim-life procedures: remission cases, appeals, over-indebtedness files.

Money in integer cents (BIGINT); rates in hundredths of a percent (``*_rate_bp``: 7500 is
75 %), so that no float and no NUMERIC round-trip is involved. Who recorded a row and why
(``recorded_by``, ``recorded_why``) are kept with it for the audit trail. Migration 0003.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recouvre.storage.tables import Base, Id


class RemissionCaseRow(Base):
    """A remission request (or the automatic child-death case) and its decision (procedure 15)."""

    __tablename__ = "remission_cases"
    __table_args__ = (
        Index("ix_remission_cases_claim", "claim_id", "requested_on"),
        Index("ix_remission_cases_queue", "organism_id", "status", "route"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    requested_on: Mapped[date] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(32), default="")
    trace: Mapped[str] = mapped_column(Text, default="")
    route: Mapped[str] = mapped_column(String(16))
    balance_cents: Mapped[int] = mapped_column(BigInteger)
    proposed_rate_bp: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_rate_bp: Mapped[int | None] = mapped_column(Integer)
    authority: Mapped[str] = mapped_column(String(32), default="")
    reasons: Mapped[str] = mapped_column(Text, default="")
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    recorded_why: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class AppealRow(Base):
    """An appeal on a claim (PM242): amicable (board) or court, by the debtor or the organism."""

    __tablename__ = "appeals"
    __table_args__ = (Index("ix_appeals_claim", "claim_id", "filed_on"), Index("ix_appeals_status", "status"))
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    stage: Mapped[str] = mapped_column(String(16))
    filed_by: Mapped[str] = mapped_column(String(16), default="debtor")
    filed_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(24), default="pending")
    filing_deadline: Mapped[date | None] = mapped_column(Date)
    implicit_rejection_on: Mapped[date | None] = mapped_column(Date)
    court_deadline: Mapped[date | None] = mapped_column(Date)
    suspends: Mapped[bool] = mapped_column(default=False)
    decided_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(16))
    new_principal_cents: Mapped[int | None] = mapped_column(BigInteger)
    contests_id: Mapped[int | None] = mapped_column(ForeignKey("appeals.id"))
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    recorded_why: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class OverIndebtednessFileRow(Base):
    """A debtor's over-indebtedness file (procedures 16-19), from admissibility to its end."""

    __tablename__ = "over_indebtedness_files"
    __table_args__ = (Index("ix_over_indebtedness_files_debtor", "debtor_id", "admissible_on"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    admissible_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="admissible")
    commission: Mapped[str] = mapped_column(String(200), default="")
    procedure_ref: Mapped[str] = mapped_column(String(64), default="")
    plan_on: Mapped[date | None] = mapped_column(Date)
    monthly_cents: Mapped[int | None] = mapped_column(BigInteger)
    contested_on: Mapped[date | None] = mapped_column(Date)
    contest_deadline: Mapped[date | None] = mapped_column(Date)
    discharged_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    recorded_why: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
