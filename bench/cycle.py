"""Benchmark of one benefit-payment withholding run plus one monthly cycle.

Usage: ``.venv/bin/python bench/cycle.py --claims 1000000``
or ``.venv/bin/python bench/cycle.py --db postgresql://USER@HOST:PORT/DB --claims 1000000``

Builds N open claims on a fresh temporary SQLite database, or with ``--db`` in a fresh schema
(``--schema``, dropped first if it exists, and at the end unless ``--keep-schema``) of a
PostgreSQL database (N/2 debtors with two claims each; half the debtors receive benefits, so
half the claims have a benefit payment to withhold from). The build writes rows directly
(Core inserts on SQLite, ``COPY`` on PostgreSQL, then ``VACUUM ANALYZE`` as autovacuum would
after a load), which is set-up, not measured.
Then, timed: the withholding run (``apply_benefit_payments`` in chunks of 5,000 debtors, as
``recouvre payments withhold`` does) and the monthly cycle (``run_cycle``). In the same run,
a baseline: one set-based SQL pass over the same tables (read every open claim's balance
from the ledger and update one column of its state). Prints one JSON line:
``claims``, ``cycle_s`` (withholding + cycle), ``withhold_s``, ``cycle_only_s``,
``baseline_s``, ``ratio`` (cycle_s / baseline_s), ``peak_rss_mb`` (this process),
``all_processes_peak_rss_mb`` (this process and its worker processes together, sampled every
0.2 s during the timed runs from /proc), ``build_s``, ``letters``, ``withheld_claims``,
``load_average`` (the 1-minute load when the timed runs end: the machine may be shared) and
``client_cpu_s`` (CPU time of this process and its workers during the timed runs); with
``--db`` also ``engine`` (``postgresql``) and ``server_cpu_s`` (CPU time of the PostgreSQL
server processes during the timed runs, when the server runs on this machine).

``--fillfactor TABLE=N`` (with ``--db``, repeatable) sets the fill factor of a table of the fresh
schema before the build (``ALTER TABLE … SET (fillfactor = N)``), so that the build's pages keep
the room a migration's setting would keep. ``--months M`` runs M consecutive months (a payment
run and a cycle each, from October 2026), with ``VACUUM ANALYZE`` between two months (untimed:
what autovacuum does in the month between two cycles); the figures of the months after the
first are in ``later_months``. With ``--db``, ``updates`` gives, for each month, the rows each
table had updated and how many of them were HOT updates (``pg_stat_user_tables``), and
``sizes_mb`` the size of those tables once built and after the timed runs (heap, and with indexes
and TOAST, in MB).

``--organisms K`` (with ``--db``) shares the N claims out between K organisms, each with the
portfolio the bench builds for one (N/K claims), in one block of debtor ids each or, with
``--interleaved``, dealt out in turn (debtors registered by every organism at once); the timed
runs work for the first organism only (the other organisms' rows are only there to be skipped;
the baseline still reads and updates every organism's claims).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from recouvre.domain.model import Country, Organism
from recouvre.domain.withholding import BenefitPayment
from recouvre.service import Services
from recouvre.service.batch import default_workers
from recouvre.service.cycle import run_cycle
from recouvre.service.registry import ensure_organism
from recouvre.service.withholding import PaymentBatch, withhold_batches
from recouvre.storage import repository
from recouvre.storage.database import Database
from recouvre.storage.tables import (
    ClaimLineRow,
    ClaimRow,
    ClaimStateRow,
    DebtorQuotientRow,
    DebtorRow,
    MovementRow,
)

ORG = "CAF-BENCH"
NOTIFIED = date(2026, 8, 10)
PAID_ON = date(2026, 10, 5)
MONTH = "2026-10"
CYCLE_ON = date(2026, 11, 1)
CHUNK = 5_000
RUN_ID = "BENCH-2026-10"


def month_dates(index: int) -> tuple[str, date, date, str]:
    """Month ``index`` (0: October 2026): its label, payment day, cycle day and payment run id."""
    year, month = divmod(PAID_ON.month - 1 + index, 12)
    paid_on = PAID_ON.replace(year=PAID_ON.year + year, month=month + 1)
    year, month = divmod(CYCLE_ON.month - 1 + index, 12)
    cycle_on = CYCLE_ON.replace(year=CYCLE_ON.year + year, month=month + 1)
    label = f"{paid_on.year}-{paid_on.month:02d}"
    return label, paid_on, cycle_on, f"BENCH-{label}"


def build(database: Database, claims: int) -> tuple[int, list[str]]:
    """Write the portfolio; return the organism id and the refs of debtors receiving benefits."""
    services = Services(database)
    ensure_organism(services, Organism(code=ORG, country=Country.FR))
    stamp = datetime.now(UTC)
    debtors = claims // 2
    receiving: list[str] = []
    with database.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        connection = session.connection()
        for start in range(0, debtors, 20_000):
            stop = min(start + 20_000, debtors)
            debtor_rows: list[dict[str, Any]] = []
            for index in range(start, stop):
                ref = f"B{index:08d}"
                gets = index % 2 == 0
                if gets:
                    receiving.append(ref)
                debtor_rows.append(
                    {
                        "organism_id": organism_id,
                        "ref": ref,
                        "kind": "person",
                        "name": f"Débiteur {index}",
                        "nir": None,
                        "siren": None,
                        "siret": None,
                        "ice": None,
                        "iban": None,
                        "email": None,
                        "phone": None,
                        "address": None,
                        "receives_benefits": gets,
                    }
                )
            result = connection.execute(
                repository.core(DebtorRow)
                .insert()
                .returning(
                    repository.core(DebtorRow).c.ref,
                    repository.core(DebtorRow).c.id,
                    sort_by_parameter_order=True,
                ),
                debtor_rows,
            )
            ids = {ref: ident for ref, ident in result}
            connection.execute(
                repository.core(DebtorQuotientRow).insert(),
                [
                    {
                        "debtor_id": ids[row["ref"]],
                        "valid_from": date(2026, 1, 1),
                        "value_cents": 40_000 + (i % 90) * 1_000,
                    }
                    for i, row in enumerate(debtor_rows)
                ],
            )
            claim_rows = [
                {
                    "organism_id": organism_id,
                    "debtor_id": ids[row["ref"]],
                    "ref": f"{row['ref']}-{number}",
                    "benefit": "AL" if number == 1 else "AF",
                    "creditor": "own",
                    "responsibility": "debtor_error",
                    "established_on": NOTIFIED,
                    "notified_on": NOTIFIED,
                    "detected_on": NOTIFIED,
                    "principal_cents": 20_000 + (index % 50) * 3_000 + number * 1_000,
                    "reason": "",
                }
                for index, row in enumerate(debtor_rows, start=start)
                for number in (1, 2)
            ]
            table = repository.core(ClaimRow)
            returned = connection.execute(
                table.insert().returning(table.c.ref, table.c.id, sort_by_parameter_order=True), claim_rows
            )
            claim_ids: dict[str, int] = {ref: ident for ref, ident in returned}
            connection.execute(
                repository.core(ClaimLineRow).insert(),
                [
                    {
                        "claim_id": claim_ids[c["ref"]],
                        "line_no": 1,
                        "paid_on": date(2026, 5, 5),
                        "amount_cents": c["principal_cents"],
                    }
                    for c in claim_rows
                ],
            )
            connection.execute(
                repository.core(MovementRow).insert(),
                [
                    {
                        "key": f"{ORG}:{c['ref']}:established",
                        "claim_id": claim_ids[c["ref"]],
                        "sequence": 1,
                        "kind": "established",
                        "amount_cents": c["principal_cents"],
                        "signed_cents": c["principal_cents"],
                        "booked_on": NOTIFIED,
                        "reverses_key": None,
                        "channel": None,
                        "note": "",
                        "recorded_at": stamp,
                    }
                    for c in claim_rows
                ],
            )
            connection.execute(
                repository.core(ClaimStateRow).insert(),
                [
                    {
                        "claim_id": claim_ids[c["ref"]],
                        "recovery_mode": "withholding",
                        "phase": "amicable",
                        "step_offset": 0,
                    }
                    for c in claim_rows
                ],
            )
    return organism_id, receiving


COPY_ROWS = 50_000


def _copy(connection: Any, table: str, columns: tuple[str, ...], rows: Any) -> None:
    """``COPY table (columns) FROM STDIN`` of ``rows`` on the driver's connection (psycopg 3)."""
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def organism_codes(organisms: int) -> list[str]:
    """The bench's organism first (the one the timed runs work for), then the others."""
    return [ORG, *(f"{ORG}-{number}" for number in range(2, organisms + 1))]


