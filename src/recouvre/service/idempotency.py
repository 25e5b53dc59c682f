"""``Idempotency-Key``: a request sent again (a network failure, a client's retry) gets the first
answer back and changes nothing.

The first request with a (caller, key) inserts a row — the unique constraint makes it the only
one doing the act — and keeps its answer; a replay with the same request gets the kept answer; a
replay while the first is still being answered waits for it; the same key with another request
is refused (the client reused a key by mistake). An answer that is a server error is not kept:
the row is released and the client may try again. A row left unanswered by a process that died
is taken over after ``STALE`` (the acts beneath are idempotent themselves: a payment has its own
key, a plan is the same act the same day).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from recouvre.service.context import Services
from recouvre.storage.idempotency_tables import IdempotentRequestRow

STALE: Final = timedelta(minutes=2)
MAX_KEPT_BYTES: Final = 1_000_000


@dataclass(frozen=True)
class Kept:
    status: int
    content_type: str
    body: bytes


class KeyReused(Exception):
    """The key was first sent with another request."""


class StillRunning(Exception):
    """The first request with this key is still being answered."""


def caller_of(credentials: str) -> str:
    return hashlib.sha256(credentials.encode()).hexdigest()


def fingerprint_of(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def begin(services: Services, caller: str, key: str, fingerprint: str, now: datetime) -> Kept | None:
    """``None``: this request is the first, go ahead (then ``keep`` or ``release``); else the
    first request's answer. Raises ``StillRunning`` or ``KeyReused``."""
    try:
        with services.db.unit_of_work() as session:
            row = IdempotentRequestRow(caller=caller, key=key, fingerprint=fingerprint, received_at=now)
            row.content_type, row.body = "", b""
            session.add(row)
        return None
    except IntegrityError:
        pass
    with services.db.unit_of_work() as session:
        row = session.scalars(
            select(IdempotentRequestRow).where(
                IdempotentRequestRow.caller == caller, IdempotentRequestRow.key == key
            )
        ).one()
        if row.fingerprint != fingerprint:
            raise KeyReused(key)
        if row.status is not None:
            return Kept(row.status, row.content_type, row.body)
        received = row.received_at if row.received_at.tzinfo else row.received_at.replace(tzinfo=now.tzinfo)
        if now - received < STALE:
            raise StillRunning(key)
        taken = session.execute(
            update(IdempotentRequestRow)
            .where(IdempotentRequestRow.id == row.id, IdempotentRequestRow.status.is_(None))
            .where(IdempotentRequestRow.received_at == row.received_at)
            .values(received_at=now)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise StillRunning(key)
    return None


def keep(services: Services, caller: str, key: str, kept: Kept) -> None:
    """Keep the first request's answer (a body too large to keep is kept empty)."""
    body = kept.body if len(kept.body) <= MAX_KEPT_BYTES else b""
    with services.db.unit_of_work() as session:
        session.execute(
            update(IdempotentRequestRow)
            .where(IdempotentRequestRow.caller == caller, IdempotentRequestRow.key == key)
            .values(status=kept.status, content_type=kept.content_type[:100], body=body)
        )


def release(services: Services, caller: str, key: str) -> None:
    """Forget a request that was not answered (server error): the key may be sent again."""
    with services.db.unit_of_work() as session:
        session.execute(
            delete(IdempotentRequestRow).where(
                IdempotentRequestRow.caller == caller,
                IdempotentRequestRow.key == key,
                IdempotentRequestRow.status.is_(None),
            )
        )
