"""Portfolio reports, computed by the database in a few set-based queries.

``portfolio_summary`` counts claims and sums their principal and balance by
benefit, by responsibility and by status, as they stand at the end of a day.
Each claim's signed total is summed by SQL (``GROUP BY`` over its movements
booked up to that day); its status follows the rules of
``recouvre.domain.status.derive_status`` with the facts ``view_claim`` uses
(the recovery minimum only):

* ``balance = max(total, 0)``;
* a balance left and a principal under the benefit's ``recovery.min_amount``
  (R-THRESH-1): ``not_recovered``; any other balance: ``open``;
* nothing left: the last effective decreasing movement (neither a reversal nor
  reversed) names the status: ``write_off`` → ``written_off``, ``discharge`` →
  ``discharged``, ``cancellation`` → ``cancelled``, anything else ``settled``.

No ORM object is loaded: only a handful of grouped rows come back to Python.
Plain SQLAlchemy Core, so the same queries run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session, aliased

from recouvre.domain.ledger import MovementKind
from recouvre.domain.model import Benefit, ClaimStatus, Responsibility
from recouvre.domain.money import Cents
from recouvre.domain.status import CLOSING_STATUS as DOMAIN_CLOSING
from recouvre.service.context import Services
from recouvre.storage.tables import ClaimRow, MovementRow

MIN_AMOUNT_KEY = "recovery.min_amount"

CLOSING_STATUS: Mapping[str, ClaimStatus] = {kind.value: status for kind, status in DOMAIN_CLOSING.items()}
"""``recouvre.domain.status.CLOSING_STATUS`` by kind name; any other closing kind settles."""


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


def closing_status(kind: str | None) -> ClaimStatus:
    """Status of a claim with nothing left, from the kind of its last effective decrease."""
    return CLOSING_STATUS.get(kind or "", ClaimStatus.SETTLED)


def _below_minimum(minimums: Mapping[str, Cents]) -> ColumnElement[int]:
    """1 when the claim's principal is under its benefit's recovery minimum, else 0 (R-THRESH-1)."""
    if not minimums:
        return literal(0)
    whens = [
        (and_(ClaimRow.benefit == benefit, ClaimRow.principal_cents < minimum), 1)
        for benefit, minimum in sorted(minimums.items())
    ]
    return case(*whens, else_=0)


def _grouped(
    session: Session, organism_id: int, on: date, minimums: Mapping[str, Cents]
) -> tuple[list[Any], list[Any]]:
    """Grouped rows of claims with a balance, then of claims with nothing left."""
    totals = (
        select(MovementRow.claim_id, func.sum(MovementRow.signed_cents).label("total"))
        .join(ClaimRow, ClaimRow.id == MovementRow.claim_id)
        .where(ClaimRow.organism_id == organism_id, MovementRow.booked_on <= on)
        .group_by(MovementRow.claim_id)
        .subquery("totals")
    )
    claims = (
        select(
            ClaimRow.id,
            ClaimRow.benefit,
            ClaimRow.responsibility,
            ClaimRow.principal_cents.label("principal"),
            totals.c.total,
            _below_minimum(minimums).label("below"),
        )
        .join(totals, totals.c.claim_id == ClaimRow.id)
        .where(ClaimRow.organism_id == organism_id, ClaimRow.established_on <= on)
        .subquery("claim_totals")
    )
    with_balance = (
        select(
            claims.c.benefit,
            claims.c.responsibility,
            claims.c.below,
            func.count(),
            func.sum(claims.c.principal),
            func.sum(claims.c.total),
        )
        .where(claims.c.total > 0)
        .group_by(claims.c.benefit, claims.c.responsibility, claims.c.below)
    )
    reversal = aliased(MovementRow)
    last_decrease = (
        select(MovementRow.claim_id, func.max(MovementRow.sequence).label("sequence"))
        .outerjoin(reversal, and_(reversal.reverses_key == MovementRow.key, reversal.booked_on <= on))
        .where(
            MovementRow.claim_id.in_(select(claims.c.id).where(claims.c.total <= 0)),
            MovementRow.signed_cents < 0,
            MovementRow.kind != MovementKind.REVERSAL.value,
            MovementRow.booked_on <= on,
            reversal.id.is_(None),
        )
        .group_by(MovementRow.claim_id)
        .subquery("last_decrease")
    )
    closing = aliased(MovementRow)
    closed = (
        select(
            claims.c.benefit,
            claims.c.responsibility,
            closing.kind,
            func.count(),
            func.sum(claims.c.principal),
        )
        .select_from(claims)
        .outerjoin(last_decrease, last_decrease.c.claim_id == claims.c.id)
        .outerjoin(
            closing,
            and_(closing.claim_id == last_decrease.c.claim_id, closing.sequence == last_decrease.c.sequence),
        )
        .where(claims.c.total <= 0)
        .group_by(claims.c.benefit, claims.c.responsibility, closing.kind)
    )
    return list(session.execute(with_balance)), list(session.execute(closed))


def _ordered(buckets: Mapping[str, Bucket], order: Iterable[str]) -> tuple[Bucket, ...]:
    known = [key for key in order if key in buckets]
    others = sorted(key for key in buckets if key not in set(known))
    return tuple(buckets[key] for key in [*known, *others])


def portfolio_summary(services: Services, organism_code: str, on: date) -> PortfolioSummary:
    """Claims count, principal and balance by benefit, responsibility and status at the end of ``on``."""
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        policy = services.policy(organism)
        minimums: Mapping[str, Cents] = policy.get(MIN_AMOUNT_KEY, on) if policy.has(MIN_AMOUNT_KEY) else {}
        currency = policy.text("currency", on) if policy.has("currency") else "EUR"
        with_balance, closed = _grouped(session, organism_id, on, minimums)
    by_benefit: dict[str, Bucket] = {}
    by_responsibility: dict[str, Bucket] = {}
    by_status: dict[str, Bucket] = {}
    total = Bucket("total")
    rows: list[tuple[str, str, ClaimStatus, int, Cents, Cents]] = [
        (
            str(benefit),
            str(responsibility),
            ClaimStatus.NOT_RECOVERED if below else ClaimStatus.OPEN,
            int(count),
            int(principal),
            int(balance),
        )
        for benefit, responsibility, below, count, principal, balance in with_balance
    ]
    rows.extend(
        (str(benefit), str(responsibility), closing_status(kind), int(count), int(principal), 0)
        for benefit, responsibility, kind, count, principal in closed
    )
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
