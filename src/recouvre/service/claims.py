"""Establishing claims (procedure 2, launch of recovery) and reading their state.

A claim enters with its principal as an ``established`` movement; a fraud claim
also gets its ``indemnity`` movement at the rate in force on its notification
(CSS L553-2; D553-5 for 2019), booked the day it is established.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from recouvre.domain.errors import BatchRejected, NotFound, Problem
from recouvre.domain.launch import (
    appeal_deadline,
    appeal_route,
    correction_deadline,
    payment_reference,
    recovery_mode,
)
from recouvre.domain.ledger import Ledger, Movement, MovementKind, MovementRequest
from recouvre.domain.model import Claim, ClaimStatus, Organism, Phase, Responsibility, UndueLine
from recouvre.domain.money import percent_of
from recouvre.domain.status import StatusFacts, derive_status
from recouvre.domain.thresholds import recovery_minimums, under_minimum
from recouvre.policy import Policy
from recouvre.service import enforcement, prescription, references, remission, suspensions
from recouvre.service.context import Services
from recouvre.storage import repository
from recouvre.storage.repository import LetterDraft
from recouvre.storage.tables import ClaimRow


def movement_key(organism: str, claim_ref: str, *parts: str) -> str:
    """Idempotency key of a movement: stable for the same fact, unique across organisms."""
    return ":".join((organism, claim_ref, *parts))


def opening_movements(claim: Claim, policy: Policy) -> list[MovementRequest]:
    """The movements that open a claim's ledger: its principal, and the fraud indemnity."""
    requests = [
        MovementRequest(
            key=movement_key(claim.organism, claim.ref, "established"),
            kind=MovementKind.ESTABLISHED,
            amount=claim.principal,
            booked_on=claim.established_on,
        )
    ]
    if claim.is_fraud:
        rate = policy.get("fraud.indemnity_rate", claim.notified_on or claim.established_on)
        indemnity = percent_of(claim.principal, rate)
        if indemnity > 0:
            requests.append(
                MovementRequest(
                    key=movement_key(claim.organism, claim.ref, "indemnity"),
                    kind=MovementKind.INDEMNITY,
                    amount=indemnity,
                    booked_on=claim.established_on,
                    note=f"indemnité fraude {rate} %",
                )
            )
    return requests


@dataclass(frozen=True)
class ClaimResult:
    created: int
    unchanged: int


def _same_claim(row: ClaimRow, claim: Claim, debtor_id: int, lines: tuple[UndueLine, ...]) -> bool:
    return (
        lines == claim.lines
        and row.reason == claim.reason
        and row.debtor_id == debtor_id
        and row.benefit == claim.benefit.value
        and row.creditor == claim.creditor.value
        and row.responsibility == claim.responsibility.value
        and row.established_on == claim.established_on
        and row.notified_on == claim.notified_on
        and row.detected_on == claim.detected_on
        and row.principal_cents == claim.principal
    )


