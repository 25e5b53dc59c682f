"""Maker-checker for write-offs (procedure 14) and remissions (procedure 15): one person proposes,
another decides.

A proposal records what would be decided (the authority and reasons of a write-off; the rate of
a remission, on a pending remission request) and by whom. Its decision, by someone else, either
approves it — the service command (``write_offs.write_off``, ``remission.decide_remission``)
books it with the decider as ``actor`` — or rejects it, booking nothing. The second person rule
is checked here too, not only by ``authorize``, so that no caller can skip it.

A remission proposal keeps the route of the request (``services`` under the threshold,
``board`` above it): the decision needs ``remissions.decide_services`` or
``remissions.decide_board`` accordingly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import select

from recouvre.domain.errors import NotFound
from recouvre.domain.model import DomainError
from recouvre.domain.remission import RemissionStatus, parse_rate
from recouvre.security.authorization import Forbidden
from recouvre.service import refunds, remission, trail, write_offs
from recouvre.service.context import Services
from recouvre.storage import repository
from recouvre.storage.back_office_tables import ProposalRow
from recouvre.storage.tables import ClaimRow


class ProposalKind(StrEnum):
    WRITE_OFF = "write_off"
    REMISSION = "remission"
    REFUND = "refund"
    """A debtor's credit repaid by SEPA credit transfer (``service.refunds``)."""


class ProposalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ProposalView:
    id: int
    organism: str
    claim_ref: str
    kind: ProposalKind
    proposed_on: date
    proposed_by: str
    payload: dict[str, object]
    why: str
    status: ProposalStatus
    decided_on: date | None
    decided_by: str | None
    decision_why: str

    @property
    def decide_action(self) -> str:
        """The action a decision on this proposal needs."""
        if self.kind is ProposalKind.WRITE_OFF:
            return "write_offs.decide"
        if self.kind is ProposalKind.REFUND:
            return "refunds.decide"
        return (
            "remissions.decide_board"
            if self.payload.get("route") == "board"
            else "remissions.decide_services"
        )

    def audit(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "claim": self.claim_ref,
            "payload": self.payload,
            "status": self.status.value,
            "proposed_by": self.proposed_by,
            "decided_by": self.decided_by,
        }


def _view(row: ProposalRow, organism: str, claim_ref: str) -> ProposalView:
    return ProposalView(
        id=row.id,
        organism=organism,
        claim_ref=claim_ref,
        kind=ProposalKind(row.kind),
        proposed_on=row.proposed_on,
        proposed_by=row.proposed_by,
        payload=dict(row.payload),
        why=row.why,
        status=ProposalStatus(row.status),
        decided_on=row.decided_on,
        decided_by=row.decided_by,
        decision_why=row.decision_why,
    )


def _propose(
    services: Services,
    organism: str,
    claim_ref: str,
    kind: ProposalKind,
    on: date,
    payload: dict[str, object],
    *,
    by: str,
    why: str,
) -> ProposalView:
    with trail.unit_of_work(services) as session:
        organism_id, _ = services.organism(session, organism)
        claim = repository.claim_row(session, organism_id, claim_ref)
        if claim is None:
            raise NotFound("claim", claim_ref, f"créance introuvable dans {organism}")
        pending = session.scalar(
            select(ProposalRow.id).where(
                ProposalRow.claim_id == claim.id,
                ProposalRow.kind == kind.value,
                ProposalRow.status == ProposalStatus.PENDING.value,
            )
        )
        if pending is not None:
            raise DomainError("claim", claim_ref, f"une proposition (n° {pending}) attend déjà sa décision")
        row = ProposalRow(
            organism_id=organism_id,
            claim_id=claim.id,
            kind=kind.value,
            proposed_on=on,
            proposed_by=by,
            proposed_at=services.clock(),
            payload=payload,
            why=why,
            status=ProposalStatus.PENDING.value,
            decision_why="",
        )
        session.add(row)
        session.flush()
        view = _view(row, organism, claim_ref)
        trail.append(
            session,
            trail.Entry(
                by,
                f"{kind.value}s.propose",
                organism=organism,
                subject=f"créance {claim_ref}",
                on=on,
                why=why,
                after=view.audit(),
            ),
            services.clock(),
        )
        return view


def _balance(services: Services, organism: str, claim_ref: str, on: date) -> int:
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        claim = repository.claim_row(session, organism_id, claim_ref)
        if claim is None:
            raise NotFound("claim", claim_ref, f"créance introuvable dans {organism}")
        return repository.load_ledger(session, claim.id, until=on).balance


def propose_write_off(
    services: Services,
    organism: str,
    claim_ref: str,
    on: date,
    *,
    authority: str = "board",
    reasons: str = "",
    by: str,
    why: str,
) -> ProposalView:
    """Propose writing off the claim's balance (decided by another person)."""
    if not why.strip():
        raise DomainError("why", why, "une proposition donne son motif")
    balance = _balance(services, organism, claim_ref, on)
    if balance <= 0:
        raise DomainError("claim", claim_ref, f"rien n'est dû au {on.isoformat()}")
    payload: dict[str, object] = {"authority": authority, "reasons": reasons, "balance_cents": balance}
    return _propose(services, organism, claim_ref, ProposalKind.WRITE_OFF, on, payload, by=by, why=why)


