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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from recouvre.domain.errors import Refused
from recouvre.domain.ledger import MovementKind, MovementRequest
from recouvre.domain.model import DomainError
from recouvre.domain.money import Cents, format_amount
from recouvre.service import act_letters, prescription, queues
from recouvre.service.claims import find_claim, movement_key
from recouvre.service.context import Services, refusals
from recouvre.service.payments import post
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow, ClaimRow, DebtorRow, LetterRow, MovementRow

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
        raise DomainError(
            "fact", fact, f"une valeur parmi {', '.join(item.value for item in DebtorFact)}"
        ) from None
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


def _owing(session: Session, organism_id: int, on: date) -> dict[int, tuple[ClaimRow, Cents]]:
    """The organism's claims with a positive balance at the end of ``on``: one grouped statement."""
    total = func.sum(MovementRow.signed_cents)
    query = (
        select(ClaimRow, total.label("total"))
        .join(MovementRow, MovementRow.claim_id == ClaimRow.id)
        .where(
            ClaimRow.organism_id == organism_id, ClaimRow.established_on <= on, MovementRow.booked_on <= on
        )
        .group_by(ClaimRow.id)
        .having(total > 0)
    )
    return {row.id: (row, int(balance)) for row, balance in session.execute(query)}


def _event_claims(
    session: Session, organism_id: int, on: date, kinds: tuple[str, ...]
) -> list[ClaimEventRow]:
    query = (
        select(ClaimEventRow)
        .join(ClaimRow, ClaimRow.id == ClaimEventRow.claim_id)
        .where(
            ClaimRow.organism_id == organism_id,
            ClaimEventRow.occurred_on <= on,
            ClaimEventRow.kind.in_(kinds),
        )
    )
    return list(session.scalars(query))


def _unreachable(session: Session, organism_id: int, on: date) -> set[int]:
    """Claims whose debtor was not reached: a letter to the debtor returned, an undeliverable
    registered letter, or an ``unreachable`` fact."""
    returned_debtors = select(LetterRow.debtor_id).where(
        LetterRow.organism_id == organism_id,
        LetterRow.status.in_(RETURNED_LETTER_STATUSES),
        LetterRow.issued_on <= on,
    )
    found = set(
        session.scalars(
            select(ClaimRow.id).where(
                ClaimRow.organism_id == organism_id, ClaimRow.debtor_id.in_(returned_debtors)
            )
        )
    )
    for event in _event_claims(session, organism_id, on, ("registered_letter", DebtorFact.UNREACHABLE.value)):
        if event.kind == DebtorFact.UNREACHABLE.value or event.data.get("outcome") == "undeliverable":
            found.add(event.claim_id)
    return found


def write_off_proposals(
    services: Services, organism_code: str, on: date, criteria: Criteria
) -> list[Proposal]:
    """The claims with a balance on ``on`` that match the criteria, with the criteria they match.

    Set-based: a few statements for the whole organism, whatever its size.
    """
    if not criteria.any():
        raise DomainError("criteria", "none", "indiquez au moins un critère")
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        policy = services.policy(organism)
        owing = _owing(session, organism_id, on)
        if not owing:
            return []
        facts: dict[int, set[str]] = {}
        if criteria.insolvent or criteria.deceased:
            kinds = (DebtorFact.INSOLVENT.value, DebtorFact.DECEASED.value)
            for event in _event_claims(session, organism_id, on, kinds):
                facts.setdefault(event.claim_id, set()).add(event.kind)
        unreachable = _unreachable(session, organism_id, on) if criteria.unreachable else set()
        near: set[int] = set()
        if criteria.prescription_within_days is not None:
            horizon = on + timedelta(days=criteria.prescription_within_days)
            ids = sorted(owing)
            already = prescription.prescribed_claims(session, ids, on, policy)
            near = prescription.prescribed_claims(session, ids, horizon, policy) - already
        debtor_refs: dict[int, str] = {
            ident: ref
            for ident, ref in session.execute(
                select(DebtorRow.id, DebtorRow.ref).where(DebtorRow.organism_id == organism_id)
            )
        }
        proposals: list[Proposal] = []
        for claim_id, (row, balance) in sorted(owing.items(), key=lambda item: item[1][0].ref):
            reasons: list[Criterion] = []
            if criteria.below is not None and balance < criteria.below:
                reasons.append(Criterion.SMALL_BALANCE)
            if claim_id in unreachable:
                reasons.append(Criterion.UNREACHABLE)
            if criteria.insolvent and DebtorFact.INSOLVENT.value in facts.get(claim_id, set()):
                reasons.append(Criterion.INSOLVENT)
            if criteria.deceased and DebtorFact.DECEASED.value in facts.get(claim_id, set()):
                reasons.append(Criterion.DECEASED)
            if claim_id in near:
                reasons.append(Criterion.NEAR_PRESCRIPTION)
            if reasons:
                proposals.append(
                    Proposal(row.ref, debtor_refs.get(row.debtor_id, ""), balance, tuple(reasons))
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
        organism, row = find_claim(services, session, organism_code, claim_ref)
        key = movement_key(organism_code, claim_ref, "write_off", on.isoformat())
        ledger = repository.load_ledger(session, row.id)
        booked = ledger.get(key)
        if booked is not None:
            return WriteOffResult(claim_ref, on, booked.amount, key)
        balance = repository.load_ledger(session, row.id, until=on).balance
        if row.established_on > on or balance <= 0:
            raise Refused(
                "write_off", claim_ref, f"la créance {claim_ref} n'a rien de dû au {on.isoformat()}"
            )
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
        queues.close_tasks_of_claims(services, session, organism_code, on, [row.id])
        act_letters.write_off(session, row, key, on, balance, authority, reasons, actor, organism.country)
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
            raise Refused(
                "write_off",
                claim_ref,
                f"la créance {claim_ref} n'a aucune admission en non-valeur à reprendre",
            )
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
