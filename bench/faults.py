"""Fault injection: kill the batch steps at random points, resume them, compare with a clean run.

Usage::

    .venv/bin/python bench/faults.py [--runs 50] [--debtors 2000] [--workers 2] [--seed 1]
        [--steps payments,cycle] [--db postgresql://user@host:port/maintenance_db]
        [--pg-control scripts/postgres.sh] [--queue-workers N]

For each step (the monthly benefit-payment file withheld, the monthly cycle, a camt.053 bank
statement imported) the same
portfolio is set up, the step is run once without interruption and every table's content
digest kept (``storage.operations.content_digests``: surrogate ids and wall-clock stamps left
out). Then, ``--runs`` times: a fresh copy of the portfolio, the step started as a separate
process (``recouvre … --workers W``), and at a random moment one fault among

* ``parent``: SIGKILL to the command (its worker processes die with it, PR_SET_PDEATHSIG);
* ``worker``: SIGKILL to one of its worker processes (``--workers`` > 1);
* ``server``: PostgreSQL crashed (immediate stop) and started again on the same data (only
  with ``--pg-control``, whose ``restart`` does it; never in a test
  suite that shares the server);
* ``queue-worker`` (PostgreSQL, ``--queue-workers N``): the faulted runs are done by N
  ``recouvre worker`` processes through the job queue (ADR 0009), started beside the command
  against the run's database; SIGKILL to one of them (its running unit is given back to the
  queue once it is found stalled). ``parent`` then kills the waiting command, whose jobs go on.

then the step is run again until it succeeds, and the digests compared with the clean run.

Prints one JSON line per step: ``runs``, ``identical``, ``different``, ``interrupted`` (runs in
which the fault hit a running step; the others finished first), the faults drawn, and times.
Exit status 1 when any run differs. SQLite by default (a file per run, copied from a portfolio
built once); with ``--db``, one PostgreSQL database per run on that server.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from recouvre.adapters.generator import PortfolioSpec, load_portfolio
from recouvre.domain.model import Country
from recouvre.service import Services
from recouvre.service.references import assign_references
from recouvre.storage.database import Database
from recouvre.storage.operations import content_digests

ORGANISM = "CAF-FAULTS"
MONTH = "2026-11"
PAID_ON = "2026-11-05"
CYCLE_ON = "2026-11-28"
RECOUVRE = [sys.executable, "-m", "recouvre.cli"]


@dataclass
class Target:
    """One database the step runs on: its URL for the command line, and how to open it here."""

    url: str

    def open(self) -> Database:
        return Database(self.url)


@dataclass
class Outcome:
    step: str
    runs: int = 0
    identical: int = 0
    different: int = 0
    interrupted: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    clean_s: float = 0.0
    total_s: float = 0.0
    differences: list[str] = field(default_factory=list)


class Bench:
    def __init__(self, folder: Path, debtors: int, seed: int, server: str | None) -> None:
        self.folder = folder
        self.debtors = debtors
        self.seed = seed
        self.server = server
        self.payment_file = folder / "payments.csv"
        self.statement_file = folder / "statement.camt053.xml"
        self._base: Path | None = None
        self._count = 0

    # -- portfolios ---------------------------------------------------------------------------
    def fresh(self, with_payments: bool) -> Target:
        """A new database holding the portfolio (and the month's payments withheld, for the cycle)."""
        self._count += 1
        if self.server is None:
            base = self._sqlite_base(with_payments)
            path = self.folder / f"run-{self._count}.db"
            for suffix in ("", "-wal", "-shm", ".audit-key"):
                source = Path(f"{base}{suffix}")
                if source.exists():
                    shutil.copy(source, f"{path}{suffix}")
            return Target(f"sqlite:///{path}")
        target = self._pg_database(f"faults_{os.getpid()}_{self._count}")
        self._build(target, with_payments)
        return target

    def _sqlite_base(self, with_payments: bool) -> Path:
        path = self.folder / ("base-paid.db" if with_payments else "base.db")
        if not path.exists():
            self._build(Target(f"sqlite:///{path}"), with_payments)
        return path

    def _build(self, target: Target, with_payments: bool) -> None:
        database = target.open()
        spec = PortfolioSpec(ORGANISM, Country.FR, seed=self.seed)
        load_portfolio(Services(database), spec, self.debtors)
        if not self.payment_file.exists():
            self._write_payment_file(database)
        references = _payment_references(database)
        if not self.statement_file.exists():
            write_statement(self.statement_file, references)
        database.dispose()
        if with_payments:
            run(payments_command(target, self.payment_file, self.folder, workers=1), check=True)

    def _write_payment_file(self, database: Database) -> None:
        with database.engine.connect() as connection:
            refs = [row[0] for row in connection.execute(text("SELECT ref FROM debtors ORDER BY ref"))]
        with self.payment_file.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["debtor", "benefit", "regular", "arrears", "run_id", "paid_on"])
            for index, ref in enumerate(refs):
                writer.writerow([ref, "AF", "180.00", "60.00" if index % 10 == 0 else "", MONTH, PAID_ON])
                writer.writerow([ref, "AL", "310.00", "", MONTH, PAID_ON])

    def _pg_database(self, name: str) -> Target:
        assert self.server is not None
        admin = create_engine(_psycopg(self.server), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(self.server).set(database=name).render_as_string(hide_password=False)
        return Target(url)

    def drop(self, target: Target) -> None:
        if self.server is not None:
            name = make_url(target.url).database
            admin = create_engine(_psycopg(self.server), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def _payment_references(database: Database) -> list[str]:
    """Every claim's payment reference, given now (as the letters would have given them)."""
    services = Services(database)
    with database.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORGANISM)
        claims = [
            (int(ident), str(ref))
            for ident, ref in session.execute(
                text("SELECT id, ref FROM claims WHERE organism_id = :o ORDER BY id"), {"o": organism_id}
            )
        ]
        found = assign_references(session, organism_id, ORGANISM, claims)
    return [found[ident] for ident, _ in claims]


def write_statement(path: Path, references: list[str]) -> None:
    """A camt.053.001.08 statement with one credit of 7.00 per claim, quoting its reference, and
    one credit every tenth quoting no known reference (for the unmatched queue)."""
    entries = []
    for number, reference in enumerate(references, start=1):
        quoted = reference if number % 10 else f"RF00NOPE{number}"
        entries.append(
            f'<Ntry><NtryRef>{number}</NtryRef><Amt Ccy="EUR">7.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
            f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{PAID_ON}</Dt></BookgDt><NtryDtls><TxDtls>"
            f'<Amt Ccy="EUR">7.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RmtInf><Strd><CdtrRefInf>'
            f"<Ref>{quoted}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>FAULTS-1</MsgId><CreDtTm>{PAID_ON}T20:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>FAULTS-STMT-1</Id><CreDtTm>{PAID_ON}T20:00:00</CreDtTm>"
        "<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>"
    )


def _psycopg(url: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def payments_command(target: Target, payment_file: Path, folder: Path, workers: int) -> list[str]:
    output = folder / f"withheld-{abs(hash(target.url))}.csv"
    return [
        *RECOUVRE, "--db", target.url, "payments", "withhold", str(payment_file),
        "--organism", ORGANISM, "--output", str(output), "--workers", str(workers), "--chunk", "100",
    ]  # fmt: skip


def bank_command(target: Target, statement: Path) -> list[str]:
    return [*RECOUVRE, "--db", target.url, "bank", "import", str(statement), "--organism", ORGANISM]


def cycle_command(target: Target, workers: int) -> list[str]:
    return [
        *RECOUVRE, "--db", target.url, "cycle", "run", "--month", MONTH, "--organism", ORGANISM,
        "--date", CYCLE_ON, "--shard-size", "50", "--workers", str(workers),
    ]  # fmt: skip


def run(command: list[str], check: bool = False) -> int:
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=_environment())
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[3:7])}… exited {done.returncode}: {done.stderr[-800:]}")
    return done.returncode


