"""The facts ``authorize`` needs about what an act bears on, and the two tables that hold them:
who established a claim (``claim_authors``) and which files are placed with which agency
(``placements``, PM241 procedure 11).

A placement runs from ``placed_from`` (included) to ``placed_until`` (excluded: the day the
file was recalled; the agency no longer sees it from that day). A claim is placed with one
agency at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from recouvre.domain.errors import NotFound
from recouvre.domain.model import DomainError
from recouvre.security.authorization import Subject
from recouvre.service import queues, trail
from recouvre.service.context import Services
from recouvre.storage import repository
from recouvre.storage.back_office_tables import ClaimAuthorRow, PlacementRow
from recouvre.storage.tables import ClaimRow, DebtorRow

AGENCY_CODE = re.compile(r"^[^\s/]{1,64}$")
"""An agency's code: a user's agency (lower case) or an agency of the organism's contracts."""


def placed_on(on: date) -> Any:
    """The condition of a placement running on ``on``."""
    return and_(
        PlacementRow.placed_from <= on,
        or_(PlacementRow.placed_until.is_(None), PlacementRow.placed_until > on),
    )


def placed_claims(agency: str, on: date) -> Select[int]:
    """The ids of the claims placed with ``agency`` on ``on`` (a subquery for list filters)."""
    return select(PlacementRow.claim_id).where(PlacementRow.agency == agency, placed_on(on))


def record_authors(session: Session, claim_ids: Iterable[int], by: str, at: datetime) -> None:
    """Record who established these claims (a claim already attributed keeps its author)."""
    ids = sorted(set(claim_ids))
    known = set(session.scalars(select(ClaimAuthorRow.claim_id).where(ClaimAuthorRow.claim_id.in_(ids))))
    session.add_all(
        ClaimAuthorRow(claim_id=claim_id, established_by=by, recorded_at=at)
        for claim_id in ids
        if claim_id not in known
    )


def _agencies(session: Session, claim_ids: Iterable[int], on: date) -> frozenset[str]:
    ids = list(claim_ids)
    if not ids:
        return frozenset()
    query = select(PlacementRow.agency).where(PlacementRow.claim_id.in_(ids), placed_on(on))
    return frozenset(session.scalars(query))


def claim_subject(services: Services, organism: str, claim_ref: str, on: date) -> Subject:
    """A claim with its author and its agency on ``on``; an unknown claim is ``NotFound``."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        row = repository.claim_row(session, organism_id, claim_ref)
        if row is None:
            raise NotFound("claim", claim_ref, f"créance introuvable dans {organism}")
        author = session.scalar(
            select(ClaimAuthorRow.established_by).where(ClaimAuthorRow.claim_id == row.id)
        )
        placed_with = _agencies(session, [row.id], on)
        if placed_with:  # prescription needs no act: a prescribed claim is no longer placed
            from recouvre.service import prescription  # it reads queues, which read this module

            _, found = services.organism(session, organism)
            if row.id in prescription.prescribed_claims(session, [row.id], on, services.policy(found)):
                placed_with = frozenset()
        owner = session.scalar(select(DebtorRow.ref).where(DebtorRow.id == row.debtor_id))
        return Subject(
            organism=organism,
            claim=claim_ref,
            established_by=author,
            placed_with=placed_with,
            owner=owner,
        )


def debtor_subject(services: Services, organism: str, debtor_ref: str, on: date) -> Subject:
    """A debtor with the agencies any of its claims is placed with on ``on``."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        debtor_id = repository.debtor_ids(session, organism_id, [debtor_ref]).get(debtor_ref)
        if debtor_id is None:
            raise NotFound("debtor", debtor_ref, f"débiteur introuvable dans {organism}")
        claims = session.scalars(select(ClaimRow.id).where(ClaimRow.debtor_id == debtor_id))
        return Subject(
            organism=organism, debtor=debtor_ref, placed_with=_agencies(session, claims, on), owner=debtor_ref
        )


@dataclass(frozen=True)
class PlacementView:
    id: int
    organism: str
    claim_ref: str
    agency: str
    placed_from: date
    placed_until: date | None
    placed_by: str
    recalled_by: str | None
    why: str

    def audit(self) -> dict[str, object]:
        return {
            "id": self.id,
            "claim": self.claim_ref,
            "agency": self.agency,
            "from": self.placed_from,
            "until": self.placed_until,
        }


