"""Fraud (PM241 procedure 9; RULES.md §8, R-FRAUD-1): what the claim does not hold itself.

What a fraud claim gets from the rest of the system:

* its **indemnity** — a movement booked when the claim is established, at the rate of
  ``fraud.indemnity_rate`` in force on its notification (10 % from 2020-01-01, CSS L553-2;
  nothing before): ``service.claims.opening_movements``;
* in 2019 (5 April to 31 December), a **raised withholding** instead: CSS D553-5 (décret
  2019-268), read literally, raised the debtor's monthly PRP withholding by 50 % while a fraud
  claim is recoverable — ``withholding.fraud_raise_rate``, read by ``fraud_raise_rate`` below
  on the payment date and applied by ``domain.withholding.decide_withholding``;
* its **five-year prescription** from ``detected_on`` (``prescription.fraud_years``, R-PRESC-2):
  ``domain.prescription``;
* **no remission** (R-REMISE-1): the remission procedure refuses it.

This module records the **administrative penalty** (pénalité financière, CSS L114-17),
pronounced by the director after the advisory commission's reasoned opinion. The penalty is a
**separate debt** with its own decision, notification and appeal (recours gracieux, then the
pôle social): it is **not a movement of the claim** — it changes neither the claim's balance nor
its status nor its prescription — and is kept as a claim event ``administrative_penalty`` that
names the decision (amount, reference, date, authority), so that the claim's file shows it and
the procedure that recovers penalties can find it. A warning (avertissement, since 2022) has no
amount and is not recorded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from recouvre.domain.model import DomainError
from recouvre.domain.money import Cents
from recouvre.policy import Policy
from recouvre.service.context import Services, refuse
from recouvre.service.interruptions import event_key, find_claim
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow

PENALTY = "administrative_penalty"
FRAUD_RAISE_KEY = "withholding.fraud_raise_rate"


def fraud_raise_rate(policy: Policy, on: date) -> Decimal:
    """Percent by which the monthly PRP withholding is raised on ``on`` while the debtor has a
    recoverable fraud claim (CSS D553-5, 2019); 0 where the policy has no such parameter."""
    return policy.percent(FRAUD_RAISE_KEY, on) if FRAUD_RAISE_KEY in policy else Decimal(0)


@dataclass(frozen=True)
class Penalty:
    """An administrative penalty decided on ``decided_on`` for a claim's facts."""

    claim_ref: str
    decided_on: date
    amount: Cents
    decision_ref: str
    decided_by: str


def record_penalty(
    services: Services,
    organism_code: str,
    claim_ref: str,
    on: date,
    amount: Cents,
    decision_ref: str,
    decided_by: str,
) -> bool:
    """Record the director's penalty decision of ``on`` (CSS L114-17); return whether it is new.

    Idempotent by decision reference: the same decision again records nothing; the same
    reference with another content is an error. A decision dated before the claim is
    established is refused (and the refusal recorded). Nothing is booked on the claim.
    """
    if amount <= 0:
        raise DomainError("penalty.amount", amount, "doit être positif")
    if not decision_ref.strip() or len(decision_ref) > 64:
        raise DomainError("penalty.decision_ref", decision_ref, "obligatoire, 64 caractères au plus")
    if not decided_by.strip():
        raise DomainError("penalty.decided_by", decided_by, "obligatoire : l'autorité qui a décidé")
    key = event_key(organism_code, claim_ref, "penalty", decision_ref)
    data: dict[str, object] = {"amount": amount, "decision_ref": decision_ref, "decided_by": decided_by}
    with services.db.unit_of_work() as session:
        row = find_claim(services, session, organism_code, claim_ref)
        if on < row.established_on:
            message = f"claim {claim_ref} is established on {row.established_on.isoformat()}"
            raise refuse(services, organism_code, on, PENALTY, claim_ref, message)
        existing = session.scalar(select(ClaimEventRow).where(ClaimEventRow.key == key))
        if existing is not None:
            if (existing.claim_id, existing.occurred_on, existing.data) != (row.id, on, data):
                raise DomainError(
                    "penalty.decision_ref", decision_ref, "déjà enregistré avec un autre contenu"
                )
            return False
        return repository.add_claim_event(session, key, row.id, on, PENALTY, data)


def penalties(services: Services, organism_code: str, claim_ref: str, on: date) -> list[Penalty]:
    """The penalties decided for the claim on or before ``on``, oldest first."""
    with services.db.unit_of_work() as session:
        row = find_claim(services, session, organism_code, claim_ref)
        return [
            Penalty(
                claim_ref=claim_ref,
                decided_on=event.occurred_on,
                amount=int(str(event.data["amount"])),
                decision_ref=str(event.data["decision_ref"]),
                decided_by=str(event.data["decided_by"]),
            )
            for event in repository.claim_events(session, row.id, until=on)
            if event.kind == PENALTY
        ]