def build_postgresql(
    database: Database, claims: int, organisms: int = 1, interleaved: bool = False
) -> tuple[int, list[str]]:
    """The same portfolio as ``build``, loaded with ``COPY`` and explicit ids (a fresh schema:
    the ids are those the sequences would give), then the sequences set past them.

    With ``organisms`` > 1 the ``claims`` are shared out between that many organisms, each with
    the portfolio ``build`` would give it alone (``claims / organisms`` claims): in consecutive
    blocks of debtor ids, the bench's organism first, or ``interleaved`` (debtor id ``i`` of
    organism ``i mod organisms``: debtors registered over time by every organism at once).
    The refs of the debtors receiving benefits are those of the bench's organism only."""
    services = Services(database)
    codes = organism_codes(organisms)
    for code in codes:
        ensure_organism(services, Organism(code=code, country=Country.FR))
    stamp = datetime.now(UTC)
    debtors = claims // 2
    share = debtors // organisms
    receiving: list[str] = []
    with database.unit_of_work() as session:
        organism_ids = [services.organism(session, code)[0] for code in codes]
        driver = session.connection().connection.driver_connection

        def owner(index: int) -> tuple[int, int]:
            """The organism (position) of debtor ``index`` and the debtor's index in it."""
            if interleaved:
                return index % organisms, index // organisms
            position = min(index // share, organisms - 1)
            return position, index - position * share

        for start in range(0, debtors, COPY_ROWS):
            stop = min(start + COPY_ROWS, debtors)
            rows = [(index, *owner(index)) for index in range(start, stop)]
            _copy(
                driver,
                "debtors",
                ("id", "organism_id", "ref", "kind", "name", "receives_benefits"),
                (
                    (index + 1, organism_ids[at], f"B{j:08d}", "person", f"Débiteur {j}", j % 2 == 0)
                    for index, at, j in rows
                ),
            )
            receiving.extend(f"B{j:08d}" for _, at, j in rows if at == 0 and j % 2 == 0)
            _copy(
                driver,
                "debtor_quotients",
                ("id", "debtor_id", "valid_from", "value_cents"),
                (
                    (index + 1, index + 1, date(2026, 1, 1), 40_000 + (j % 20_000 % 90) * 1_000)
                    for index, _, j in rows
                ),
            )
            # the quotient of ``build`` (its 20,000-debtor blocks count from 0 each);
            # claim ``number`` (1, 2) of debtor ``index`` has id 2 * index + number, as ``build``
            # gives them; its principal as ``build`` computes it.
            parts = [
                (2 * index + number, index, at, j, number, 20_000 + (j % 50) * 3_000 + number * 1_000)
                for index, at, j in rows
                for number in (1, 2)
            ]
            _copy(
                driver,
                "claims",
                (
                    "id",
                    "organism_id",
                    "debtor_id",
                    "ref",
                    "benefit",
                    "creditor",
                    "responsibility",
                    "established_on",
                    "notified_on",
                    "detected_on",
                    "principal_cents",
                    "reason",
                ),
                (
                    (
                        ident,
                        organism_ids[at],
                        index + 1,
                        f"B{j:08d}-{number}",
                        "AL" if number == 1 else "AF",
                        "own",
                        "debtor_error",
                        NOTIFIED,
                        NOTIFIED,
                        NOTIFIED,
                        principal,
                        "",
                    )
                    for ident, index, at, j, number, principal in parts
                ),
            )
            _copy(
                driver,
                "claim_lines",
                ("id", "claim_id", "line_no", "paid_on", "amount_cents"),
                ((ident, ident, 1, date(2026, 5, 5), principal) for ident, *_, principal in parts),
            )
            _copy(
                driver,
                "movements",
                (
                    "id",
                    "key",
                    "claim_id",
                    "sequence",
                    "kind",
                    "amount_cents",
                    "signed_cents",
                    "booked_on",
                    "note",
                    "recorded_at",
                ),
                (
                    (
                        ident,
                        f"{codes[at]}:B{j:08d}-{number}:established",
                        ident,
                        1,
                        "established",
                        principal,
                        principal,
                        NOTIFIED,
                        "",
                        stamp,
                    )
                    for ident, _, at, j, number, principal in parts
                ),
            )
            _copy(
                driver,
                "claim_state",
                ("claim_id", "recovery_mode", "phase", "step_offset"),
                ((ident, "withholding", "amicable", 0) for ident, *_ in parts),
            )
        for table in ("debtors", "debtor_quotients", "claims", "claim_lines", "movements"):
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    return organism_ids[0], receiving


def withhold(
    services: Services, receiving: list[str], workers: int, run_id: str = RUN_ID, paid_on: date = PAID_ON
) -> int:
    """One benefit payment run, as ``recouvre payments withhold`` runs it: chunks on ``workers``."""
    batches = (  # built as the workers ask for them: a national run's payments never all in memory
        PaymentBatch(
            run_id,
            tuple(
                BenefitPayment(
                    ref, paid_on, {"AF": 25_000, "AL": 18_000}, {"AF": 5_000} if i % 10 == 0 else {}
                )
                for i, ref in enumerate(receiving[start : start + CHUNK], start=start)
            ),
        )
        for start in range(0, len(receiving), CHUNK)
    )
    return sum(
        len(outcome.allocations)
        for outcomes in withhold_batches(services, ORG, batches, workers=workers)
        for outcome in outcomes
    )


class TreeMemory(threading.Thread):
    """The peak resident memory of this process and its children together (Linux /proc)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.2):
            self.peak_mb = max(self.peak_mb, tree_rss_mb(os.getpid()))

    def stop(self) -> float:
        self._done.set()
        self.join()
        return self.peak_mb


def tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and of the processes whose parent it is, in MB."""
    total_kb = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if root in (int(fields["Pid"]), int(fields["PPid"])) and "VmRSS" in fields:
            total_kb += int(fields["VmRSS"].split()[0])
    return total_kb / 1024


def baseline(database: Database) -> float:
    started = time.perf_counter()
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE claim_state SET step_on = :day WHERE claim_id IN ("
                " SELECT claim_id FROM movements GROUP BY claim_id HAVING SUM(signed_cents) > 0)"
            ),
            {"day": CYCLE_ON},
        )
    return time.perf_counter() - started