def _environment() -> dict[str, str]:
    # A job-queue worker silent for 2 s is taken for dead (``--queue-workers``; no effect otherwise).
    return os.environ | {"COLUMNS": "120", "RECOUVRE_USER": ""} | QUEUE_ENVIRONMENT


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    if not task_dir.exists():
        return found
    for task in task_dir.iterdir():
        children = task / "children"
        if children.exists():
            found.extend(int(value) for value in children.read_text().split())
    return found


def inject(
    process: subprocess.Popen[bytes],
    fault: str,
    pg_control: Path | None,
    queue_workers: list[subprocess.Popen[bytes]] | None = None,
) -> None:
    if fault == "queue-worker" and queue_workers:
        alive = [worker for worker in queue_workers if worker.poll() is None]
        if alive:
            victim = random.choice(alive)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            return
        fault = "parent"
    if fault == "worker":
        workers = children_of(process.pid)
        # the resource tracker and the workers are children; any of them dying must be survived
        if workers:
            os.kill(random.choice(workers), signal.SIGKILL)
            return
        fault = "parent"
    if fault == "server" and pg_control is not None:
        # ``restart`` keeps the data (``stop`` would wipe the throwaway cluster): a crash, then
        # the server back on the same files, as after a power cut with the WAL replayed
        subprocess.run(["bash", str(pg_control), "restart"], capture_output=True, check=True)
        return
    process.send_signal(signal.SIGKILL)


