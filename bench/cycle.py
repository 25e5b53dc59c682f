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


def build_postgresql(database: Database, claims: int) -> tuple[int, list[str]]:
    """The same portfolio as ``build``, loaded with ``COPY`` and explicit ids (a fresh schema:
    the ids are those the sequences would give), then the sequences set past them."""
    services = Services(database)
    ensure_organism(services, Organism(code=ORG, country=Country.FR))
    stamp = datetime.now(UTC)
    debtors = claims // 2
    receiving: list[str] = []
    with database.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        driver = session.connection().connection.driver_connection
        for start in range(0, debtors, COPY_ROWS):
            stop = min(start + COPY_ROWS, debtors)
            _copy(
                driver,
                "debtors",
                ("id", "organism_id", "ref", "kind", "name", "receives_benefits"),
                (
                    (index + 1, organism_id, f"B{index:08d}", "person", f"Débiteur {index}", index % 2 == 0)
                    for index in range(start, stop)
                ),
            )
            receiving.extend(f"B{index:08d}" for index in range(start, stop, 2) if index % 2 == 0)
            _copy(
                driver,
                "debtor_quotients",
                ("id", "debtor_id", "valid_from", "value_cents"),
                (
                    (index + 1, index + 1, date(2026, 1, 1), 40_000 + (index % 20_000 % 90) * 1_000)
                    for index in range(start, stop)
                ),
            )
            # the quotient of ``build`` (its 20,000-debtor blocks count from 0 each);
            # claim ``number`` (1, 2) of debtor ``index`` has id 2 * index + number, as ``build``
            # gives them; its principal as ``build`` computes it.
            parts = [
                (2 * index + number, index, number, 20_000 + (index % 50) * 3_000 + number * 1_000)
                for index in range(start, stop)
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
                        organism_id,
                        index + 1,
                        f"B{index:08d}-{number}",
                        "AL" if number == 1 else "AF",
                        "own",
                        "debtor_error",
                        NOTIFIED,
                        NOTIFIED,
                        NOTIFIED,
                        principal,
                        "",
                    )
                    for ident, index, number, principal in parts
                ),
            )
            _copy(
                driver,
                "claim_lines",
                ("id", "claim_id", "line_no", "paid_on", "amount_cents"),
                ((ident, ident, 1, date(2026, 5, 5), principal) for ident, _, _, principal in parts),
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
                        f"{ORG}:B{index:08d}-{number}:established",
                        ident,
                        1,
                        "established",
                        principal,
                        principal,
                        NOTIFIED,
                        "",
                        stamp,
                    )
                    for ident, index, number, principal in parts
                ),
            )
            _copy(
                driver,
                "claim_state",
                ("claim_id", "recovery_mode", "phase", "step_offset"),
                ((ident, "withholding", "amicable", 0) for ident, _, _, _ in parts),
            )
        for table in ("debtors", "debtor_quotients", "claims", "claim_lines", "movements"):
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            )
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    return organism_id, receiving


def withhold(services: Services, receiving: list[str], workers: int) -> int:
    """One benefit payment run, as ``recouvre payments withhold`` runs it: chunks on ``workers``."""
    batches = (  # built as the workers ask for them: a national run's payments never all in memory
        PaymentBatch(
            RUN_ID,
            tuple(
                BenefitPayment(
                    ref, PAID_ON, {"AF": 25_000, "AL": 18_000}, {"AF": 5_000} if i % 10 == 0 else {}
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
    args = parser.parse_args()
    postgresql = args.db is not None
    if postgresql:
        Database(args.db, schema=args.schema, migrate=False).drop_schema()
        database = Database(args.db, schema=args.schema)
        if database.dialect != "postgresql":
            parser.error("--db: a PostgreSQL URL (SQLite is the default mode)")
    else:
        folder = Path(tempfile.mkdtemp(prefix="recouvre-bench-")) if args.keep is None else args.keep
        database = Database(f"sqlite:///{folder / 'bench.db'}")
    services = Services(database)
    started = time.perf_counter()
    _, receiving = (build_postgresql if postgresql else build)(database, args.claims)
    build_s = time.perf_counter() - started
    print(f"built {args.claims} claims in {build_s:.1f} s", file=sys.stderr)

    server_before = server_cpu_s(database) if postgresql else None
    client_before = tree_cpu_s(os.getpid())
    memory = TreeMemory()
    memory.start()
    started = time.perf_counter()
    withheld = withhold(services, receiving, args.workers)
    withhold_s = time.perf_counter() - started
    print(f"withholding run: {withhold_s:.1f} s", file=sys.stderr)
    started = time.perf_counter()
    summary = run_cycle(services, ORG, MONTH, CYCLE_ON, workers=args.workers)
    cycle_only_s = time.perf_counter() - started
    print(f"cycle: {cycle_only_s:.1f} s", file=sys.stderr)
    server_after = server_cpu_s(database) if postgresql else None
    client_cpu = tree_cpu_s(os.getpid()) - client_before
    load_average = os.getloadavg()[0]
    baseline_s = baseline(database)
    cycle_s = withhold_s + cycle_only_s
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    all_peak = memory.stop()
    figures: dict[str, Any] = {
        "claims": args.claims,
        "cycle_s": round(cycle_s, 2),
        "withhold_s": round(withhold_s, 2),
        "cycle_only_s": round(cycle_only_s, 2),
        "baseline_s": round(baseline_s, 3),
        "ratio": round(cycle_s / baseline_s, 1),
        "peak_rss_mb": round(peak, 1),
        "all_processes_peak_rss_mb": round(all_peak, 1),
        "build_s": round(build_s, 1),
        "letters": sum(summary.letters.values()),
        "withheld_claims": withheld,
    }
    # The machine may be shared: the load and the CPU time of this process and its workers
    # during the timed runs tell a slow run on a busy machine from a slow code.
    figures["load_average"] = round(load_average, 2)
    figures["client_cpu_s"] = round(client_cpu, 1)
    if postgresql:
        figures["engine"] = database.dialect
        if server_before is not None and server_after is not None:
            figures["server_cpu_s"] = round(server_after - server_before, 1)
        if args.keep_schema:
            database.dispose()
        else:
            database.drop_schema()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
