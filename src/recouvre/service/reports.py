"""Portfolio reports, computed set-based.

``portfolio_summary`` counts claims and sums their principal and balance by benefit, by
responsibility and by status, as they stand at the end of a day. One grouped query gives
each claim's signed total, the money recovered and kept, and its last effective reducing
movement; the facts that ``view_claim`` uses (recovery minimum, prescription, suspension,
transfer) are read set-based; the status is then ``recouvre.domain.status.status_of`` —
the very rule ``derive_status`` applies to one ledger. Plain SQLAlchemy Core, so the same
queries run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from recouvre.domain.ledger import MovementKind
from recouvre.domain.model import Benefit, ClaimStatus, Responsibility
from recouvre.domain.money import Cents
from recouvre.domain.status import StatusFacts, status_of
from recouvre.domain.thresholds import recovery_minimums, under_minimum
from recouvre.service import prescription, suspensions
from recouvre.service.context import Services
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow, ClaimRow, MovementRow


@dataclass(frozen=True)
class Bucket:
    """Claims of one group: how many, their principal, their balance (cents)."""

    key: str
    count: int = 0
    principal: Cents = 0
    balance: Cents = 0

    def add(self, count: int, principal: Cents, balance: Cents) -> Bucket:
        return Bucket(self.key, self.count + count, self.principal + principal, self.balance + balance)


@dataclass(frozen=True)
class PortfolioSummary:
    """A portfolio at the end of ``on``: claims established on or before that day."""

    organism: str
    currency: str
    on: date
    by_benefit: tuple[Bucket, ...]
    by_responsibility: tuple[Bucket, ...]
    by_status: tuple[Bucket, ...]
    total: Bucket


@dataclass(frozen=True)
class _ClaimFigures:
    id: int
    benefit: str
    responsibility: str
    principal: Cents
    total: Cents
    kept: Cents
    closing: str | None


def _claim_figures(session: Session, organism_id: int, on: date) -> list[_ClaimFigures]:
    """One row per claim established by ``on``: its signed total, the money recovered and kept,
    and the kind of its last effective reducing movement (three grouped queries)."""
    reversal = aliased(MovementRow)
    effective = and_(MovementRow.kind != MovementKind.REVERSAL.value, reversal.id.is_(None))
    recovered = (MovementKind.PAYMENT.value, MovementKind.WITHHOLDING.value)
    figures = (
        select(
            ClaimRow.id,
            ClaimRow.benefit,
            ClaimRow.responsibility,
            ClaimRow.principal_cents,
            func.sum(MovementRow.signed_cents),
            func.coalesce(
                func.sum(
                    case(
                        (and_(effective, MovementRow.kind.in_(recovered)), MovementRow.amount_cents),
                        (
                            and_(effective, MovementRow.kind == MovementKind.REFUND.value),
                            -MovementRow.amount_cents,
                        ),
                        else_=0,
                    )
                ),
                0,
            ),
            func.max(case((and_(effective, MovementRow.signed_cents < 0), MovementRow.sequence), else_=None)),
        )
        .join(MovementRow, MovementRow.claim_id == ClaimRow.id)
        .outerjoin(reversal, and_(reversal.reverses_key == MovementRow.key, reversal.booked_on <= on))
        .where(
            ClaimRow.organism_id == organism_id, ClaimRow.established_on <= on, MovementRow.booked_on <= on
        )
        .group_by(ClaimRow.id, ClaimRow.benefit, ClaimRow.responsibility, ClaimRow.principal_cents)
    )
    rows = list(session.execute(figures))
    closing_of: dict[tuple[int, int], str] = {}
    wanted = [
        (ident, int(sequence)) for ident, _, _, _, total, _, sequence in rows if total <= 0 and sequence
    ]
    for part in repository.chunks(wanted):
        query = select(MovementRow.claim_id, MovementRow.sequence, MovementRow.kind).where(
            MovementRow.claim_id.in_([ident for ident, _ in part])
        )
        keys = set(part)
        for ident, sequence, kind in session.execute(query):
            if (ident, sequence) in keys:
                closing_of[(ident, sequence)] = kind
    return [
        _ClaimFigures(
            id=ident,
            benefit=str(benefit),
            responsibility=str(responsibility),
            principal=int(principal),
            total=int(total),
            kept=int(kept),
            closing=closing_of.get((ident, int(sequence))) if sequence else None,
        )
        for ident, benefit, responsibility, principal, total, kept, sequence in rows
    ]


def _transferred(session: Session, claim_ids: list[int], on: date) -> set[int]:
    found: set[int] = set()
    for part in repository.chunks(sorted(claim_ids)):
        query = select(ClaimEventRow.claim_id).where(
            ClaimEventRow.claim_id.in_(part),
            ClaimEventRow.kind == "transferred",
            ClaimEventRow.occurred_on <= on,
        )
        found.update(session.scalars(query))
    return found


def _ordered(buckets: Mapping[str, Bucket], order: Iterable[str]) -> tuple[Bucket, ...]:
    known = [key for key in order if key in buckets]
    others = sorted(key for key in buckets if key not in set(known))
    return tuple(buckets[key] for key in [*known, *others])


def portfolio_summary(services: Services, organism_code: str, on: date) -> PortfolioSummary:
    """Claims count, principal and balance by benefit, responsibility and status at the end of ``on``."""
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        policy = services.policy(organism)
        minimums = recovery_minimums(policy, on)
        currency = policy.text("currency", on) if policy.has("currency") else "EUR"
        claims = _claim_figures(session, organism_id, on)
        owing = [claim.id for claim in claims if claim.total > 0]
        prescribed = prescription.prescribed_claims(session, owing, on, policy) if owing else set()
        suspended = suspensions.suspended_claims(session, owing, on) if owing else set()
        transferred = _transferred(session, [claim.id for claim in claims], on)
    by_benefit: dict[str, Bucket] = {}
    by_responsibility: dict[str, Bucket] = {}
    by_status: dict[str, Bucket] = {}
    total = Bucket("total")
    rows: list[tuple[str, str, ClaimStatus, int, Cents, Cents]] = []
    for claim in claims:
        facts = StatusFacts(
            below_minimum=under_minimum(minimums, claim.benefit, claim.principal),
            suspended=claim.id in suspended,
            transferred=claim.id in transferred,
            prescribed=claim.id in prescribed,
        )
        closing = MovementKind(claim.closing) if claim.closing else None
        status = status_of(max(claim.total, 0), closing, claim.kept, facts)
        rows.append((claim.benefit, claim.responsibility, status, 1, claim.principal, max(claim.total, 0)))
    for benefit, responsibility, status, count, principal, balance in rows:
        for groups, key in (
            (by_benefit, benefit),
            (by_responsibility, responsibility),
            (by_status, status.value),
        ):
            groups[key] = groups.get(key, Bucket(key)).add(count, principal, balance)
        total = total.add(count, principal, balance)
    return PortfolioSummary(
        organism=organism_code,
        currency=currency,
        on=on,
        by_benefit=_ordered(by_benefit, (benefit.value for benefit in Benefit)),
        by_responsibility=_ordered(by_responsibility, (item.value for item in Responsibility)),
        by_status=_ordered(by_status, (status.value for status in ClaimStatus)),
        total=total,
    )


def latest_established_on(services: Services, organism_code: str) -> date | None:
    """The latest ``established_on`` of the organism's claims (``None`` without claims)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        latest: date | None = session.scalar(
            select(func.max(ClaimRow.established_on)).where(ClaimRow.organism_id == organism_id)
        )
        return latest