def establish_claims(services: Services, organism_code: str, claims: Sequence[Claim]) -> ClaimResult:
    """Create claims with their lines and opening movements, in one transaction.

    A claim already established with the same content is skipped (a replayed
    import books nothing); with another content, the whole batch is refused.
    """
    problems: list[Problem] = []
    positions: dict[str, int] = {}
    for index, claim in enumerate(claims):
        if claim.ref in positions:
            problems.append(
                Problem(index, "ref", claim.ref, f"appears twice (also item {positions[claim.ref] + 1})")
            )
        if claim.organism != organism_code:
            problems.append(Problem(index, "organism", claim.organism, f"le lot concerne {organism_code}"))
        positions[claim.ref] = index
    if problems:
        raise BatchRejected(problems)
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        policy = services.policy(organism)
        debtors = repository.debtor_ids(session, organism_id, (claim.debtor_ref for claim in claims))
        existing = repository.claim_rows(session, organism_id, positions)
        existing_lines = repository.lines_by_claim(session, (row.id for row in existing.values()))
        new: list[Claim] = []
        for index, claim in enumerate(claims):
            debtor_id = debtors.get(claim.debtor_ref)
            if debtor_id is None:
                problems.append(
                    Problem(index, "debtor", claim.debtor_ref, "débiteur introuvable dans cet organisme")
                )
                continue
            row = existing.get(claim.ref)
            if row is None:
                new.append(claim)
            elif not _same_claim(row, claim, debtor_id, existing_lines.get(row.id, ())):
                problems.append(Problem(index, "ref", claim.ref, "déjà constatée avec un autre contenu"))
        if problems:
            raise BatchRejected(problems)
        claim_ids = repository.insert_claims(
            session, [_claim_row(claim, organism_id, debtors) for claim in new]
        )
        references.assign_references(
            session, organism_id, organism_code, [(claim_ids[claim.ref], claim.ref) for claim in new]
        )
        lines: list[dict[str, Any]] = []
        movements: list[tuple[int, Movement]] = []
        for claim in new:
            claim_id = claim_ids[claim.ref]
            lines.extend(
                {
                    "claim_id": claim_id,
                    "line_no": number,
                    "paid_on": line.paid_on,
                    "amount_cents": line.amount,
                }
                for number, line in enumerate(claim.lines, start=1)
            )
            ledger = Ledger()
            for request in opening_movements(claim, policy):
                movement, _ = ledger.post(request)
                movements.append((claim_id, movement))
        repository.insert_lines(session, lines)
        repository.insert_movements(session, movements, services.clock())
        receiving = repository.receiving_debtors(session, (debtors[claim.debtor_ref] for claim in new))
        launches = [
            launch(claim, claim_ids[claim.ref], debtors[claim.debtor_ref], receiving, policy) for claim in new
        ]
        repository.insert_claim_states(session, [state for state, _ in launches])
        remission.open_automatic_cases(session, services, organism_id, [(claim_ids[c.ref], c) for c in new])
        repository.insert_letters(
            session,
            [
                LetterDraft(
                    key=movement_key(organism_code, claim.ref, "notification"),
                    organism_id=organism_id,
                    debtor_id=debtors[claim.debtor_ref],
                    type="notification",
                    issued_on=claim.notified_on,
                    claim_ids=(claim_ids[claim.ref],),
                    data=data,
                )
                for claim, (_, data) in zip(new, launches, strict=True)
                if claim.notified_on is not None and data
            ],
        )
        return ClaimResult(created=len(new), unchanged=len(claims) - len(new))


@lru_cache(maxsize=4096)
def _launch_parameters(policy: Policy, on: date) -> tuple[int, int]:
    """The start delay and the longest plan at launch, in force on the notification date."""
    delay = policy.get("recovery.start_delay_days", on) if "recovery.start_delay_days" in policy else 0
    months = policy.get("recovery.max_plan_months", on) if "recovery.max_plan_months" in policy else 12
    return int(delay), int(months)


def launch(
    claim: Claim, claim_id: int, debtor_id: int, receiving: set[int], policy: Policy
) -> tuple[dict[str, Any], dict[str, object]]:
    """Procedure 2: the recovery mode, and what the notification must say (R133-9-2).

    A child-death claim gets no notification (R-NOTIF-2): its data is empty.
    """
    mode = recovery_mode(debtor_id in receiving)
    state = {"claim_id": claim_id, "recovery_mode": mode.value, "phase": Phase.AMICABLE.value}
    if claim.notified_on is None or claim.responsibility is Responsibility.CHILD_DEATH:
        return state, {}
    delay = (
        policy.get("recovery.start_delay_days", claim.notified_on)
        if "recovery.start_delay_days" in policy
        else 20
    )
    max_months = (
        policy.get("recovery.max_plan_months", claim.notified_on)
        if "recovery.max_plan_months" in policy
        else 12
    )
    # CSS R142-1: the delay in force on the notification date; none for an organism outside the
    # CSS (the CNSS), whose notification then states no appeal time limit (R-NOTIF-1).
    board_months = (
        policy.whole("appeal.board_months", claim.notified_on) if "appeal.board_months" in policy else None
    )
    data: dict[str, object] = {
        "recovery_mode": mode.value,
        "correction_deadline": correction_deadline(claim.notified_on, delay).isoformat(),
        "start_delay_days": delay,
        "max_plan_months": max_months,
        "appeal_deadline": (
            None if board_months is None else appeal_deadline(claim.notified_on, board_months).isoformat()
        ),
        "appeal_route": appeal_route(claim),
        "payment_reference": payment_reference(claim.organism, claim.ref),
        "remission_possible": not claim.is_fraud,
    }
    return state, data


