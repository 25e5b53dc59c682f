"""The job queue's staging table: a payment run's batches, written when the run is queued, read
by the workers (a job carries only the batch's id). Migration 0018_job_queue (both engines; the
queue itself, procrastinate's tables, on PostgreSQL only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from recouvre.storage.tables import Base, Id


class QueuedPaymentBatchRow(Base):
    """One batch of a payment run queued for the workers: its debtors' payments (what the file
    said), and, once a worker has withheld on it, the debtors booked by that worker (the others
    were booked by an earlier run). Deleted when the run that queued it has its outcomes."""

    __tablename__ = "queued_payment_batches"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    organism_id: Mapped[int] = mapped_column(ForeignKey("organisms.id"))
    run_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    payments: Mapped[list[Any]] = mapped_column(JSON)
    fresh: Mapped[list[str] | None] = mapped_column(JSON)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