def propose_remission(
    services: Services,
    organism: str,
    claim_ref: str,
    on: date,
    rate: Decimal | int | str,
    *,
    reasons: str = "",
    by: str,
    why: str,
) -> ProposalView:
    """Propose a decision (``rate`` %) on the claim's pending remission request."""
    if not why.strip():
        raise DomainError("why", why, "une proposition donne son motif")
    decided = parse_rate(rate, "remission_proposal.rate")
    case = remission.case_on(services, organism, claim_ref, on)
    if case is None or case.status is not RemissionStatus.PENDING:
        raise DomainError("claim", claim_ref, f"aucune demande de remise en attente au {on.isoformat()}")
    payload: dict[str, object] = {
        "rate": str(decided),
        "reasons": reasons,
        "route": case.route.value,
        "requested_on": case.requested_on.isoformat(),
    }
    return _propose(services, organism, claim_ref, ProposalKind.REMISSION, on, payload, by=by, why=why)


def propose_refund(
    services: Services, organism: str, claim_ref: str, on: date, *, by: str, why: str
) -> ProposalView:
    """Propose refunding the claim's credit by SEPA transfer (decided by another person)."""
    if not why.strip():
        raise DomainError("why", why, "une proposition donne son motif")
    payload = refunds.refund_payload(services, organism, claim_ref, on)
    return _propose(services, organism, claim_ref, ProposalKind.REFUND, on, payload, by=by, why=why)


def get_proposal(services: Services, organism: str, kind: ProposalKind, proposal_id: int) -> ProposalView:
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        found = session.execute(
            select(ProposalRow, ClaimRow.ref)
            .join(ClaimRow, ClaimRow.id == ProposalRow.claim_id)
            .where(
                ProposalRow.id == proposal_id,
                ProposalRow.organism_id == organism_id,
                ProposalRow.kind == kind.value,
            )
        ).first()
        if found is None:
            raise NotFound("proposal", proposal_id, f"proposition introuvable dans {organism}")
        row, ref = found
        return _view(row, organism, ref)


def list_proposals(
    services: Services,
    organism: str,
    *,
    kind: ProposalKind | None = None,
    status: ProposalStatus | None = ProposalStatus.PENDING,
    limit: int = 200,
) -> list[ProposalView]:
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        query = (
            select(ProposalRow, ClaimRow.ref)
            .join(ClaimRow, ClaimRow.id == ProposalRow.claim_id)
            .where(ProposalRow.organism_id == organism_id)
            .order_by(ProposalRow.proposed_on, ProposalRow.id)
            .limit(limit)
        )
        if kind is not None:
            query = query.where(ProposalRow.kind == kind.value)
        if status is not None:
            query = query.where(ProposalRow.status == status.value)
        return [_view(row, organism, ref) for row, ref in session.execute(query)]


def decide_proposal(
    services: Services,
    organism: str,
    kind: ProposalKind,
    proposal_id: int,
    approve: bool,
    on: date,
    *,
    by: str,
    why: str,
) -> ProposalView:
    """Approve (book it) or reject a pending proposal; the decider is not the proposer.

    Called inside the act of ``service.commands.decisions.decide_proposal``, whose audit row
    keeps the proposal before and after."""
    proposal = get_proposal(services, organism, kind, proposal_id)
    if proposal.status is not ProposalStatus.PENDING:
        raise DomainError("proposal", proposal_id, "déjà décidée")
    if proposal.proposed_by == by:
        raise Forbidden(
            proposal.decide_action, f"{by} a proposé cette décision : une autre personne la prend"
        )
    if on < proposal.proposed_on:
        raise DomainError("on", on.isoformat(), f"avant la proposition du {proposal.proposed_on.isoformat()}")
    if approve:
        reasons = str(proposal.payload.get("reasons", ""))
        if kind is ProposalKind.WRITE_OFF:
            write_offs.write_off(
                services,
                organism,
                proposal.claim_ref,
                on,
                str(proposal.payload.get("authority", "board")),
                reasons,
                actor=by,
                why=why,
            )
        elif kind is ProposalKind.REFUND:
            refunds.book_refund(
                services,
                organism,
                proposal.claim_ref,
                proposal_id,
                int(str(proposal.payload["amount_cents"])),
                on,
            )
        else:
            # The proposal's « éléments du dossier » are internal notes: they stay on the
            # proposal and in the audit trail, never in the letter the debtor receives.
            remission.decide_remission(
                services,
                organism,
                proposal.claim_ref,
                on,
                str(proposal.payload["rate"]),
                "",
                "",
                actor=by,
                why=why,
            )
    with services.db.unit_of_work() as session:
        row = session.get(ProposalRow, proposal_id)
        assert row is not None
        row.status = (ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED).value
        row.decided_on = on
        row.decided_by = by
        row.decided_at = services.clock()
        row.decision_why = why
        session.flush()
        return _view(row, organism, proposal.claim_ref)
