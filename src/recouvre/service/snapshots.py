"""Monthly snapshots of each organism's indicators as Parquet, and the network view across
organisms read from them with DuckDB (no server).

Layout (one folder per organism and month, Hive style):

    ROOT/organism=CAF-01/month=2026-01/summary.parquet   one row: the month's sums (cents)
    ROOT/organism=CAF-01/month=2026-01/stock.parquet     the stock at the month's end by age
                                                         band, phase, benefit, responsibility

A month's folder is written once: it is computed from the database (the set-based queries of
``service.indicators``) into a temporary folder renamed into place in one step, and a month
whose folder exists is never computed again (the database is not scanned twice for the same
month). Only an ended month is written (its last day on or before ``until``).

The network view sums the organisms' months: the recovery rate of a period for one organism (or
the network) is Σ recovered ÷ (stock at the start of the first month + Σ new) — the same
definition as ``recovery_rate`` (SCENARIOS.md), the stock at the end of the day before the
period being the stock at the start of its first month.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from recouvre.domain import indicators as rules
from recouvre.domain.errors import DomainError
from recouvre.domain.money import Cents
from recouvre.service import indicators
from recouvre.service.context import Services

SUMMARY = "summary.parquet"
STOCK = "stock.parquet"
DIRECTORY_VARIABLE = "RECOUVRE_SNAPSHOT_DIR"
SUMMARY_SCHEMA = pa.schema(
    [
        ("organism", pa.string()),
        ("month", pa.string()),
        ("stock_start", pa.int64()),
        ("recovered", pa.int64()),
        ("new", pa.int64()),
        ("withheld", pa.int64()),
        ("remitted", pa.int64()),
        ("balance_end", pa.int64()),
        ("recovered_amicable", pa.int64()),
        ("recovered_contentious", pa.int64()),
        ("recovered_enforcement", pa.int64()),
    ]
)
STOCK_SCHEMA = pa.schema(
    [
        ("organism", pa.string()),
        ("month", pa.string()),
        ("band", pa.string()),
        ("phase", pa.string()),
        ("benefit", pa.string()),
        ("responsibility", pa.string()),
        ("claims", pa.int64()),
        ("balance", pa.int64()),
    ]
)


def default_root() -> Path:
    return Path(os.environ.get(DIRECTORY_VARIABLE) or "snapshots")


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of ``YYYY-MM``."""
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except ValueError:
        raise DomainError("month", month, "un mois s'écrit AAAA-MM") from None
    following = date(year + (number == 12), number % 12 + 1, 1)
    return first, following - timedelta(days=1)


def months(first: str, last: str) -> list[str]:
    """The months from ``first`` to ``last`` included (``YYYY-MM``)."""
    start, _ = month_bounds(first)
    end, _ = month_bounds(last)
    found: list[str] = []
    while start <= end:
        found.append(f"{start.year:04d}-{start.month:02d}")
        start = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return found


PHASES = ("amicable", "contentious", "enforcement")


def _previous_balance(root: Path, organism: str, start: date) -> Cents | None:
    """The balance at the end of the previous month, from its snapshot when it was written (the
    stock at the start of a month is the balance at the end of the one before)."""
    before = start - timedelta(days=1)
    path = folder(root, organism, f"{before.year:04d}-{before.month:02d}") / SUMMARY
    if not path.exists():
        return None
    rows = pq.read_table(path, columns=["balance_end"]).to_pylist()
    return int(rows[0]["balance_end"]) if rows else None


def folder(root: Path, organism: str, month: str) -> Path:
    return root / f"organism={organism}" / f"month={month}"


@dataclass(frozen=True)
class Written:
    organism: str
    month: str
    path: Path
    written: bool
    """``False``: the month's folder existed, nothing was read from the database."""


