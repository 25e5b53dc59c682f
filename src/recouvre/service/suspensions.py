"""Suspensions of recovery: the one place that says whether a claim's recovery is suspended.

A claim may be suspended for several reasons at once (an adjustment by a case worker with an
end date, a pending appeal — RULES.md §7.3 —, an admissible over-indebtedness file — §6);
recovery resumes when no reason is left. Each start and end is a dated claim event (the
history, readable at any date); ``claim_state.suspended_reason`` and ``suspended_until``
are their summary for batch steps (withholding, monthly cycle), rewritten in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from recouvre.service import queues
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow, ClaimRow, ClaimStateRow

REASONS = frozenset({"adjustment", "appeal", "over_indebtedness", "remission", "opposition", "transfer"})


def active_reasons(session: Session, claim_id: int, on: date) -> dict[str, date | None]:
    """The reasons suspending the claim at the end of ``on``, each with its end date (or None)."""
    query = (
        select(ClaimEventRow)
        .where(ClaimEventRow.claim_id == claim_id, ClaimEventRow.kind == "suspension")
        .where(ClaimEventRow.occurred_on <= on)
        .order_by(ClaimEventRow.occurred_on, ClaimEventRow.id)
    )
    return reasons_from_events(session.scalars(query), on)


def reasons_from_events(events: Iterable[ClaimEventRow], on: date) -> dict[str, date | None]:
    """The reasons suspending a claim at the end of ``on``, from its events in date order (events
    of other kinds, and those after ``on``, are ignored): each start opens its reason until its
    end date, each end closes it."""
    active: dict[str, date | None] = {}
    for event in events:
        if event.kind != "suspension" or event.occurred_on > on:
            continue
        reason = str(event.data["reason"])
        if event.data.get("action") == "start":
            until = event.data.get("until")
            active[reason] = date.fromisoformat(str(until)) if until else None
        else:
            active.pop(reason, None)
    return {reason: until for reason, until in active.items() if until is None or until >= on}


def is_suspended(session: Session, claim_id: int, on: date) -> bool:
    return bool(active_reasons(session, claim_id, on))


def _refresh_state(session: Session, claim_id: int, on: date) -> None:
    reasons = active_reasons(session, claim_id, on)
    state = session.get(ClaimStateRow, claim_id)
    if state is None:
        return
    if not reasons:
        state.suspended_reason, state.suspended_until = None, None
        return
    state.suspended_reason = ",".join(sorted(reasons))[:32]
    ends = list(reasons.values())
    state.suspended_until = None if any(end is None for end in ends) else max(end for end in ends if end)


def suspend(
    session: Session,
    claim_id: int,
    reason: str,
    on: date,
    *,
    key: str,
    until: date | None = None,
    by: str = "",
    why: str = "",
) -> bool:
    """Start a suspension for ``reason`` (idempotent by ``key``); return whether it is new."""
    if reason not in REASONS:
        raise ValueError(f"suspension.reason={reason!r}: one of {', '.join(sorted(REASONS))}")
    data: dict[str, object] = {"reason": reason, "action": "start", "by": by, "why": why}
    if until is not None:
        data["until"] = until.isoformat()
    new = repository.add_claim_event(session, key, claim_id, on, "suspension", data)
    session.flush()
    _refresh_state(session, claim_id, on)
    organism_id = session.scalar(select(ClaimRow.organism_id).where(ClaimRow.id == claim_id))
    if organism_id is not None:  # its open tasks close (no policy here: a suspension is enough)
        queues.close_tasks_of_ended_claims(session, organism_id, on, [claim_id], policy=None)
    return new


def resume(
    session: Session, claim_id: int, reason: str, on: date, *, key: str, by: str = "", why: str = ""
) -> bool:
    """End the suspension for ``reason``; other reasons keep the claim suspended."""
    new = repository.add_claim_event(
        session, key, claim_id, on, "suspension", {"reason": reason, "action": "end", "by": by, "why": why}
    )
    session.flush()
    _refresh_state(session, claim_id, on)
    return new


def suspended_claims(session: Session, claim_ids: list[int], on: date) -> set[int]:
    """The claims among ``claim_ids`` suspended at the end of ``on`` (set-based, for reports)."""
    starts: dict[int, dict[str, date | None]] = {}
    for part in repository.chunks(sorted(set(claim_ids))):
        query = (
            select(ClaimEventRow.claim_id, ClaimEventRow.data)
            .where(
                ClaimEventRow.claim_id.in_(part),
                ClaimEventRow.kind == "suspension",
                ClaimEventRow.occurred_on <= on,
            )
            .order_by(ClaimEventRow.claim_id, ClaimEventRow.occurred_on, ClaimEventRow.id)
        )
        for claim_id, data in session.execute(query):
            active = starts.setdefault(claim_id, {})
            reason = str(data["reason"])
            if data.get("action") == "start":
                until = data.get("until")
                active[reason] = date.fromisoformat(str(until)) if until else None
            else:
                active.pop(reason, None)
    return {
        claim_id
        for claim_id, active in starts.items()
        if any(until is None or until >= on for until in active.values())
    }
