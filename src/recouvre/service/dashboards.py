"""What the managers' and directors' dashboards show: the indicators of a period and the series
of their charts (trend by month, recovered by phase and month, ageing pyramid, organisms
compared), built from the set-based computations of ``service.indicators``.

Every series is plain data (months, labels, cents, rates) that the web pages draw and show as
tables, and that the exports (CSV, XLSX) write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from recouvre.domain import indicators as rules
from recouvre.domain.money import Cents
from recouvre.service import indicators, snapshots
from recouvre.service.context import Services
from recouvre.storage.tables import OrganismRow

PHASES = ("amicable", "contentious", "enforcement")


@dataclass(frozen=True)
class MonthPoint:
    month: str
    recovered: Cents
    new: Cents
    stock: Cents
    rate: Decimal | None
    by_phase: dict[str, Cents]


@dataclass(frozen=True)
class OrganismPoint:
    organism: str
    recovery_rate: Decimal | None
    remission_rate: Decimal | None
    recovered: Cents


@dataclass(frozen=True)
class Dashboard:
    organism: str
    currency: str
    start: date
    end: date
    report: indicators.IndicatorReport
    trend: tuple[MonthPoint, ...]
    pyramid: tuple[dict[str, Any], ...]
    """One row per age band: ``band`` and the balance of each phase (cents)."""
    organisms: tuple[OrganismPoint, ...]
    """Every organism of the base when the reader is a network user, else the reader's own."""


def _month_starts(end: date, count: int) -> list[date]:
    first = date(end.year, end.month, 1)
    found = [first]
    while len(found) < count:
        previous = found[0] - timedelta(days=1)
        found.insert(0, date(previous.year, previous.month, 1))
    return found


def _month_end(first: date) -> date:
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def build(
    services: Services,
    organism: str,
    start: date,
    end: date,
    *,
    network: bool,
    months: int = 12,
    snapshot_root: Path | None = None,
) -> Dashboard:
    """The dashboard of ``organism`` from ``start`` to ``end``; the trend covers the ``months``
    months that end with ``end``'s month; ``network``: compare every organism of the base.
    The months of the trend whose snapshot exists under ``snapshot_root`` (ended months, written
    by ``recouvre network snapshot``) are read from it, the others from the database."""
    report = indicators.compute(services, organism, start, end, network=network)
    trend: list[MonthPoint] = []
    starts = _month_starts(end, months)
    stored = (
        snapshots.month_summaries(snapshot_root, organism, [f"{first:%Y-%m}" for first in starts])
        if snapshot_root is not None and snapshot_root.is_dir()
        else {}
    )
    with services.db.unit_of_work() as session:
        organism_id, known = services.organism(session, organism)
        policy = services.policy(known)
        for first in starts:
            last = min(_month_end(first), end)
            kept = stored.get(f"{first:%Y-%m}")
            if kept is not None and last == _month_end(first):
                trend.append(
                    MonthPoint(
                        kept.month,
                        kept.recovered,
                        kept.new,
                        kept.stock_start,
                        rules.percent(kept.recovered, kept.stock_start + kept.new),
                        {phase: kept.by_phase.get(phase, 0) for phase in PHASES},
                    )
                )
                continue
            inputs = indicators.recovery_inputs(session, organism_id, first, last)
            phases = indicators.REGISTRY["recovered_by_phase"](
                session, indicators.Period(organism_id, organism, first, last, policy)
            )
            by_phase = {str(line["phase"]): int(line["amount"]) for line in phases.value}
            trend.append(
                MonthPoint(
                    f"{first.year:04d}-{first.month:02d}",
                    inputs.recovered,
                    inputs.new,
                    inputs.stock,
                    inputs.rate,
                    {phase: by_phase.get(phase, 0) for phase in PHASES},
                )
            )
        moved = indicators.flows(session, start, end)
        before = indicators.stock(session, start - timedelta(days=1))
        codes = (
            {
                int(ident): str(code)
                for ident, code in session.execute(select(OrganismRow.id, OrganismRow.code))
            }
            if network
            else {organism_id: organism}
        )
    compared = []
    for ident, code in sorted(codes.items(), key=lambda item: item[1]):
        flow = moved.get(ident, indicators.Flows())
        base = before.get(ident, 0) + flow.new
        compared.append(
            OrganismPoint(
                code, rules.percent(flow.recovered, base), rules.percent(flow.remitted, base), flow.recovered
            )
        )
    ageing = report.get("stock_ageing").result.value
    pyramid: dict[str, dict[str, Any]] = {
        label: {"band": label, **dict.fromkeys(PHASES, 0)} for label, _, _ in rules.AGE_BANDS
    }
    for line in ageing:
        row = pyramid[str(line["band"])]
        row[str(line["phase"])] = int(row.get(str(line["phase"]), 0)) + int(line["balance"])
    return Dashboard(
        organism,
        report.currency,
        start,
        end,
        report,
        tuple(trend),
        tuple(pyramid.values()),
        tuple(compared),
    )
