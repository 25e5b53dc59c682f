"""The outbox's reads and writes over ``letters`` and ``letter_claims`` (used by the service).

Set-based: a batch reads its letters in one query per chunk and writes their new statuses with
one executemany, never a row at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from recouvre.storage.repository import chunks
from recouvre.storage.tables import ClaimRow, DebtorRow, LetterClaimRow, LetterRow, OrganismRow


@dataclass(frozen=True)
class OutboxEntry:
    """A letter as the outbox lists it (no personal identifier)."""

    id: int
    key: str
    type: str
    debtor_ref: str
    debtor_name: str
    issued_on: date
    status: str
    status_on: date | None
    claim_refs: tuple[str, ...]


def claim_refs(session: Session, letter_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    for part in chunks(sorted(set(letter_ids))):
        query = (
            select(LetterClaimRow.letter_id, ClaimRow.ref)
            .join(ClaimRow, ClaimRow.id == LetterClaimRow.claim_id)
            .where(LetterClaimRow.letter_id.in_(part))
            .order_by(LetterClaimRow.letter_id, ClaimRow.ref)
        )
        for letter_id, ref in session.execute(query):
            found.setdefault(letter_id, []).append(ref)
    return {letter_id: tuple(refs) for letter_id, refs in found.items()}


def outbox(
    session: Session,
    organism_id: int,
    *,
    status: str | None = None,
    type: str | None = None,
    issued_on: date | None = None,
    limit: int | None = None,
) -> list[OutboxEntry]:
    query = (
        select(
            LetterRow.id,
            LetterRow.key,
            LetterRow.type,
            DebtorRow.ref,
            DebtorRow.name,
            LetterRow.issued_on,
            LetterRow.status,
            LetterRow.status_on,
        )
        .join(DebtorRow, DebtorRow.id == LetterRow.debtor_id)
        .where(LetterRow.organism_id == organism_id)
        .order_by(LetterRow.issued_on, LetterRow.id)
    )
    if status is not None:
        query = query.where(LetterRow.status == status)
    if type is not None:
        query = query.where(LetterRow.type == type)
    if issued_on is not None:
        query = query.where(LetterRow.issued_on == issued_on)
    if limit is not None:
        query = query.limit(limit)
    rows = list(session.execute(query))
    refs = claim_refs(session, [row.id for row in rows])
    return [
        OutboxEntry(
            id=row.id,
            key=row.key,
            type=row.type,
            debtor_ref=row.ref,
            debtor_name=row.name,
            issued_on=row.issued_on,
            status=row.status,
            status_on=row.status_on,
            claim_refs=refs.get(row.id, ()),
        )
        for row in rows
    ]


def to_print(
    session: Session, organism_id: int, on: date, status: str, type: str | None
) -> list[tuple[int, str]]:
    """(id, type) of the letters with ``status`` issued on or before ``on``, in id order."""
    query = (
        select(LetterRow.id, LetterRow.type)
        .where(
            LetterRow.organism_id == organism_id,
            LetterRow.status == status,
            LetterRow.issued_on <= on,
        )
        .order_by(LetterRow.id)
    )
    if type is not None:
        query = query.where(LetterRow.type == type)
    return [(ident, letter_type) for ident, letter_type in session.execute(query)]


def letter_organism(session: Session, letter_id: int) -> tuple[LetterRow, str] | None:
    """The letter row and its organism's code."""
    found = session.execute(
        select(LetterRow, OrganismRow.code)
        .join(OrganismRow, OrganismRow.id == LetterRow.organism_id)
        .where(LetterRow.id == letter_id)
    ).first()
    return None if found is None else (found[0], found[1])


def letters_with_status(session: Session, letter_ids: Sequence[int], status: str) -> list[LetterRow]:
    found: list[LetterRow] = []
    for part in chunks(sorted(set(letter_ids))):
        query = select(LetterRow).where(LetterRow.id.in_(part), LetterRow.status == status)
        found.extend(session.scalars(query))
    return found


def set_statuses(session: Session, changes: Sequence[dict[str, Any]]) -> None:
    """Bulk update by primary key: each change holds ``id``, ``status``, ``status_on``, ``data``."""
    for part in chunks(changes):
        session.execute(update(LetterRow), list(part))
