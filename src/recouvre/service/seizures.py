"""Seizures (saisie-arrêt) on a claim in forced recovery, recorded as acts on the claim.

After the commandement, the CNSS enforces its "état de produits" (dahir 1-72-184 art. 28) by the
means of loi 15-97 (code de recouvrement des créances publiques): among them the saisie-arrêt,
an attachment of the sums a third party (a bank, a customer of the employer) holds for the
debtor (cnss.ma « Recouvrement forcé »: "then progressive enforcement steps (seizures, etc.)";
RULES.md §11.1-11.2; in Oct 2022, 224 self-employed files were "in garnishment"). The steps
tracked here, each a claim event ``seizure`` (idempotent by key):

* ``served`` — the attachment served on the third party (``third_party`` named);
* ``declared`` — the third party declares the sums it holds (``amount``, possibly 0.00);
* ``collected`` — the sums attached are paid to the organism: a ``payment`` movement of
  ``amount`` on the claim (channel ``transfer``), like any payment;
* ``released`` — release (mainlevée) of the attachment.

A seizure is allowed only on a claim in phase ``enforcement`` (an enforceable title); a step
other than ``served`` needs a seizure of that reference already served. Loi 15-97's own time
limits and the seizable share of wages (art. 7 of the dahir on wages) are not modelled: not
retrieved (RULES.md §11.2 "page truncated").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from recouvre.domain.model import PaymentChannel, Phase
from recouvre.domain.money import Cents
from recouvre.service.claims import find_claim, movement_key
from recouvre.service.context import Services, refuse
from recouvre.service.payments import record_payment
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow, ClaimStateRow

SEIZURE = "seizure"


class SeizureStep(StrEnum):
    SERVED = "served"
    DECLARED = "declared"
    COLLECTED = "collected"
    RELEASED = "released"


STEP_LABELS = {
    SeizureStep.SERVED: "saisie-arrêt signifiée au tiers détenteur",
    SeizureStep.DECLARED: "déclaration du tiers détenteur",
    SeizureStep.COLLECTED: "sommes saisies encaissées",
    SeizureStep.RELEASED: "mainlevée de la saisie",
}


@dataclass(frozen=True)
class SeizureAct:
    claim_ref: str
    reference: str
    """The seizure's own reference (the same for its later steps)."""
    step: SeizureStep
    on: date
    third_party: str
    amount: Cents | None
    new: bool = True


def record_seizure(
    services: Services,
    organism_code: str,
    claim_ref: str,
    on: date,
    step: SeizureStep,
    reference: str,
    *,
    third_party: str = "",
    amount: Cents | None = None,
) -> SeizureAct:
    """Record one step of a saisie-arrêt on the claim (refused outside the enforcement phase)."""
    subject = f"claim {claim_ref}"
    if not reference.strip():
        raise refuse(services, organism_code, on, SEIZURE, subject, "la saisie doit porter une référence")
    with services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        phase = session.scalar(select(ClaimStateRow.phase).where(ClaimStateRow.claim_id == row.id))
        earlier = [act for act in _acts(session, row.id, claim_ref) if act.reference == reference]
    if phase != Phase.ENFORCEMENT.value:
        raise refuse(
            services,
            organism_code,
            on,
            SEIZURE,
            subject,
            "une saisie n'est possible que sur une créance en recouvrement forcé (titre exécutoire)",
        )
    if step is SeizureStep.SERVED:
        if not third_party.strip():
            raise refuse(services, organism_code, on, SEIZURE, subject, "nommer le tiers détenteur saisi")
    elif not any(act.step is SeizureStep.SERVED for act in earlier):
        raise refuse(
            services,
            organism_code,
            on,
            SEIZURE,
            subject,
            f"aucune saisie {reference} signifiée sur cette créance",
        )
    elif any(act.step is SeizureStep.RELEASED for act in earlier):
        raise refuse(services, organism_code, on, SEIZURE, subject, f"la saisie {reference} a été levée")
    if step in (SeizureStep.DECLARED, SeizureStep.COLLECTED) and amount is None:
        raise refuse(services, organism_code, on, SEIZURE, subject, "indiquer le montant")
    if step is SeizureStep.COLLECTED and not amount:
        raise refuse(services, organism_code, on, SEIZURE, subject, "aucune somme encaissée")
    if not third_party and earlier:
        third_party = earlier[0].third_party
    key = movement_key(organism_code, claim_ref, SEIZURE, reference, step.value, on.isoformat())
    data: dict[str, object] = {"reference": reference, "step": step.value, "third_party": third_party}
    if amount is not None:
        data["amount_cents"] = amount
    with services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        new = repository.add_claim_event(session, key, row.id, on, SEIZURE, data)
    if step is SeizureStep.COLLECTED and amount:
        record_payment(
            services,
            organism_code,
            claim_ref,
            amount,
            on,
            PaymentChannel.TRANSFER,
            f"seizure:{reference}:{on}",
        )
    return SeizureAct(claim_ref, reference, step, on, third_party, amount, new)


def _acts(session: Session, claim_id: int, claim_ref: str) -> list[SeizureAct]:
    rows = session.scalars(
        select(ClaimEventRow)
        .where(ClaimEventRow.claim_id == claim_id, ClaimEventRow.kind == SEIZURE)
        .order_by(ClaimEventRow.occurred_on, ClaimEventRow.id)
    )
    return [
        SeizureAct(
            claim_ref,
            str(event.data["reference"]),
            SeizureStep(str(event.data["step"])),
            event.occurred_on,
            str(event.data.get("third_party", "")),
            int(str(event.data["amount_cents"])) if "amount_cents" in event.data else None,
        )
        for event in rows
    ]


def seizures(services: Services, organism_code: str, claim_ref: str) -> list[SeizureAct]:
    """The seizure acts recorded on the claim, in date order."""
    with services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        return _acts(session, row.id, claim_ref)
