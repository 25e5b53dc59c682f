"""Tables of delegated recovery: the collection agencies and bailiffs an organism works with
(their contracts as data), the commissions they earn on what they collect, and what they
report back on the files placed with them. Migration 0011_agencies.

A placement itself stays in ``placements`` (``back_office_tables.PlacementRow``), naming the
agency by its code; ``placements.recall_reason`` says why a placement ended (``manual``,
``settled``, ``suspended``, ``written_off``, ``prescribed``, ``remission``, ``contract_end``...).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recouvre.storage.tables import Base, Id


class AgencyRow(Base):
    """A collection agency (``amicable``) or a bailiff (``bailiff``) under contract with an organism.

    ``commission_rate`` is the default percent of what the agency collects (exact decimal text,
    e.g. ``"8.00"``); ``grid`` refines it by segment: a list of ``{min, max, min_age_days,
    max_age_days, debtor_kind, rate}`` (amounts in cents; a missing bound is open), the first
    matching segment wins."""

    __tablename__ = "agencies"
    __table_args__ = (Index("ix_agencies_code", "organism_id", "code", unique=True),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(16))
    commission_rate: Mapped[str] = mapped_column(String(16))
    grid: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    capacity: Mapped[int | None] = mapped_column(Integer)
    """How many files the agency may hold at once (``None``: no limit)."""
    contract_from: Mapped[date | None] = mapped_column(Date)
    contract_until: Mapped[date | None] = mapped_column(Date)
    """Last day of the contract (included); its files are recalled the day after."""
    first_reminder_days: Mapped[int | None] = mapped_column(Integer)
    """Service level: the first reminder is sent within this many days of receiving the file."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AgencyCommissionRow(Base):
    """The commission an agency earns on one payment it collected (rounded once, half up)."""

    __tablename__ = "agency_commissions"
    __table_args__ = (Index("ix_agency_commissions_agency", "agency_id", "booked_on"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"))
    movement_key: Mapped[str] = mapped_column(String(200), unique=True)
    booked_on: Mapped[date] = mapped_column(Date)
    collected_cents: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[str] = mapped_column(String(16))
    commission_cents: Mapped[int] = mapped_column(BigInteger)
    remitted: Mapped[bool] = mapped_column(default=True)
    """Whether the money collected reached the organism's account (bailiffs remit it later)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AgencyReportRow(Base):
    """What an agency reports on a file placed with it: a contact, a letter sent, an address
    update, an asset found, a payment-facility or write-off proposal, a bailiff's act.

    ``status``: ``recorded`` for plain facts; ``pending`` then ``approved`` or ``refused`` for
    what the organism decides (proposals)."""

    __tablename__ = "agency_reports"
    __table_args__ = (
        Index("ix_agency_reports_claim", "claim_id", "kind"),
        Index("ix_agency_reports_agency", "organism_id", "agency", "kind"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    agency: Mapped[str] = mapped_column(String(64))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    kind: Mapped[str] = mapped_column(String(32))
    reported_on: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="recorded")
    reported_by: Mapped[str] = mapped_column(String(64))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision_why: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