def _placement(row: PlacementRow, organism: str, claim_ref: str) -> PlacementView:
    return PlacementView(
        id=row.id,
        organism=organism,
        claim_ref=claim_ref,
        agency=row.agency,
        placed_from=row.placed_from,
        placed_until=row.placed_until,
        placed_by=row.placed_by,
        recalled_by=row.recalled_by,
        why=row.why,
    )


def place_claim(
    services: Services,
    organism: str,
    claim_ref: str,
    agency: str,
    placed_from: date,
    *,
    by: str,
    why: str = "",
) -> PlacementView:
    """Place a claim with an agency from a date; refused while it is placed elsewhere."""
    if not AGENCY_CODE.match(agency):
        raise DomainError("agency", agency, "1 à 64 caractères, sans espace ni /")
    with trail.unit_of_work(services) as session:
        organism_id, _ = services.organism(session, organism)
        claim = repository.claim_row(session, organism_id, claim_ref)
        if claim is None:
            raise NotFound("claim", claim_ref, f"créance introuvable dans {organism}")
        running = session.scalars(
            select(PlacementRow).where(
                PlacementRow.claim_id == claim.id,
                or_(PlacementRow.placed_until.is_(None), PlacementRow.placed_until > placed_from),
            )
        ).all()
        for other in running:
            if other.agency == agency and other.placed_from == placed_from:
                return _placement(other, organism, claim_ref)  # a replay
        # The rules of SCENARIOS.md "Agencies": kind and phase, one agency at a time, contract.
        from recouvre.service import placements  # it reads claims, which read this module

        placements.check_placeable(services, session, organism, organism_id, claim, agency, placed_from)
        row = PlacementRow(claim_id=claim.id, agency=agency, placed_from=placed_from, placed_by=by, why=why)
        session.add(row)
        session.flush()
        placements.timeline(session, row, placed_from, "placed")
        queues.close_tasks_of_claims(services, session, organism, placed_from, [claim.id])
        view = _placement(row, organism, claim_ref)
        trail.append(
            session,
            trail.Entry(
                by,
                "placements.place",
                organism=organism,
                subject=f"créance {claim_ref}",
                on=placed_from,
                why=why,
                after=view.audit(),
            ),
            services.clock(),
        )
        return view


def _find_placement(session: Session, organism_id: int, placement_id: int) -> tuple[PlacementRow, str]:
    found = session.execute(
        select(PlacementRow, ClaimRow.ref)
        .join(ClaimRow, ClaimRow.id == PlacementRow.claim_id)
        .where(PlacementRow.id == placement_id, ClaimRow.organism_id == organism_id)
    ).first()
    if found is None:
        raise NotFound("placement", placement_id, "placement introuvable dans cet organisme")
    row, ref = found
    return row, ref


def get_placement(services: Services, organism: str, placement_id: int) -> PlacementView:
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        row, ref = _find_placement(session, organism_id, placement_id)
        return _placement(row, organism, ref)


def recall_placement(
    services: Services, organism: str, placement_id: int, on: date, *, by: str, why: str = ""
) -> PlacementView:
    """End a placement on ``on``: the agency no longer sees the file from that day."""
    with trail.unit_of_work(services) as session:
        organism_id, _ = services.organism(session, organism)
        row, ref = _find_placement(session, organism_id, placement_id)
        if row.placed_until is not None:
            raise DomainError("placement", placement_id, f"déjà terminé le {row.placed_until.isoformat()}")
        if on < row.placed_from:
            raise DomainError(
                "on", on.isoformat(), f"avant le début du placement ({row.placed_from.isoformat()})"
            )
        before = _placement(row, organism, ref).audit()
        row.placed_until = on
        row.recalled_by = by
        row.recall_reason = "manual"
        session.flush()
        from recouvre.service import placements

        placements.timeline(session, row, on, "recalled")
        view = _placement(row, organism, ref)
        trail.append(
            session,
            trail.Entry(
                by,
                "placements.recall",
                organism=organism,
                subject=f"créance {ref}",
                on=on,
                why=why,
                before=before,
                after=view.audit(),
            ),
            services.clock(),
        )
        return view


def debtor_placed_with(session: Session, debtor_id: int, agency: str, on: date) -> set[int]:
    """The debtor's claims placed with ``agency`` on ``on``."""
    query = select(ClaimRow.id).where(
        ClaimRow.debtor_id == debtor_id, ClaimRow.id.in_(placed_claims(agency, on))
    )
    return set(session.scalars(query))


def debtors_placed_with(agency: str, on: date) -> Select[int]:
    """The ids of the debtors with a claim placed with ``agency`` on ``on``."""
    return select(ClaimRow.debtor_id).where(ClaimRow.id.in_(placed_claims(agency, on)))