def tree_cpu_s(root: int) -> float:
    """CPU seconds used so far by ``root``, its reaped children and its live children (Linux /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == root:
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        elif int(fields[1]) == root:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_cpu_s(database: Database) -> float | None:
    """CPU seconds used so far by the PostgreSQL server this connection reaches, if it runs here:
    its postmaster's own and reaped children's times, plus its live children's (Linux /proc)."""
    with database.engine.connect() as connection:
        backend = connection.scalar(text("SELECT pg_backend_pid()"))
    try:
        status = Path(f"/proc/{backend}/status").read_text()
    except OSError:
        return None  # a server on another machine
    postmaster = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
    return tree_cpu_s(postmaster)


STATS_FLUSH_S = 11.0
"""PostgreSQL 15 backends send the counters of an idle connection within 10 s: the wait before
``pg_stat_user_tables`` is read (untimed)."""


def table_updates(database: Database) -> dict[str, tuple[int, int]]:
    """Rows updated so far and how many of them HOT, for each table of the schema."""
    time.sleep(STATS_FLUSH_S)
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables"
                " WHERE schemaname = current_schema()"
            )
        )
        return {name: (int(updated), int(hot)) for name, updated, hot in rows}


def table_sizes_mb(database: Database) -> dict[str, list[float]]:
    """Heap size and total size (with indexes and TOAST) of each table of the schema, in MB."""
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT relname, pg_relation_size(relid), pg_total_relation_size(relid)"
                " FROM pg_stat_user_tables WHERE schemaname = current_schema()"
            )
        )
        return {name: [round(heap / 2**20, 1), round(total / 2**20, 1)] for name, heap, total in rows}


