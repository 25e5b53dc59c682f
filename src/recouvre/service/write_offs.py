"""Write-offs (admission en non-valeur, PM241 procedure 14): proposals, decision, revival.

Sources (RULES.md §5, R-ANV-1): CSS L133-3 (the board pronounces the write-off of claims other
than contributions, under conditions set by decree; décret 2008-731); public-accounting practice:
a write-off does **not** extinguish the debt, which is revived when the debtor's situation
improves, and is for claims that cannot be recovered (insolvency, debtor gone, death without
estate…).

* ``write_off_proposals`` lists the claims with a balance that match the criteria asked: a
  balance under a threshold (given by the caller: no national amount is sourced), a debtor
  unreachable (letters returned), insolvent or deceased (facts recorded with ``record_fact``
  as claim events), and prescription near (a horizon in days, read through
  ``service.prescription``).
* ``write_off`` books a ``write_off`` movement of the whole balance (status ``written_off``).
* ``revive`` books the ``reversal`` of that movement: the balance is back and recovery resumes.

Every command records who did it and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from recouvre.domain.ledger import MovementKind, MovementRequest
from recouvre.domain.model import DomainError
from recouvre.domain.money import Cents, format_amount
from recouvre.service import prescription
from recouvre.service.claims import find_claim, movement_key
from recouvre.service.context import Services
from recouvre.service.payments import post
from recouvre.service.remission import Refusal, refusals
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow, ClaimRow, DebtorRow, LetterClaimRow, LetterRow

RETURNED_LETTER_STATUSES = frozenset({"returned", "undeliverable", "npai"})
"""Letter statuses that say the debtor was not reached at the address (outbox feedback)."""


class DebtorFact(StrEnum):
    """Facts about the debtor that make a claim a write-off candidate, recorded as claim events."""

    INSOLVENT = "insolvent"
    DECEASED = "deceased"
    UNREACHABLE = "unreachable"


class Criterion(StrEnum):
    SMALL_BALANCE = "small_balance"
    UNREACHABLE = "unreachable"
    INSOLVENT = "insolvent"
    DECEASED = "deceased"
    NEAR_PRESCRIPTION = "near_prescription"


@dataclass(frozen=True)
class Criteria:
    """What to look for; a claim is proposed when it matches at least one criterion asked."""

    below: Cents | None = None
    """Balance strictly below this amount."""
    unreachable: bool = False
    insolvent: bool = False
    deceased: bool = False
    prescription_within_days: int | None = None
    """Claims not prescribed on the date but prescribed within this many days if nothing happens."""

    def any(self) -> bool:
        return (
            self.below is not None
            or self.unreachable
            or self.insolvent
            or self.deceased
            or self.prescription_within_days is not None
        )


@dataclass(frozen=True)
class Proposal:
    claim_ref: str
    debtor_ref: str
    balance: Cents
    reasons: tuple[Criterion, ...] = field(default_factory=tuple)


def record_fact(
    services: Services,
    organism_code: str,
    claim_ref: str,
    on: date,
    fact: DebtorFact | str,
    *,
    actor: str = "",
    why: str = "",
) -> bool:
    """Record that the debtor is insolvent, deceased or unreachable (a claim event); idempotent."""
    try:
        kind = DebtorFact(fact)
    except ValueError:
        raise DomainError("fact", fact, f"one of {', '.join(item.value for item in DebtorFact)}") from None
    with services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        return repository.add_claim_event(
            session,
            movement_key(organism_code, claim_ref, kind.value, on.isoformat()),
            row.id,
            on,
            kind.value,
            {"by": actor, "why": why},
        )


def _unreachable(session: Session, rows: list[ClaimRow], on: date) -> set[int]:
    """Claims whose debtor was not reached: a letter returned, an undeliverable registered letter,
    or an ``unreachable`` fact."""
    debtors = {row.debtor_id for row in rows}
    returned = set(
        session.scalars(
            select(LetterRow.debtor_id).where(
                LetterRow.debtor_id.in_(debtors),
                LetterRow.status.in_(RETURNED_LETTER_STATUSES),
                LetterRow.issued_on <= on,
            )
        )
    )
    found = {row.id for row in rows if row.debtor_id in returned}
    claim_ids = [row.id for row in rows]
    for event in session.scalars(
        select(ClaimEventRow).where(
            ClaimEventRow.claim_id.in_(claim_ids),
            ClaimEventRow.occurred_on <= on,
            ClaimEventRow.kind.in_(("registered_letter", DebtorFact.UNREACHABLE.value)),
        )
    ):
        if event.kind == DebtorFact.UNREACHABLE.value or event.data.get("outcome") == "undeliverable":
            found.add(event.claim_id)
    # a letter covering the claim itself, returned
    found.update(
        session.scalars(
            select(LetterClaimRow.claim_id)
            .join(LetterRow, LetterRow.id == LetterClaimRow.letter_id)
            .where(
                LetterClaimRow.claim_id.in_(claim_ids),
                LetterRow.status.in_(RETURNED_LETTER_STATUSES),
                LetterRow.issued_on <= on,
            )
        )
    )
    return found


def write_off_proposals(
    services: Services, organism_code: str, on: date, criteria: Criteria
) -> list[Proposal]:
    """The claims with a balance on ``on`` that match the criteria, with the criteria they match."""
    if not criteria.any():
        raise DomainError("criteria", "none", "ask for at least one criterion")
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        policy = services.policy(organism)
        rows = list(
            session.scalars(
                select(ClaimRow)
                .where(ClaimRow.organism_id == organism_id, ClaimRow.established_on <= on)
                .order_by(ClaimRow.ref)
            )
        )
        balances = {row.id: repository.load_ledger(session, row.id, until=on).balance for row in rows}
        rows = [row for row in rows if balances[row.id] > 0]
        if not rows:
            return []
        ids = [row.id for row in rows]
        facts: dict[int, set[str]] = {}
        for event in session.scalars(
            select(ClaimEventRow).where(
                ClaimEventRow.claim_id.in_(ids),
                ClaimEventRow.occurred_on <= on,
                ClaimEventRow.kind.in_((DebtorFact.INSOLVENT.value, DebtorFact.DECEASED.value)),
            )
        ):
            facts.setdefault(event.claim_id, set()).add(event.kind)
        unreachable = _unreachable(session, rows, on) if criteria.unreachable else set()
        near: set[int] = set()
        if criteria.prescription_within_days is not None:
            horizon = on + timedelta(days=criteria.prescription_within_days)
            already = prescription.prescribed_claims(session, ids, on, policy)
            near = prescription.prescribed_claims(session, ids, horizon, policy) - already
        debtor_refs: dict[int, str] = {
            claim_id: ref
            for claim_id, ref in session.execute(
                select(ClaimRow.id, DebtorRow.ref)
                .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
                .where(ClaimRow.id.in_(ids))
            )
        }
        proposals: list[Proposal] = []
        for row in rows:
            reasons: list[Criterion] = []
            if criteria.below is not None and balances[row.id] < criteria.below:
                reasons.append(Criterion.SMALL_BALANCE)
            if row.id in unreachable:
                reasons.append(Criterion.UNREACHABLE)
            if criteria.insolvent and DebtorFact.INSOLVENT.value in facts.get(row.id, set()):
                reasons.append(Criterion.INSOLVENT)
            if criteria.deceased and DebtorFact.DECEASED.value in facts.get(row.id, set()):
                reasons.append(Criterion.DECEASED)
            if row.id in near:
                reasons.append(Criterion.NEAR_PRESCRIPTION)
            if reasons:
                proposals.append(
                    Proposal(row.ref, debtor_refs.get(row.id, ""), balances[row.id], tuple(reasons))
                )
        return proposals


@dataclass(frozen=True)
class WriteOffResult:
    claim_ref: str
    on: date
    amount: Cents
    movement_key: str


def write_off(
    services: Services,
    organism_code: str,
    claim_ref: str,
    on: date,
    authority: str = "board",
    reasons: str = "",
    *,
    actor: str = "",
    why: str = "",
) -> WriteOffResult:
    """Book the write-off of the whole balance on ``on`` (CSS L133-3, R-ANV-1); refused when
    nothing is owed. A replay on the same date books nothing new."""
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        key = movement_key(organism_code, claim_ref, "write_off", on.isoformat())
        ledger = repository.load_ledger(session, row.id)
        booked = ledger.get(key)
        if booked is not None:
            return WriteOffResult(claim_ref, on, booked.amount, key)
        balance = repository.load_ledger(session, row.id, until=on).balance
        if row.established_on > on or balance <= 0:
            raise Refusal("write_off", claim_ref, f"claim {claim_ref} has nothing owed on {on.isoformat()}")
        post(
            session,
            services,
            row,
            MovementRequest(
                key=key,
                kind=MovementKind.WRITE_OFF,
                amount=balance,
                booked_on=on,
                note=f"admission en non-valeur ({authority}) {reasons}".strip(),
            ),
        )
        repository.add_claim_event(
            session,
            key,
            row.id,
            on,
            "write_off",
            {"amount": balance, "authority": authority, "reasons": reasons, "by": actor, "why": why},
        )
        return WriteOffResult(claim_ref, on, balance, key)


def revive(
    services: Services,
    organism_code: str,
    claim_ref: str,
    on: date,
    reasons: str = "",
    *,
    actor: str = "",
    why: str = "",
) -> WriteOffResult:
    """Reverse the claim's standing write-off: the debt was never extinguished (R-ANV-1), its
    balance is back and recovery resumes. Refused when no write-off stands."""
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        ledger = repository.load_ledger(session, row.id, until=on)
        standing = [m for m in ledger.effective() if m.kind is MovementKind.WRITE_OFF]
        if not standing:
            raise Refusal("write_off", claim_ref, f"claim {claim_ref} has no write-off to revive")
        target = standing[-1]
        key = f"{target.key}:reversal"
        post(
            session,
            services,
            row,
            MovementRequest(
                key=key,
                kind=MovementKind.REVERSAL,
                amount=target.amount,
                booked_on=on,
                reverses=target.key,
                note=f"reprise après admission en non-valeur {reasons}".strip(),
            ),
        )
        repository.add_claim_event(
            session,
            key,
            row.id,
            on,
            "write_off_revived",
            {"amount": target.amount, "reasons": reasons, "by": actor, "why": why},
        )
        return WriteOffResult(claim_ref, on, target.amount, key)


def describe(result: WriteOffResult) -> str:
    return f"{result.claim_ref} {format_amount(result.amount)} ({result.on.isoformat()})"
