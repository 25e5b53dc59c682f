"""Answers kept for requests sent with an ``Idempotency-Key`` (migration 0008).

One row per (caller, key): the request's fingerprint, then the answer once it is known. The
unique constraint is the lock: of two identical requests arriving together, one inserts the row
and does the act, the other finds it and waits for the answer (``recouvre.service.idempotency``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from recouvre.storage.tables import Base, Id


class IdempotentRequestRow(Base):
    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("caller", "key", name="uq_idempotent_requests_caller_key"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    caller: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the caller's credentials: a key is private to whoever sent it."""
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the method, path and body: the same key with another request is refused."""
    status: Mapped[int | None] = mapped_column(Integer)
    """``None`` while the first request is being answered."""
    content_type: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
