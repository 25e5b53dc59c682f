"""The database schema. Money in integer cents (BIGINT), dates as DATE.

``movements`` is append-only: migrations install triggers that refuse UPDATE and
DELETE on it (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identities.
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class OrganismRow(Base):
    __tablename__ = "organisms"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(200), default="")


class DebtorRow(Base):
    __tablename__ = "debtors"
    __table_args__ = (UniqueConstraint("organism_id", "ref", name="uq_debtors_organism_ref"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    ref: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200), default="")
    nir: Mapped[str | None] = mapped_column(String(15), index=True)
    siren: Mapped[str | None] = mapped_column(String(9), index=True)
    siret: Mapped[str | None] = mapped_column(String(14))
    ice: Mapped[str | None] = mapped_column(String(15))
    iban: Mapped[str | None] = mapped_column(String(34))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(Text)
    receives_benefits: Mapped[bool] = mapped_column(default=False)


class DebtorQuotientRow(Base):
    __tablename__ = "debtor_quotients"
    __table_args__ = (UniqueConstraint("debtor_id", "valid_from", name="uq_debtor_quotients_debtor_from"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    valid_from: Mapped[date] = mapped_column(Date)
    value_cents: Mapped[int] = mapped_column(BigInteger)


class ClaimRow(Base):
    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("organism_id", "ref", name="uq_claims_organism_ref"),
        Index("ix_claims_debtor", "debtor_id"),
        Index("ix_claims_organism_debtor", "organism_id", "debtor_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    ref: Mapped[str] = mapped_column(String(64))
    benefit: Mapped[str] = mapped_column(String(8))
    creditor: Mapped[str] = mapped_column(String(16))
    responsibility: Mapped[str] = mapped_column(String(24))
    established_on: Mapped[date] = mapped_column(Date)
    notified_on: Mapped[date | None] = mapped_column(Date)
    detected_on: Mapped[date] = mapped_column(Date)
    principal_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")


class ClaimLineRow(Base):
    __tablename__ = "claim_lines"
    __table_args__ = (UniqueConstraint("claim_id", "line_no", name="uq_claim_lines_claim_no"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class MovementRow(Base):
    __tablename__ = "movements"
    __table_args__ = (
        UniqueConstraint("claim_id", "sequence", name="uq_movements_claim_sequence"),
        Index("ix_movements_booked_on", "booked_on"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    signed_cents: Mapped[int] = mapped_column(BigInteger)
    booked_on: Mapped[date] = mapped_column(Date)
    reverses_key: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClaimEventRow(Base):
    """Dated facts of a claim's procedures that are not money: phase changes, suspensions."""

    __tablename__ = "claim_events"
    __table_args__ = (Index("ix_claim_events_claim", "claim_id", "occurred_on"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    occurred_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class RefusalRow(Base):
    """An event the rules refused: nothing else changed, the reason is kept."""

    __tablename__ = "refusals"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    occurred_on: Mapped[date] = mapped_column(Date)
    event: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)


class ImportRow(Base):
    """Each imported file, by content hash: a second import of the same file books nothing."""

    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(Text)
    rows: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# Recovery engine (PM241 procedures 2-5 and 8) ----------------------------------------------------


class LetterRow(Base):
    """A letter decided by a procedure: one per debtor, type and cycle (``key``)."""

    __tablename__ = "letters"
    __table_args__ = (
        Index("ix_letters_debtor", "debtor_id", "issued_on"),
        Index("ix_letters_status", "organism_id", "status"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    type: Mapped[str] = mapped_column(String(32))
    issued_on: Mapped[date] = mapped_column(Date)
    cycle: Mapped[str | None] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(16), default="generated")
    status_on: Mapped[date | None] = mapped_column(Date)
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class LetterClaimRow(Base):
    __tablename__ = "letter_claims"
    __table_args__ = (Index("ix_letter_claims_claim", "claim_id"),)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id"), primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True)


class TaskRow(Base):
    """Work for people (a queue item): a phone call, a review before enforcement… ``open``, then
    ``done``: closed by a person with an outcome, or by ``system`` when its claim ended."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_queue", "organism_id", "status", "type"),
        Index("ix_tasks_claim", "claim_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    type: Mapped[str] = mapped_column(String(32))
    created_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    assignee: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    close_reason: Mapped[str | None] = mapped_column(String(32))
    """Why the task was closed without a person's outcome: the claim it was for ended
    (``service.queues.CLOSE_REASONS``); ``None`` for a task closed by a person (outcome in ``data``)."""


class PlanRow(Base):
    """An instalment plan on a claim: ``monthly`` due each month from ``first_due``."""

    __tablename__ = "plans"
    __table_args__ = (Index("ix_plans_claim", "claim_id", "status"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    agreed_on: Mapped[date] = mapped_column(Date)
    first_due: Mapped[date] = mapped_column(Date)
    monthly_cents: Mapped[int] = mapped_column(BigInteger)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="active")
    ended_on: Mapped[date | None] = mapped_column(Date)
    origin: Mapped[str] = mapped_column(String(24), default="agreed")
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class BenefitPaymentRow(Base):
    """A debtor's benefit payment run and what was withheld from it, with the explanation."""

    __tablename__ = "benefit_payments"
    __table_args__ = (Index("ix_benefit_payments_debtor", "debtor_id", "paid_on"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    run_id: Mapped[str] = mapped_column(String(64))
    paid_on: Mapped[date] = mapped_column(Date)
    gross_cents: Mapped[int] = mapped_column(BigInteger)
    withheld_cents: Mapped[int] = mapped_column(BigInteger)
    prp_withheld_cents: Mapped[int] = mapped_column(BigInteger)
    net_cents: Mapped[int] = mapped_column(BigInteger)
    explanation: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class ClaimStateRow(Base):
    """Where a claim stands in its recovery procedure; written by the monthly cycle and the
    adjusting commands in the same transaction as the events it summarises."""

    __tablename__ = "claim_state"
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True)
    recovery_mode: Mapped[str] = mapped_column(String(16), default="payment")
    phase: Mapped[str] = mapped_column(String(16), default="amicable")
    step: Mapped[str | None] = mapped_column(String(32))
    step_on: Mapped[date | None] = mapped_column(Date)
    step_offset: Mapped[int] = mapped_column(Integer, default=0)
    episode_since: Mapped[date | None] = mapped_column(Date)
    notice_deadline: Mapped[date | None] = mapped_column(Date)
    last_cured_on: Mapped[date | None] = mapped_column(Date)
    suspended_reason: Mapped[str | None] = mapped_column(String(32))
    suspended_until: Mapped[date | None] = mapped_column(Date)


class CycleRunRow(Base):
    """One monthly cycle of one organism, cut into shards of ``shard_debtors`` debtor ids from
    ``first_debtor`` to ``last_debtor`` (fixed when the run starts, so that a resumed run cuts
    the same shards); ``shards_done`` counts the finished ones, for progress."""

    __tablename__ = "cycle_runs"
    __table_args__ = (UniqueConstraint("organism_id", "month", name="uq_cycle_runs_organism_month"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    month: Mapped[str] = mapped_column(String(7))
    run_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="running")
    shards_done: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    first_debtor: Mapped[int | None] = mapped_column(Id)
    last_debtor: Mapped[int | None] = mapped_column(Id)
    shard_debtors: Mapped[int | None] = mapped_column(Integer)


class CycleShardRow(Base):
    """A shard of a monthly cycle that is finished: written in the shard's own transaction, so a
    killed run resumes with exactly the shards that have no row."""

    __tablename__ = "cycle_shards"
    __table_args__ = (
        UniqueConstraint("cycle_run_id", "first_debtor", name="uq_cycle_shards_run_first_debtor"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    cycle_run_id: Mapped[int] = mapped_column(ForeignKey("cycle_runs.id"))
    first_debtor: Mapped[int] = mapped_column(Id)
    claims: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """What the shard wrote (steps, cures, letters and tasks by type, surcharges): the run's summary
    is their sum, exact after a restart."""


class WithholdingOverrideRow(Base):
    """A withholding amount set for a debtor by a case worker (procedure 8), instead of the scale."""

    __tablename__ = "withholding_overrides"
    __table_args__ = (Index("ix_withholding_overrides_debtor", "debtor_id", "valid_from"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtors.id"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    monthly_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(64), default="")


# Tables of later procedure families live in their own modules; importing them here registers
# them on ``Base.metadata`` for Alembic and for every user of this module.
from recouvre.storage import agency_tables as agency_tables  # noqa: E402
from recouvre.storage import back_office_tables as back_office_tables  # noqa: E402
from recouvre.storage import channels_tables as channels_tables  # noqa: E402
from recouvre.storage import claim_life_tables as claim_life_tables  # noqa: E402
from recouvre.storage import enforcement_tables as enforcement_tables  # noqa: E402
from recouvre.storage import idempotency_tables as idempotency_tables  # noqa: E402
from recouvre.storage import job_queue_tables as job_queue_tables  # noqa: E402
from recouvre.storage import money_in_tables as money_in_tables  # noqa: E402
from recouvre.storage import third_party_tables as third_party_tables  # noqa: E402
