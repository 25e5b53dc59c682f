"""A payment run's batches and the cycle's shards as jobs of the PostgreSQL job queue
(``service.job_queue``, ADR 0009).

Three ``recouvre worker`` processes, each with its own connections as on separate machines, run
the batches of ``recouvre payments withhold --jobs`` then the shards of ``recouvre cycle run
--jobs``; during each step one worker is killed with SIGKILL while it runs a unit. The stalled
unit is given back to the queue and done again, and the database ends with exactly the tables
of an uninterrupted run in one process (and the same withholding file)."""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from conftest import PG_SKIP_REASON, PG_URL, open_database
from recouvre.adapters.generator import PortfolioSpec, load_portfolio
from recouvre.domain.model import Country, DomainError
from recouvre.domain.withholding import BenefitPayment
from recouvre.service import Services, job_queue, metrics, withholding
from recouvre.service.withholding import PaymentBatch
from recouvre.storage.database import Database
from recouvre.storage.operations import content_digests

ORGANISM = "CAF-JOBS"
MONTH = "2026-11"
CYCLE_ON = "2026-11-28"
PAID_ON = "2026-11-05"
DEBTORS = 1_200
SHARD = 100
RECOUVRE = [sys.executable, "-m", "recouvre.cli"]
UNIT_TASKS = re.compile(rf"({re.escape(job_queue.CYCLE_SHARD)}|{re.escape(job_queue.PAYMENT_BATCH)})\[")
ENVIRONMENT = os.environ | {
    "COLUMNS": "120",
    "RECOUVRE_USER": "",
    "RECOUVRE_WORKER_STALLED_S": "2",
    "RECOUVRE_JOBS_PATIENCE_S": "30",
}


