"""Payment references (SCENARIOS.md "Money in (normative)"): every claim's ISO 11649 creditor
reference, chosen once among ``domain.money_in.candidate_references`` (the readable one unless
another claim of the organism already holds it) and stored in ``payment_references`` for the
lookups of bank credits. Claims get theirs when established (``service.claims`` calls
``assign_references``) or, for claims written by another path, the first time one is needed
(``ensure_references``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from recouvre.domain import money_in as rules
from recouvre.domain.errors import NotFound
from recouvre.domain.model import DomainError
from recouvre.service.context import Services
from recouvre.storage import repository
from recouvre.storage.money_in_tables import PaymentReferenceRow
from recouvre.storage.tables import ClaimRow


def assign_references(
    session: Session, organism_id: int, organism_code: str, claims: Sequence[tuple[int, str]]
) -> dict[int, str]:
    """Give each claim (id, ref) without one its payment reference; returns every claim's."""
    ids = [claim_id for claim_id, _ in claims]
    found: dict[int, str] = {}
    for part in repository.chunks(sorted(ids)):
        query = select(PaymentReferenceRow.claim_id, PaymentReferenceRow.reference).where(
            repository.one_of(session, PaymentReferenceRow.claim_id, part)
        )
        found.update({claim_id: reference for claim_id, reference in session.execute(query)})
    missing = [(claim_id, ref) for claim_id, ref in claims if claim_id not in found]
    if not missing:
        return found
    # The readable reference first (one lookup per chunk); the digests only for the few claims
    # whose readable reference is taken, by another claim of the organism or of this batch.
    readable = {claim_id: rules.readable_reference(organism_code, ref) for claim_id, ref in missing}
    taken = _taken(session, organism_id, readable.values())
    rows = []
    clashes: list[tuple[int, str]] = []
    for claim_id, ref in missing:
        reference = readable[claim_id]
        if reference in taken:
            clashes.append((claim_id, ref))
            continue
        taken.add(reference)
        found[claim_id] = reference
        rows.append({"claim_id": claim_id, "organism_id": organism_id, "reference": reference})
    if clashes:
        wanted = {claim_id: rules.candidate_references(organism_code, ref)[1:] for claim_id, ref in clashes}
        taken |= _taken(session, organism_id, [item for items in wanted.values() for item in items])
        for claim_id, _ in clashes:
            chosen = next((item for item in wanted[claim_id] if item not in taken), None)
            if chosen is None:  # five digests all taken: never seen, but never silent
                raise DomainError("reference", claim_id, "aucune référence de paiement libre")
            taken.add(chosen)
            found[claim_id] = chosen
            rows.append({"claim_id": claim_id, "organism_id": organism_id, "reference": chosen})
    repository.fast_insert(session, PaymentReferenceRow, rows)
    return found


def _taken(session: Session, organism_id: int, references: Iterable[str]) -> set[str]:
    """Which of these references other claims of the organism already hold."""
    taken: set[str] = set()
    for chunk in repository.chunks(sorted(set(references))):
        taken.update(
            session.scalars(
                select(PaymentReferenceRow.reference).where(
                    PaymentReferenceRow.organism_id == organism_id,
                    repository.one_of(session, PaymentReferenceRow.reference, chunk),
                )
            )
        )
    return taken


def ensure_references(session: Session, organism_id: int, organism_code: str) -> None:
    """Give their reference to the claims of the organism that have none yet."""
    query = (
        select(ClaimRow.id, ClaimRow.ref)
        .outerjoin(PaymentReferenceRow, PaymentReferenceRow.claim_id == ClaimRow.id)
        .where(ClaimRow.organism_id == organism_id, PaymentReferenceRow.claim_id.is_(None))
        .order_by(ClaimRow.id)
    )
    missing = [(claim_id, ref) for claim_id, ref in session.execute(query)]
    if missing:
        assign_references(session, organism_id, organism_code, missing)


def stored_references(session: Session, claim_ids: Sequence[int]) -> dict[int, str]:
    """The stored references of these claims (read only; a claim without one is absent)."""
    found: dict[int, str] = {}
    for part in repository.chunks(sorted(claim_ids)):
        query = select(PaymentReferenceRow.claim_id, PaymentReferenceRow.reference).where(
            repository.one_of(session, PaymentReferenceRow.claim_id, part)
        )
        found.update({claim_id: reference for claim_id, reference in session.execute(query)})
    return found


def reference_of(services: Services, organism_code: str, claim_ref: str) -> str:
    """The claim's payment reference (compact, ``RF…``), given to it now if it had none."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        row = repository.claim_row(session, organism_id, claim_ref)
        if row is None:
            raise NotFound("claim", claim_ref, f"créance introuvable dans {organism_code}")
        return assign_references(session, organism_id, organism_code, [(row.id, row.ref)])[row.id]


def claim_of_reference(session: Session, organism_id: int, reference: str) -> ClaimRow | None:
    query = (
        select(ClaimRow)
        .join(PaymentReferenceRow, PaymentReferenceRow.claim_id == ClaimRow.id)
        .where(PaymentReferenceRow.organism_id == organism_id, PaymentReferenceRow.reference == reference)
    )
    return session.scalar(query)