QUEUE_ENVIRONMENT = {"RECOUVRE_WORKER_STALLED_S": "2"}


def start_queue_workers(target: Target, count: int) -> list[subprocess.Popen[bytes]]:
    """``count`` job-queue workers on the target's database, and wait until they are alive."""
    command = [*RECOUVRE, "--db", target.url, "worker", "--heartbeat", "0.3", "--stalled-after", "2"]
    workers = [
        subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=_environment(),
        )
        for _ in range(count)
    ]
    database = target.open()
    try:
        deadline = time.monotonic() + 60
        while True:
            with database.engine.connect() as connection:
                alive = connection.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar_one()
            if alive >= count or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    finally:
        database.dispose()
    return workers


def stop_queue_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def until_done(command: list[str], attempts: int = 6) -> None:
    last = ""
    for attempt in range(attempts):
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=_environment())
        if done.returncode == 0:
            return
        last = f"exit {done.returncode}: {done.stderr[-1200:]}"
        time.sleep(0.5 * (attempt + 1))  # a server being restarted
    raise RuntimeError(f"{' '.join(command[3:7])}… did not succeed after {attempts} attempts; last {last}")


def trial(
    bench: Bench,
    step: str,
    command_of: Callable[[Target], list[str]],
    runs: int,
    faults: list[str],
    pg_control: Path | None,
    queue_workers: int = 0,
) -> Outcome:
    outcome = Outcome(step)
    started = time.perf_counter()
    with_payments = step == "cycle"
    clean = bench.fresh(with_payments)
    began = time.perf_counter()
    run(command_of(clean), check=True)
    outcome.clean_s = round(time.perf_counter() - began, 2)
    database = clean.open()
    expected = content_digests(database)
    database.dispose()
    bench.drop(clean)
    for _ in range(runs):
        target = bench.fresh(with_payments)
        fault = random.choice(faults)
        outcome.faults[fault] = outcome.faults.get(fault, 0) + 1
        workers = start_queue_workers(target, queue_workers) if queue_workers and step != "bank" else []
        process = subprocess.Popen(
            command_of(target), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_environment()
        )
        time.sleep(random.uniform(0.05, max(0.1, outcome.clean_s * 0.9)))
        if process.poll() is None:
            inject(process, fault if workers or fault != "queue-worker" else "parent", pg_control, workers)
            outcome.interrupted += 1
        process.wait()
        try:
            until_done(command_of(target))
        finally:
            stop_queue_workers(workers)
        database = target.open()
        found = content_digests(database)
        database.dispose()
        bench.drop(target)
        outcome.runs += 1
        if found == expected:
            outcome.identical += 1
        else:
            outcome.different += 1
            tables = sorted(name for name in expected if found.get(name) != expected[name])
            outcome.differences.append(f"{fault}: {', '.join(tables)}")
    outcome.total_s = round(time.perf_counter() - started, 2)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--debtors", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", default="payments,cycle,bank")
    parser.add_argument("--db", default=None, help="PostgreSQL server URL (a maintenance database)")
    parser.add_argument(
        "--pg-control", type=Path, default=None, help="scripts/postgres.sh, to restart the server"
    )
    parser.add_argument(
        "--queue-workers",
        type=int,
        default=0,
        help="PostgreSQL: faulted runs through the job queue with N `recouvre worker` processes",
    )
    options = parser.parse_args(argv)
    if options.queue_workers and not options.db:
        parser.error("--queue-workers: the job queue is on PostgreSQL only (--db)")
    random.seed(options.seed)
    faults = ["parent"] + (["worker"] if options.workers > 1 else [])
    if options.queue_workers:
        faults = ["parent", "queue-worker", "queue-worker"]
    if options.db and options.pg_control:
        faults.append("server")
    status = 0
    with tempfile.TemporaryDirectory(prefix="recouvre-faults-") as folder:
        bench = Bench(Path(folder), options.debtors, options.seed, options.db)
        steps: dict[str, Callable[[Target], list[str]]] = {
            "payments": lambda target: payments_command(
                target, bench.payment_file, Path(folder), options.workers
            ),
            "cycle": lambda target: cycle_command(target, options.workers),
            "bank": lambda target: bank_command(target, bench.statement_file),
        }
        for step in options.steps.split(","):
            outcome = trial(
                bench, step, steps[step], options.runs, faults, options.pg_control, options.queue_workers
            )
            print(json.dumps(outcome.__dict__, ensure_ascii=False), flush=True)
            status = status or (1 if outcome.different else 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