def _claim_row(claim: Claim, organism_id: int, debtors: dict[str, int]) -> dict[str, Any]:
    return {
        "organism_id": organism_id,
        "debtor_id": debtors[claim.debtor_ref],
        "ref": claim.ref,
        "benefit": claim.benefit.value,
        "creditor": claim.creditor.value,
        "responsibility": claim.responsibility.value,
        "established_on": claim.established_on,
        "notified_on": claim.notified_on,
        "detected_on": claim.detected_on,
        "principal_cents": claim.principal,
        "reason": claim.reason,
    }


@dataclass(frozen=True)
class ClaimView:
    """A claim as it stands at the end of ``on``."""

    ref: str
    on: date
    principal: int
    balance: int
    credit: int
    status: ClaimStatus
    phase: Phase
    movements: tuple[Movement, ...]

    def booked_on(self, day: date) -> list[Movement]:
        return [movement for movement in self.movements if movement.booked_on == day]


def find_claim(
    services: Services, session: Session, organism_code: str, ref: str
) -> tuple[Organism, ClaimRow]:
    organism_id, organism = services.organism(session, organism_code)
    row = repository.claim_row(session, organism_id, ref)
    if row is None:
        raise NotFound("claim", ref, f"créance introuvable dans {organism_code}")
    return organism, row


def below_minimum(policy: Policy, row: ClaimRow, on: date) -> bool:
    """R-THRESH-1: claims under the benefit's recovery minimum are not recovered."""
    return under_minimum(recovery_minimums(policy, on), row.benefit, row.principal_cents)


def established_by(row: ClaimRow, on: date) -> ClaimRow:
    """The claim, ``NotFound`` when it is not yet established at ``on`` (nothing to show then)."""
    if row.established_on > on:
        raise NotFound("claim", row.ref, f"pas encore constatée au {on.isoformat()}")
    return row


def view_claim(services: Services, organism_code: str, ref: str, on: date) -> ClaimView:
    with services.db.unit_of_work() as session:
        organism, row = find_claim(services, session, organism_code, ref)
        return view_claims(services, session, organism, [established_by(row, on)], on)[row.id]


def view_claims(
    services: Services, session: Session, organism: Organism, rows: Sequence[ClaimRow], on: date
) -> dict[int, ClaimView]:
    """The claims of ``rows`` (established by ``on``) as they stand at the end of ``on``, by claim
    id: a debtor file's claims read together, with one statement per kind of fact, not per claim.

    The status comes from the ledger and the facts of ``derive_status``; the phase from the
    claim's ``phase`` events, then ``enforcement`` whenever its title is enforceable.
    """
    ids = [row.id for row in rows]
    ledgers = repository.load_ledgers(session, ids, until=on)
    events = repository.claims_events(session, ids, until=on)
    enforceable = enforcement.enforceable_claims(session, ids, on)
    policy = services.policy(organism)
    youngest = prescription.youngest_lines(session, ids)
    prescribed = prescription.prescribed_among(
        session,
        [
            (row.id, row.responsibility, row.detected_on, ledgers[row.id].balance, youngest.get(row.id))
            for row in rows
        ],
        on,
        policy,
    )
    views: dict[int, ClaimView] = {}
    for row in rows:
        ledger, claim_events = ledgers[row.id], events[row.id]
        phase = Phase.AMICABLE
        for event in claim_events:
            if event.kind == "phase":
                phase = Phase(str(event.data["phase"]))
        phase = enforcement.phase_with_title(phase, row.id in enforceable)
        facts = StatusFacts(
            below_minimum=below_minimum(policy, row, on),
            suspended=bool(suspensions.reasons_from_events(claim_events, on)),
            prescribed=row.id in prescribed,
            transferred=any(event.kind == "transferred" for event in claim_events),
        )
        views[row.id] = ClaimView(
            ref=row.ref,
            on=on,
            principal=row.principal_cents,
            balance=ledger.balance,
            credit=ledger.credit,
            status=derive_status(ledger, facts),
            phase=phase,
            movements=tuple(ledger),
        )
    return views
