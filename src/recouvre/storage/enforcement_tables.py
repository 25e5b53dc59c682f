"""Tables of the enforcement titles (PM241 procedures 6 and 7, the CNSS's état de produits).

``enforcement_titles``: one row per title (a contrainte, a payment injunction, an état de
produits) of a claim, with its summary (kind, the amount it carries, who signed it and under
which mandate, the service date and the end of the opposition window). ``enforcement_title_acts``:
the dated history of each title (drafted, issued, filed, granted, served, opposed, hearing,
decided, annulled), from which its state at any date is derived
(``recouvre.domain.enforcement.state_on``). Money in integer cents. Migration 0009_enforcement.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from recouvre.storage.tables import Base, Id


class EnforcementTitleRow(Base):
    """One enforcement title of a claim and its summary (the acts are its history)."""

    __tablename__ = "enforcement_titles"
    __table_args__ = (
        Index("ix_enforcement_titles_claim", "claim_id", "drafted_on"),
        Index("ix_enforcement_titles_queue", "organism_id", "status"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))
    """The state after the last act recorded (the window's end is applied when read)."""
    drafted_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    """The balance the title carries (at signature, or at filing for an injunction)."""
    signed_on: Mapped[date | None] = mapped_column(Date)
    signed_by: Mapped[str | None] = mapped_column(String(64))
    mandate_id: Mapped[int | None] = mapped_column(BigInteger)
    """The ``sign_enforcement_titles`` (or ``file_payment_injunctions``) mandate the signer acted
    under; ``None`` when the director signed on his own power."""
    served_on: Mapped[date | None] = mapped_column(Date)
    served_via: Mapped[str | None] = mapped_column(String(24))
    opposition_until: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class EnforcementTitleActRow(Base):
    """One dated act on a title: its history, read to derive its state at any date."""

    __tablename__ = "enforcement_title_acts"
    __table_args__ = (Index("ix_enforcement_title_acts_title", "title_id", "occurred_on"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("enforcement_titles.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    occurred_on: Mapped[date] = mapped_column(Date)
    act: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))
    recorded_by: Mapped[str] = mapped_column(String(64), default="")
    why: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