def _admin() -> str:
    assert PG_URL is not None
    return make_url(PG_URL).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def _create(name: str, template: str | None = None) -> str:
    admin = create_engine(_admin(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(
            text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        )
    admin.dispose()
    return make_url(_admin()).set(database=name).render_as_string(hide_password=False)


def _drop(*names: str) -> None:
    admin = create_engine(_admin(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _cycle(url: str, *options: str) -> list[str]:
    return [
        *RECOUVRE, "--db", url, "cycle", "run", "--month", MONTH, "--organism", ORGANISM,
        "--date", CYCLE_ON, "--shard-size", str(SHARD), "--without-payment-run", *options,
    ]  # fmt: skip


@dataclass
class Worker:
    """A ``recouvre worker`` process and the log it writes (procrastinate's lines: a job
    started, a job ended)."""

    process: subprocess.Popen[bytes]
    log: Path

    def busy(self) -> bool:
        """Running a unit (a payment batch or a cycle shard, not the periodic recovery)."""
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        units = [line for line in lines if UNIT_TASKS.search(line)]
        return sum("Starting job" in line for line in units) > sum(
            "ended with status" in line for line in units
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def _worker(url: str, log: Path) -> Worker:
    with log.open("wb") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [*RECOUVRE, "--db", url, "worker", "--heartbeat", "0.3", "--stalled-after", "2"],
            stdout=subprocess.DEVNULL,
            stderr=out,
            env=ENVIRONMENT,
        )
    return Worker(process, log)


def _portfolios(debtors: int, name: str) -> Iterator[tuple[str, str]]:
    """Two identical databases holding the same portfolio: one for each way of running."""
    if PG_URL is None:
        pytest.skip(PG_SKIP_REASON)
    base = f"jobs_{name}_{os.getpid()}"
    url = _create(base)
    database = Database(url)
    load_portfolio(Services(database), PortfolioSpec(ORGANISM, Country.FR, seed=7), debtors)
    database.dispose()
    yield _create(f"{base}_one", base), _create(f"{base}_queue", base)
    _drop(f"{base}_one", f"{base}_queue", base)


@pytest.fixture
def portfolio() -> Iterator[tuple[str, str]]:
    yield from _portfolios(DEBTORS, "big")


@pytest.fixture
def small_portfolio() -> Iterator[tuple[str, str]]:
    yield from _portfolios(300, "small")


def _scalar(database: Database, sql: str) -> int:
    with database.engine.connect() as connection:
        return int(connection.execute(text(sql)).scalar_one())


def _payment_file(url: str, path: Path) -> Path:
    database = Database(url, migrate=False)
    with database.engine.connect() as connection:
        refs = [row[0] for row in connection.execute(text("SELECT ref FROM debtors ORDER BY ref"))]
    database.dispose()
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["debtor", "benefit", "regular", "arrears", "run_id", "paid_on"])
        for index, ref in enumerate(refs):
            writer.writerow([ref, "AF", "180.00", "60.00" if index % 10 == 0 else "", MONTH, PAID_ON])
            writer.writerow([ref, "AL", "310.00", "", MONTH, PAID_ON])
    return path


def _withhold(url: str, payments: Path, output: Path, *options: str) -> list[str]:
    return [
        *RECOUVRE, "--db", url, "payments", "withhold", str(payments), "--organism", ORGANISM,
        "--output", str(output), "--chunk", str(SHARD), *options,
    ]  # fmt: skip


def _stop(workers: list[Worker]) -> None:
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()


def _kill_while_busy(command: list[str], victim: Worker) -> str:
    """Run ``command``; kill ``victim`` while it runs one of the command's jobs; the command's stderr."""
    run = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENVIRONMENT
    )
    while not victim.busy():
        assert run.poll() is None, run.communicate()
        time.sleep(0.02)
    victim.kill()
    _, err = run.communicate(timeout=180)
    assert run.returncode == 0, err
    return err


def _given_back(err: str, workers: list[Worker]) -> int:
    """How many times a dead worker's job was given back to the queue so far: by the waiting
    command (its stderr) or by a live worker's periodic recovery (its log), whichever found the
    dead worker first (the other then leaves the job as it is)."""
    said = "given back to the queue"
    return err.count(said) + sum(worker.log.read_text(errors="replace").count(said) for worker in workers)


def test_workers_killed_mid_run_change_nothing(portfolio: tuple[str, str], tmp_path: Path) -> None:
    one, queue = portfolio
    payments = _payment_file(one, tmp_path / "payments.csv")
    started = time.perf_counter()
    for command in (
        _withhold(one, payments, tmp_path / "one.csv", "--no-jobs", "--workers", "1"),
        _cycle(one, "--no-jobs", "--workers", "1"),
    ):
        alone = subprocess.run(command, capture_output=True, text=True, env=ENVIRONMENT)
        assert alone.returncode == 0, alone.stderr
    single_s = time.perf_counter() - started

    database = Database(queue, migrate=False)
    workers = [_worker(queue, tmp_path / f"worker-{number}.log") for number in range(3)]
    try:
        deadline = time.monotonic() + 90
        while _scalar(database, "SELECT count(*) FROM procrastinate_workers") < 3:
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.1)
        # A worker killed while it withholds on a batch, then another while it runs a shard: each
        # time its unit stays 'doing' until the worker is found stalled, then is done again.
        before = _given_back("", workers)
        err = _kill_while_busy(_withhold(queue, payments, tmp_path / "queue.csv", "--jobs"), workers[0])
        assert _given_back(err, workers) > before
        assert _scalar(database, "SELECT count(*) FROM queued_payment_batches") == 0
        before = _given_back("", workers)
        err = _kill_while_busy(_cycle(queue, "--jobs"), workers[1])
        assert _given_back(err, workers) > before
        assert _scalar(database, "SELECT count(*) FROM cycle_shards") == -(-DEBTORS // SHARD)
        assert _scalar(database, "SELECT count(*) FROM cycle_runs WHERE status = 'done'") == 1
    finally:
        _stop(workers)
        database.dispose()
    queued_s = time.perf_counter() - started - single_s

    assert (tmp_path / "queue.csv").read_text() == (tmp_path / "one.csv").read_text()
    expected = Database(one, migrate=False)
    found = Database(queue, migrate=False)
    try:
        wanted, got = content_digests(expected), content_digests(found)
    finally:
        expected.dispose()
        found.dispose()
    assert wanted["movements"][0] > 0 and wanted["letters"][0] > 0 and wanted["benefit_payments"][0] > 0
    assert sorted(name for name in wanted if got.get(name) != wanted[name]) == []
    print(f"one process {single_s:.1f} s, workers (two killed) {queued_s:.1f} s")


@pytest.mark.postgres
def test_without_workers_the_jobs_wait_and_a_detached_run_is_ended_by_a_worker(
    small_portfolio: tuple[str, str], tmp_path: Path
) -> None:
    one, queue = small_portfolio
    alone = subprocess.run(_cycle(one, "--no-jobs"), capture_output=True, text=True, env=ENVIRONMENT)
    assert alone.returncode == 0, alone.stderr
    database = Database(queue, migrate=False)
    try:
        # Asked for the queue with no worker alive: a clear refusal, the shards left queued.
        impatient = ENVIRONMENT | {"RECOUVRE_JOBS_PATIENCE_S": "1"}
        waited = subprocess.run(_cycle(queue, "--jobs"), capture_output=True, text=True, env=impatient)
        assert waited.returncode == 1
        assert "aucun worker actif" in waited.stderr and "recouvre worker" in waited.stderr
        queued = _scalar(database, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")
        assert queued == 3 and _scalar(database, "SELECT count(*) FROM cycle_shards") == 0
        scraped = metrics.exposition(Services(database)).decode()
        assert (
            'recouvre_job_queue_jobs{queue="recouvre",status="todo",task="recouvre.cycle_shard"} 3.0'
            in scraped
        )
        assert "recouvre_job_queue_workers 0.0" in scraped
        # Detached: nothing queued twice; the worker that does the last shard ends the run, even
        # when another worker died in the middle of a shard.
        detached = subprocess.run(_cycle(queue, "--detach"), capture_output=True, text=True, env=ENVIRONMENT)
        assert detached.returncode == 0, detached.stderr
        assert "passage n°" in detached.stdout and "3 tranche(s) en file" in detached.stdout
        assert _scalar(database, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'") == queued
        status = [*RECOUVRE, "--db", queue, "cycle", "status", "--month", MONTH, "--organism", ORGANISM]
        waiting = subprocess.run(status, capture_output=True, text=True, env=ENVIRONMENT)
        assert "en cours, 0 tranche(s) terminée(s) sur 3" in waiting.stdout, waiting.stdout + waiting.stderr
        assert "3 en file ; 0 worker(s) actif(s)" in waiting.stdout
        # Nobody waits: the first worker seen running a shard is killed, and the other gives its
        # shard back to the queue (the periodic recovery) and does it.
        workers = [_worker(queue, tmp_path / f"worker-{number}.log") for number in range(2)]
        try:
            deadline = time.monotonic() + 60
            while not any(worker.busy() for worker in workers):
                assert time.monotonic() < deadline, "no worker took a shard"
                time.sleep(0.01)
            victim = next(worker for worker in workers if worker.busy())
            victim.kill()
            survivor = next(worker for worker in workers if worker is not victim)
            deadline = time.monotonic() + 90
            while _scalar(database, "SELECT count(*) FROM cycle_runs WHERE status = 'done'") == 0:
                assert time.monotonic() < deadline and survivor.process.poll() is None, (
                    victim.log.read_text() + survivor.log.read_text()
                )
                time.sleep(0.2)
            assert "given back to the queue" in survivor.log.read_text()
        finally:
            _stop(workers)
        # Following the run (the same command again) reports it done, with its counts.
        followed = subprocess.run(_cycle(queue), capture_output=True, text=True, env=ENVIRONMENT)
        assert followed.returncode == 0 and "déjà été exécuté" in followed.stdout
        ended = subprocess.run(status, capture_output=True, text=True, env=ENVIRONMENT)
        assert "terminé, 3 tranche(s) terminée(s) sur 3" in ended.stdout
    finally:
        database.dispose()
    expected, found = Database(one, migrate=False), Database(queue, migrate=False)
    try:
        wanted, got = content_digests(expected), content_digests(found)
    finally:
        expected.dispose()
        found.dispose()
    assert sorted(name for name in wanted if got.get(name) != wanted[name]) == []


@pytest.mark.postgres
def test_with_no_worker_alive_the_queued_batches_run_here_and_a_refusal_names_its_batch(
    tmp_path: Path,
) -> None:
    database = open_database("postgres", tmp_path)
    try:
        services = Services(database)
        load_portfolio(services, PortfolioSpec(ORGANISM, Country.FR, seed=7), 20)
        with database.engine.connect() as connection:
            refs = [row[0] for row in connection.execute(text("SELECT ref FROM debtors ORDER BY ref"))]
        paid_on = date(2026, 11, 5)
        good = PaymentBatch(MONTH, tuple(BenefitPayment(ref, paid_on, {"AF": 18_000}) for ref in refs[:10]))
        bad = PaymentBatch(MONTH, (BenefitPayment("INCONNU", paid_on, {"AF": 100}),))
        with pytest.raises(withholding.QueuedBatchRejected) as refused:
            list(withholding._withhold_as_jobs(services, ORGANISM, [good, bad], False, None))
        assert refused.value.batch == 1 and refused.value.problems[0].value == "INCONNU"
        assert _scalar(database, "SELECT count(*) FROM benefit_payments") == 10  # the first batch, here
        assert _scalar(database, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'") == 0
    finally:
        database.drop_schema()


def test_the_queue_is_refused_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    done = subprocess.run([*RECOUVRE, "--db", url, "worker"], capture_output=True, text=True, env=ENVIRONMENT)
    assert done.returncode == 1
    assert "PostgreSQL" in done.stderr
    services = Services(Database(url))
    with pytest.raises(DomainError, match="PostgreSQL"):
        job_queue.use_jobs(services, True)
    assert not job_queue.use_jobs(services, None)  # automatic: the in-process pool
    services.db.dispose()


@pytest.mark.postgres
def test_a_job_given_back_by_another_process_meanwhile_is_left_as_it_is(tmp_path: Path) -> None:
    """A waiting command and a worker's periodic recovery may both find a job stalled and give it
    back: the second is refused by the queue (the job is no longer ``doing``), which is not an
    error (``job_queue.given_back_meanwhile``); any other refusal still is."""
    from procrastinate.exceptions import ConnectorException  # the PostgreSQL extra

    database = open_database("postgres", tmp_path)
    try:
        services = Services(database)
        waiting = job_queue.enqueue(services, job_queue.CYCLE_SHARD, [{"run_id": 1, "start": 0}])
        (ident,) = waiting.jobs
        app = job_queue.job_app(services)
        with app.open(), pytest.raises(ConnectorException) as refused:
            app.job_manager.retry_job_by_id(ident, retry_at=datetime.now(UTC))  # 'todo', not 'doing'
        assert job_queue.given_back_meanwhile(refused.value)
        assert not job_queue.given_back_meanwhile(ConnectorException("connection refused"))
    finally:
        database.drop_schema()