def set_fill_factors(database: Database, settings: list[str]) -> dict[str, int]:
    """Apply ``TABLE=N`` fill factors to the fresh schema's tables; return them."""
    factors: dict[str, int] = {}
    for setting in settings:
        table, _, value = setting.partition("=")
        if not table.isidentifier() or not value.isdigit() or not 10 <= int(value) <= 100:
            raise SystemExit(f"--fillfactor {setting!r}: TABLE=N with N from 10 to 100")
        factors[table] = int(value)
    with database.engine.begin() as connection:
        for table, factor in factors.items():
            connection.exec_driver_sql(f"ALTER TABLE {table} SET (fillfactor = {factor})")
    return factors


def run_month(
    services: Services, database: Database, receiving: list[str], workers: int, index: int
) -> dict[str, Any]:
    """The payment run and the cycle of month ``index``, timed; their figures."""
    month, paid_on, cycle_on, run_id = month_dates(index)
    postgresql = database.dialect == "postgresql"
    server_before = server_cpu_s(database) if postgresql else None
    client_before = tree_cpu_s(os.getpid())
    started = time.perf_counter()
    withheld = withhold(services, receiving, workers, run_id, paid_on)
    withhold_s = time.perf_counter() - started
    print(f"{month}: withholding run: {withhold_s:.1f} s", file=sys.stderr)
    started = time.perf_counter()
    summary = run_cycle(services, ORG, month, cycle_on, workers=workers)
    cycle_only_s = time.perf_counter() - started
    print(f"{month}: cycle: {cycle_only_s:.1f} s", file=sys.stderr)
    server_after = server_cpu_s(database) if postgresql else None
    figures: dict[str, Any] = {
        "month": month,
        "cycle_s": round(withhold_s + cycle_only_s, 2),
        "withhold_s": round(withhold_s, 2),
        "cycle_only_s": round(cycle_only_s, 2),
        "letters": sum(summary.letters.values()),
        "withheld_claims": withheld,
        "load_average": round(os.getloadavg()[0], 2),
        "client_cpu_s": round(tree_cpu_s(os.getpid()) - client_before, 1),
    }
    if server_before is not None and server_after is not None:
        figures["server_cpu_s"] = round(server_after - server_before, 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="processes (default: one per core)"
    )
    parser.add_argument(
        "--keep", type=Path, default=None, help="write the database here instead of a temp dir"
    )
    parser.add_argument("--db", default=None, help="a PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument("--schema", default="bench_cycle", help="with --db: the schema built afresh")
    parser.add_argument("--keep-schema", action="store_true", help="with --db: keep the schema at the end")
    parser.add_argument(
        "--fillfactor",
        action="append",
        default=[],
        metavar="TABLE=N",
        help="with --db: a table's fill factor, set before the build (repeatable)",
    )
    parser.add_argument("--months", type=int, default=1, help="consecutive months run (default 1)")
    parser.add_argument(
        "--organisms",
        type=int,
        default=1,
        help="with --db: organisms sharing the claims; the timed runs work for the first",
    )
    parser.add_argument(
        "--interleaved",
        action="store_true",
        help="with --organisms: debtor ids dealt out in turn (default: one block per organism)",
    )
    args = parser.parse_args()
    postgresql = args.db is not None
    if (args.fillfactor or args.organisms != 1 or args.interleaved) and not postgresql:
        parser.error("--fillfactor, --organisms, --interleaved: only with --db")
    if args.organisms < 1 or args.claims // 2 < args.organisms:
        parser.error("--organisms: from 1 to a debtor each")
    if args.months < 1:
        parser.error("--months: at least 1")
    if postgresql:
        Database(args.db, schema=args.schema, migrate=False).drop_schema()
        database = Database(args.db, schema=args.schema)
        if database.dialect != "postgresql":
            parser.error("--db: a PostgreSQL URL (SQLite is the default mode)")
        fill_factors = set_fill_factors(database, args.fillfactor)
    else:
        folder = Path(tempfile.mkdtemp(prefix="recouvre-bench-")) if args.keep is None else args.keep
        database = Database(f"sqlite:///{folder / 'bench.db'}")
    services = Services(database)
    started = time.perf_counter()
    if postgresql:
        _, receiving = build_postgresql(database, args.claims, args.organisms, args.interleaved)
    else:
        _, receiving = build(database, args.claims)
    build_s = time.perf_counter() - started
    print(f"built {args.claims} claims in {build_s:.1f} s", file=sys.stderr)

    memory = TreeMemory()
    memory.start()
    months: list[dict[str, Any]] = []
    updates: list[dict[str, list[int]]] = []
    counted = table_updates(database) if postgresql else {}
    built_sizes = table_sizes_mb(database) if postgresql else {}
    for index in range(args.months):
        if index and postgresql:
            with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        elif index:
            with database.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
        months.append(run_month(services, database, receiving, args.workers, index))
        if postgresql:
            now = table_updates(database)
            updates.append(
                {
                    table: [updated - counted.get(table, (0, 0))[0], hot - counted.get(table, (0, 0))[1]]
                    for table, (updated, hot) in sorted(now.items())
                    if updated > counted.get(table, (0, 0))[0]
                }
            )
            counted = now
    sizes = table_sizes_mb(database) if postgresql else {}
    updated = sorted({table for month in updates for table in month})
    first = months[0]
    baseline_s = baseline(database)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    all_peak = memory.stop()
    figures: dict[str, Any] = {
        "claims": args.claims,
        "cycle_s": first["cycle_s"],
        "withhold_s": first["withhold_s"],
        "cycle_only_s": first["cycle_only_s"],
        "baseline_s": round(baseline_s, 3),
        "ratio": round(first["cycle_s"] / baseline_s, 1),
        "peak_rss_mb": round(peak, 1),
        "all_processes_peak_rss_mb": round(all_peak, 1),
        "build_s": round(build_s, 1),
        "letters": first["letters"],
        "withheld_claims": first["withheld_claims"],
    }
    # The machine may be shared: the load and the CPU time of this process and its workers
    # during the timed runs tell a slow run on a busy machine from a slow code.
    figures["load_average"] = first["load_average"]
    figures["client_cpu_s"] = first["client_cpu_s"]
    if postgresql:
        figures["engine"] = database.dialect
        if "server_cpu_s" in first:
            figures["server_cpu_s"] = first["server_cpu_s"]
        figures["fill_factors"] = fill_factors
        figures["organisms"] = args.organisms
        figures["interleaved"] = args.interleaved
        figures["updates"] = updates
        figures["sizes_mb"] = {t: {"built": built_sizes[t], "after": sizes[t]} for t in updated}
    if args.months > 1:
        figures["later_months"] = months[1:]
    if postgresql:
        if args.keep_schema:
            database.dispose()
        else:
            database.drop_schema()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