def write_month(services: Services, organism: str, month: str, root: Path, *, until: date) -> Written:
    """The snapshot of ``organism`` for ``month`` under ``root``, written once."""
    start, end = month_bounds(month)
    target = folder(root, organism, month)
    if (target / SUMMARY).exists():
        return Written(organism, month, target, False)
    if end > until:
        raise DomainError("month", month, f"le mois n'est pas terminé au {until.isoformat()}")
    previous = _previous_balance(root, organism, start)
    with services.db.unit_of_work() as session:
        organism_id, known = services.organism(session, organism)
        moved = indicators.flows(session, start, end, [organism_id]).get(organism_id, indicators.Flows())
        before = (
            previous
            if previous is not None
            else indicators.stock(session, start - timedelta(days=1), [organism_id]).get(organism_id, 0)
        )
        period = indicators.Period(organism_id, organism, start, end, services.policy(known))
        ageing = indicators.REGISTRY["stock_ageing"](session, period)
        phases = {
            str(line["phase"]): int(line["amount"])
            for line in indicators.REGISTRY["recovered_by_phase"](session, period).value
        }
    lines: list[dict[str, Any]] = list(ageing.value)
    summary = pa.Table.from_pylist(
        [
            {
                "organism": organism,
                "month": month,
                "stock_start": before,
                "recovered": moved.recovered,
                "new": moved.new,
                "withheld": moved.withheld,
                "remitted": moved.remitted,
                "balance_end": int(ageing.details["total"]),
                **{f"recovered_{phase}": phases.get(phase, 0) for phase in PHASES},
            }
        ],
        schema=SUMMARY_SCHEMA,
    )
    stock = pa.Table.from_pylist(
        [{"organism": organism, "month": month, **line} for line in lines], schema=STOCK_SCHEMA
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{month}-", dir=target.parent))
    try:
        pq.write_table(summary, staging / SUMMARY)
        pq.write_table(stock, staging / STOCK)
        os.replace(staging, target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if (target / SUMMARY).exists():  # another run wrote it first: the month stays as written
            return Written(organism, month, target, False)
        raise
    return Written(organism, month, target, True)


def write_months(
    services: Services, organisms: Iterable[str], first: str, last: str, root: Path, *, until: date
) -> list[Written]:
    return [
        write_month(services, organism, month, root, until=until)
        for organism in organisms
        for month in months(first, last)
        if month_bounds(month)[1] <= until
    ]


# --------------------------------------------------------------------------- network view


@dataclass(frozen=True)
class OrganismFigures:
    """One organism (or the network, ``organism="réseau"``) over the months read."""

    organism: str
    months: int
    stock: Cents
    recovered: Cents
    new: Cents
    withheld: Cents
    remitted: Cents
    balance_end: Cents

    @property
    def recovery_rate(self) -> Decimal | None:
        return rules.percent(self.recovered, self.stock + self.new)

    @property
    def remission_rate(self) -> Decimal | None:
        return rules.percent(self.remitted, self.stock + self.new)

    @property
    def withholding_share(self) -> Decimal | None:
        return rules.percent(self.withheld, self.recovered)


@dataclass(frozen=True)
class MonthFigures:
    month: str
    stock: Cents
    recovered: Cents
    new: Cents
    remitted: Cents
    balance_end: Cents

    @property
    def recovery_rate(self) -> Decimal | None:
        return rules.percent(self.recovered, self.stock + self.new)


@dataclass(frozen=True)
class NetworkView:
    first: str
    last: str
    organisms: tuple[OrganismFigures, ...]
    network: OrganismFigures
    by_month: tuple[MonthFigures, ...]
    remission_dispersion: rules.Dispersion
    recovery_dispersion: rules.Dispersion
    stock_by_band: tuple[tuple[str, Cents], ...]


def _files(root: Path, wanted_months: list[str], organisms: list[str] | None, name: str) -> list[str]:
    """The snapshot files of those months (and organisms): folders outside are never opened."""
    found: list[str] = []
    for month in wanted_months:
        if organisms is None:
            found.extend(str(path) for path in root.glob(f"organism=*/month={month}/{name}"))
        else:
            found.extend(
                str(path) for organism in organisms if (path := folder(root, organism, month) / name).exists()
            )
    return sorted(found)


def network_view(root: Path, first: str, last: str, organisms: Iterable[str] | None = None) -> NetworkView:
    """Every organism's figures from ``first`` to ``last`` (months) read from the snapshots: the
    summary files of those months are read once into DuckDB, then summed by organism and by
    month; the stock by age band is read from the last month's files only."""
    import duckdb

    wanted_months = months(first, last)
    wanted = sorted(set(organisms)) if organisms is not None else None
    summaries = _files(root, wanted_months, wanted, SUMMARY)
    if not summaries:
        raise DomainError("snapshots", str(root), "aucun instantané mensuel pour ces mois dans ce dossier")
    stocks = _files(root, [last], wanted, STOCK)
    connection = duckdb.connect()
    try:
        connection.execute(
            "CREATE TEMP TABLE s AS SELECT * FROM read_parquet(?, union_by_name = true)", [summaries]
        )
        per_organism = connection.execute(
            """
            SELECT organism, count(*) AS months, arg_min(stock_start, month), sum(recovered), sum(new),
                   sum(withheld), sum(remitted), arg_max(balance_end, month)
            FROM s GROUP BY organism ORDER BY organism
            """
        ).fetchall()
        per_month = connection.execute(
            """
            SELECT month, sum(stock_start), sum(recovered), sum(new), sum(remitted), sum(balance_end)
            FROM s GROUP BY month ORDER BY month
            """
        ).fetchall()
        bands = (
            connection.execute(
                "SELECT band, sum(balance) FROM read_parquet(?, union_by_name = true) GROUP BY band", [stocks]
            ).fetchall()
            if stocks
            else []
        )
    finally:
        connection.close()
    figures = tuple(
        OrganismFigures(str(row[0]), int(row[1]), *(int(value or 0) for value in row[2:]))
        for row in per_organism
    )
    network = OrganismFigures(
        "réseau",
        len({month for month, *_ in per_month}),
        sum(item.stock for item in figures),
        sum(item.recovered for item in figures),
        sum(item.new for item in figures),
        sum(item.withheld for item in figures),
        sum(item.remitted for item in figures),
        sum(item.balance_end for item in figures),
    )
    order = {label: index for index, (label, _, _) in enumerate(rules.AGE_BANDS)}
    return NetworkView(
        first,
        last,
        figures,
        network,
        tuple(MonthFigures(str(row[0]), *(int(value or 0) for value in row[1:])) for row in per_month),
        rules.dispersion([rate for rate in (item.remission_rate for item in figures) if rate is not None]),
        rules.dispersion([rate for rate in (item.recovery_rate for item in figures) if rate is not None]),
        tuple(
            sorted(
                ((str(band), int(amount or 0)) for band, amount in bands), key=lambda b: order.get(b[0], 99)
            )
        ),
    )


@dataclass(frozen=True)
class MonthSummary:
    """One organism's month as its snapshot recorded it (cents)."""

    month: str
    stock_start: Cents
    recovered: Cents
    new: Cents
    by_phase: dict[str, Cents]


def month_summaries(root: Path, organism: str, wanted: Iterable[str]) -> dict[str, MonthSummary]:
    """The months of ``wanted`` whose snapshot exists, read with DuckDB in one statement (what a
    dashboard draws without touching the database)."""
    import duckdb

    files = _files(root, list(wanted), [organism], SUMMARY)
    if not files:
        return {}
    connection = duckdb.connect()
    try:
        rows = connection.execute(
            "SELECT month, stock_start, recovered, new, recovered_amicable, recovered_contentious, "
            "recovered_enforcement FROM read_parquet(?, union_by_name = true) ORDER BY month",
            [files],
        ).fetchall()
    finally:
        connection.close()
    return {
        str(row[0]): MonthSummary(
            str(row[0]),
            int(row[1] or 0),
            int(row[2] or 0),
            int(row[3] or 0),
            {phase: int(value or 0) for phase, value in zip(PHASES, row[4:7], strict=True)},
        )
        for row in rows
    }
