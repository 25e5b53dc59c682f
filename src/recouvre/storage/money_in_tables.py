"""Tables of money in: each claim's payment reference, the bank credits received (matched or
waiting in the unmatched queue) and the debtors' SEPA direct-debit mandates. Migration
0012_money_in.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recouvre.storage.tables import Base, Id


class PaymentReferenceRow(Base):
    """A claim's ISO 11649 creditor reference, chosen once (``domain.money_in``), never changed."""

    __tablename__ = "payment_references"
    __table_args__ = (UniqueConstraint("organism_id", "reference", name="uq_payment_references_reference"),)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    reference: Mapped[str] = mapped_column(String(25))


class BankCreditRow(Base):
    """A credit line of a bank statement (or a scenario's ``bank_credit``), idempotent by the
    statement's and the entry's ids. ``status``: ``matched`` (booked on its claim by its
    reference), ``unmatched`` (in the accountant's queue), ``booked`` (booked by hand on a chosen
    claim) or ``returned`` (sent back to the payer)."""

    __tablename__ = "bank_credits"
    __table_args__ = (
        UniqueConstraint("organism_id", "statement_id", "entry_id", name="uq_bank_credits_entry"),
        Index("ix_bank_credits_status", "organism_id", "status", "booked_on"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    statement_id: Mapped[str] = mapped_column(String(120))
    entry_id: Mapped[str] = mapped_column(String(200))
    booked_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(140), default="")
    """The remittance information as received (the structured reference, else the free text)."""
    payer_name: Mapped[str] = mapped_column(String(140), default="")
    payer_iban: Mapped[str | None] = mapped_column(String(34))
    source: Mapped[str] = mapped_column(String(16))
    """``camt.053``, ``cfonb120``, ``scenario``, ``api``."""
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    """Why it is unmatched (French), or what was done with it."""
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    movement_key: Mapped[str | None] = mapped_column(String(200))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DebitMandateRow(Base):
    """A SEPA Core direct-debit mandate signed by a debtor (RUM, IBAN, signature date, paper or
    electronic). Not to be confused with ``mandates``, the director's delegations of power."""

    __tablename__ = "debit_mandates"
    __table_args__ = (
        UniqueConstraint("organism_id", "rum", name="uq_debit_mandates_rum"),
        Index("ix_debit_mandates_debtor", "debtor_id", "signed_on"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    rum: Mapped[str] = mapped_column(String(35))
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    signed_on: Mapped[date] = mapped_column(Date)
    form: Mapped[str] = mapped_column(String(16))
    """``paper`` or ``electronic`` (signed in the debtor's space)."""
    last_collected_on: Mapped[date | None] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class DebitNoticeRow(Base):
    """The pre-notification of one direct-debit collection (claim, due date, amount), sent to
    the debtor at least ``sepa.prenotification_days`` (policy, 14) days before the due date."""

    __tablename__ = "debit_notices"
    __table_args__ = (UniqueConstraint("claim_id", "due_on", name="uq_debit_notices_claim_due"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    mandate_id: Mapped[int] = mapped_column(ForeignKey("debit_mandates.id"))
    due_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    notified_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
