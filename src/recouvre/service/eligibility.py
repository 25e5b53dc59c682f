"""Which claims may be recovered on a date: the one place that decides it, set-based.

``recoverable_claims`` answers, for a set of debtors and a date ``on``, with each
debtor's claims that a withholding (and later any recovery command) may take money
from. A claim is recoverable on ``on`` when all of these hold (SCENARIOS.md,
"Withholding on a benefit payment"; RULES.md R-START-1, R-THRESH-1, R-SUSP-1):

* its **balance** at the end of ``on`` (the signed sum of its movements booked on or
  before ``on``, clamped at zero) is positive;
* it was **notified**, and ``notified_on + recovery.start_delay_days <= on``; the delay
  is the one in force on the notification date (the one the notification announced);
* it is **not suspended** on ``on``: ``claim_state.suspended_reason`` is null, or
  ``suspended_until`` is set and before ``on`` (a null ``suspended_until`` suspends
  until further notice);
* it is **not under the recovery minimum** of its benefit (``recovery.min_amount`` in
  force on ``on``, compared with the principal: the rule of
  ``recouvre.service.claims.below_minimum``);
* it is **not a child-death claim**: such a claim opens a remission case at 100 %
  routed to the board (R-NOTIF-2); for now every ``child_death`` claim is excluded,
  whatever the state of its remission. The claim-life issue narrows this to "while its
  remission is pending".

The **prescription** (a claim whose balance is only made of time-barred lines) and the
**write-off** (admission en non-valeur) exclusions are added here by the claim-life
issue, so that every recovery command gets them at once.

One grouped SQL statement per chunk of debtors (movements summed by ``GROUP BY``,
``claim_state`` joined); no ORM object is loaded. Each claim also comes with the next
free ``sequence`` of its ledger, so the caller can book movements in bulk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from recouvre.domain.model import Organism, Responsibility
from recouvre.domain.money import Cents
from recouvre.domain.thresholds import recovery_minimums, under_minimum
from recouvre.domain.withholding import RecoverableClaim
from recouvre.policy import Policy
from recouvre.service import prescription
from recouvre.service.context import Services
from recouvre.storage.repository import as_date, chunks, one_of, raw_rows
from recouvre.storage.tables import ClaimRow, ClaimStateRow, MovementRow

START_DELAY_KEY = "recovery.start_delay_days"


@dataclass(frozen=True, kw_only=True)
class RecoverableClaimInfo(RecoverableClaim):
    """A claim that may be recovered on the date asked (its balance: at the end of that date,
    positive), with what booking on it needs."""

    claim_id: int
    benefit: str
    next_sequence: int
    """``max(sequence) + 1`` over the claim's whole ledger: the sequence of its next movement."""


class _Delays:
    """``recovery.start_delay_days`` in force on each notification date (cached by date)."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._known = START_DELAY_KEY in policy
        self._cache: dict[date, int] = {}

    def on(self, notified_on: date) -> int:
        found = self._cache.get(notified_on)
        if found is None:
            found = int(self._policy.get(START_DELAY_KEY, notified_on)) if self._known else 0
            self._cache[notified_on] = found
        return found


def recoverable_claims(
    session: Session,
    services: Services,
    organism: Organism,
    organism_id: int,
    debtor_ids: Iterable[int],
    on: date,
) -> dict[int, list[RecoverableClaimInfo]]:
    """The claims of ``debtor_ids`` recoverable on ``on``, by debtor id (see the module docstring).

    A debtor with no recoverable claim has no entry. Claims come in id order.
    """
    policy = services.policy(organism)
    delays = _Delays(policy)
    minimum = recovery_minimums(policy, on)
    total = func.sum(case((MovementRow.booked_on <= on, MovementRow.signed_cents), else_=0))
    last = func.max(MovementRow.sequence)
    not_suspended = or_(
        ClaimStateRow.suspended_reason.is_(None),
        and_(ClaimStateRow.suspended_until.is_not(None), ClaimStateRow.suspended_until < on),
    )
    found: dict[int, list[RecoverableClaimInfo]] = {}
    prescription_facts: list[tuple[int, str, date | str, Cents, date | str | None]] = []
    for part in chunks(sorted(set(debtor_ids))):
        query = (
            select(
                ClaimRow.id,
                ClaimRow.debtor_id,
                ClaimRow.ref,
                ClaimRow.benefit,
                ClaimRow.notified_on,
                ClaimRow.principal_cents,
                total.label("total"),
                last.label("last"),
                ClaimRow.responsibility,
                ClaimRow.detected_on,
                prescription.YOUNGEST_LINE,
            )
            .join(MovementRow, MovementRow.claim_id == ClaimRow.id)
            .outerjoin(ClaimStateRow, ClaimStateRow.claim_id == ClaimRow.id)
            .where(
                ClaimRow.organism_id == organism_id,
                one_of(session, ClaimRow.debtor_id, part),
                ClaimRow.responsibility != Responsibility.CHILD_DEATH.value,
                ClaimRow.notified_on.is_not(None),
                ClaimRow.notified_on <= on,
                not_suspended,
            )
            # The primary key alone: the other columns of the claim depend on it (SQL:2003), and
            # grouping by them made the database sort on them all.
            .group_by(ClaimRow.id)
            .having(total > 0)
            .order_by(ClaimRow.id)
        )
        for row in raw_rows(session, query):
            claim_id, debtor_id, ref, benefit, notified_text, principal, balance, sequence, *facts = row
            notified_on = as_date(notified_text)
            if notified_on + timedelta(days=delays.on(notified_on)) > on:
                continue
            if under_minimum(minimum, benefit, principal):
                continue
            prescription_facts.append((claim_id, facts[0], facts[1], int(balance), facts[2]))
            found.setdefault(debtor_id, []).append(
                RecoverableClaimInfo(
                    claim_id=claim_id,
                    ref=ref,
                    benefit=benefit,
                    notified_on=notified_on,
                    balance=int(balance),
                    fraud=facts[0] == Responsibility.FRAUD.value,
                    next_sequence=int(sequence) + 1,
                )
            )
    # A prescribed claim is not recovered any more (CSS L553-1; SCENARIOS.md "Prescription").
    barred = prescription.prescribed_among(session, prescription_facts, on, policy)
    if barred:
        found = {
            debtor_id: kept
            for debtor_id, infos in found.items()
            if (kept := [info for info in infos if info.claim_id not in barred])
        }
    return found
