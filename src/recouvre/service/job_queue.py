"""The batch steps' units of work as jobs of a PostgreSQL job queue (procrastinate, ADR 0009).

On PostgreSQL, a monthly cycle's shards and a payment run's batches become jobs in the
database's ``procrastinate_jobs`` table (created by migration ``0018_job_queue``), run by
``recouvre worker`` processes on any number of machines, each with its own connections. A job
carries ids only (a cycle run's id and a shard's first debtor; the id of a payment batch staged
in ``queued_payment_batches``): the worker reads everything else from the database, like the
in-process pool's units do (``service.batch``). Units are idempotent (a shard's
``cycle_shards`` row is written in the shard's own transaction; a payment is booked once, by
its ``benefit_payments`` key): a job run twice, or retried after its worker died, writes
nothing twice.

Whoever enqueues waits for the jobs (``wait_for``), feeding a progress bar with their states,
and on the way:

* gives back to the queue the jobs of workers that stopped sending heartbeats (killed,
  machine lost): procrastinate marks such workers stalled, and a stalled job is retried
  (the workers do the same every ``RECOVER_EVERY_S``, for the runs nobody waits for);
* runs in this process a job that failed on a worker, so that the caller gets the real reason
  (a ledger refusal…) or, for a transient failure, the shard done;
* when no worker is alive, either runs the remaining units itself (``fallback``: the default
  where the queue was chosen automatically) or, after ``patience_s``, gives up with a French
  message (the queue was asked for explicitly); the jobs not taken are cancelled in the first
  case and stay queued in the second, for the workers to come.

SQLite keeps the in-process pool: there is no queue there.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError

from recouvre.domain.model import DomainError
from recouvre.service.batch import collector_paused
from recouvre.service.context import Services

if TYPE_CHECKING:  # procrastinate is installed with the PostgreSQL extra only
    import procrastinate

log = logging.getLogger(__name__)

QUEUE = "recouvre"
CYCLE_SHARD = "recouvre.cycle_shard"
PAYMENT_BATCH = "recouvre.payment_batch"
RECOVER_STALLED = "recouvre.recover_stalled"
JOBS_VARIABLE = "RECOUVRE_JOBS"
"""``1``/``0``: use the job queue or not; unset: automatically (PostgreSQL and a live worker)."""
HEARTBEAT_S = float(os.environ.get("RECOUVRE_WORKER_HEARTBEAT_S") or 10.0)
STALLED_AFTER_S = float(os.environ.get("RECOUVRE_WORKER_STALLED_S") or 30.0)
"""A worker whose last heartbeat is older is taken for dead, and its running jobs retried."""
PATIENCE_S = float(os.environ.get("RECOUVRE_JOBS_PATIENCE_S") or 60.0)
POLL_S = 0.5
FETCH_POLL_S = 1.0
"""How often an idle worker looks for jobs besides being woken by new ones: a job given back to
the queue (a stalled or retried one) wakes nobody."""
RECOVER_EVERY_S = 15


def supported(services: Services) -> bool:
    return services.db.dialect == "postgresql"


def conninfo(services: Services) -> tuple[str, dict[str, Any]]:
    """The libpq URL of the services' database and the connection's options (its schema)."""
    url = make_url(services.db.url).set(drivername="postgresql").render_as_string(hide_password=False)
    options: dict[str, Any] = {}
    if services.db.schema is not None:
        options["options"] = f"-csearch_path={services.db.schema}"
    return url, options


def job_app(
    services: Services,
    *,
    pool_size: int = 2,
    stalled_after_s: float = STALLED_AFTER_S,
    chores: bool = False,
) -> procrastinate.App:
    """A procrastinate app on the services' database, with the batch steps' tasks (a worker
    silent for ``stalled_after_s`` is taken for dead by the periodic recovery); with ``chores``,
    also the unattended chores (``service.commands.chores``): the day's at ``CHORES_CRON``,
    the outbox sent at ``SEND_CRON``. Procrastinate defers a periodic task once per moment
    whatever the number of workers started with ``--chores``."""
    import procrastinate

    url, options = conninfo(services)
    connector = procrastinate.PsycopgConnector(
        conninfo=url, kwargs=options, min_size=1, max_size=max(2, pool_size)
    )
    app = procrastinate.App(connector=connector)
    # A unit that lost its connection (the server restarted, a network cut) is tried again by a
    # worker a little later; any other failure stays failed (the waiting command runs it again
    # itself and reports the reason).
    transient = procrastinate.RetryStrategy(
        max_attempts=5, linear_wait=2, retry_exceptions={OperationalError, InterfaceError}
    )

    @app.task(name=CYCLE_SHARD, queue=QUEUE, retry=transient)
    def cycle_shard(run_id: int, start: int) -> int:
        from recouvre.service import cycle

        with collector_paused():
            return cycle.run_shard_job(services, run_id, start)

    @app.task(name=PAYMENT_BATCH, queue=QUEUE, retry=transient)
    def payment_batch(batch_id: int) -> int:
        from recouvre.service import withholding

        with collector_paused():
            return withholding.run_batch_job(services, batch_id)

    @app.periodic(cron=f"* * * * * */{RECOVER_EVERY_S}")  # the 6th field: seconds
    @app.task(name=RECOVER_STALLED, queue=QUEUE, pass_context=True)
    async def recover_stalled(context: procrastinate.JobContext, timestamp: int) -> int:
        """Give the jobs of workers taken for dead back to the queue (runs nobody waits for)."""
        manager = context.app.job_manager
        stalled = list(await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_s))
        for job in stalled:
            log.warning("job %s of a stalled worker given back to the queue", job.id)
            try:
                await manager.retry_job(job)
            except procrastinate.exceptions.ConnectorException as error:
                if not given_back_meanwhile(error):
                    raise
        return len(stalled)

    del cycle_shard, payment_batch, recover_stalled
    if chores:
        _schedule_chores(app, services)
    return app


CHORES_CRON = "0 6 * * *"
"""The day's chores at 06:00 (UTC, the workers' clock): before the case workers arrive."""
SEND_CRON = "*/5 * * * *"
"""The outbox sent every five minutes (retries of temporary failures included)."""
DAILY_CHORES = "recouvre.daily_chores"
SEND_OUTBOX = "recouvre.send_outbox"


def _schedule_chores(app: procrastinate.App, services: Services) -> None:
    from datetime import UTC, datetime

    from recouvre.service.accounts import SYSTEM_ACTOR
    from recouvre.service.commands import chores

    @app.periodic(cron=CHORES_CRON)
    @app.task(name=DAILY_CHORES, queue=QUEUE)
    def daily_chores(timestamp: int) -> list[str]:
        # the day is the moment procrastinate scheduled, not the clock when a worker got to it
        on = datetime.fromtimestamp(timestamp, UTC).date()
        report = chores.daily_chores(services, SYSTEM_ACTOR, on)
        for line in report.lines():
            log.info("travaux du %s : %s", on.isoformat(), line)
        return report.lines()

    @app.periodic(cron=SEND_CRON)
    @app.task(name=SEND_OUTBOX, queue=QUEUE)
    def send_outbox(timestamp: int) -> int:
        return chores.send_due(services, SYSTEM_ACTOR).sent

    del daily_chores, send_outbox


def use_jobs(services: Services, requested: bool | None) -> bool:
    """Whether a batch step goes through the job queue: ``requested`` (``--jobs``/``--no-jobs``),
    else ``RECOUVRE_JOBS``, else automatically: on PostgreSQL when a worker is alive."""
    if requested is None and os.environ.get(JOBS_VARIABLE, "") in ("0", "1"):
        requested = os.environ[JOBS_VARIABLE] == "1"
    if requested is False:
        return False
    if not supported(services):
        if requested:
            raise DomainError(
                "jobs",
                services.db.dialect,
                "la file de tâches n'existe que sur PostgreSQL : sur SQLite, les tranches tournent "
                "dans ce processus (--workers)",
            )
        return False
    return True if requested else live_workers(services) > 0


def live_workers(services: Services) -> int:
    """Workers whose heartbeat is recent."""
    with services.db.unit_of_work() as session:
        count = session.execute(
            text(
                "SELECT count(*) FROM procrastinate_workers "
                "WHERE last_heartbeat > now() - make_interval(secs => :seconds)"
            ),
            {"seconds": STALLED_AFTER_S},
        ).scalar_one()
    return int(count)


def queue_figures(services: Services) -> list[tuple[str, str, str, int]]:
    """Jobs queued, running and failed by queue, task and status (nothing on SQLite)."""
    if not supported(services):
        return []
    with services.db.unit_of_work() as session:
        rows = session.execute(
            text(
                "SELECT queue_name, task_name, status::text, count(*) FROM procrastinate_jobs "
                "WHERE status IN ('todo', 'doing', 'failed') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
            )
        ).all()
    return [(str(queue), str(task), str(status), int(count)) for queue, task, status, count in rows]


@dataclass
class Waiting:
    """The jobs of a batch step someone waits for, with what each job is (its task's kwargs)."""

    task: str
    jobs: dict[int, Mapping[str, Any]]


def pending_jobs(services: Services, task: str, **kwargs: Any) -> dict[int, dict[str, Any]]:
    """The jobs of ``task`` whose arguments include ``kwargs`` that are queued or running."""
    import json

    with services.db.unit_of_work() as session:
        rows = session.execute(
            text(
                "SELECT id, args FROM procrastinate_jobs WHERE task_name = :task "
                "AND args @> CAST(:args AS jsonb) AND status IN ('todo', 'doing')"
            ),
            {"task": task, "args": json.dumps(kwargs)},
        ).all()
    return {int(ident): dict(args) for ident, args in rows}


def cancel(services: Services, ids: Iterable[int]) -> int:
    """Cancel the jobs among ``ids`` that no worker has started; how many were."""
    todo = list(ids)
    if not todo:
        return 0
    app = job_app(services)
    with app.open():
        return sum(1 for ident in todo if app.job_manager.cancel_job_by_id(ident))


def job_counts(services: Services, task: str, **kwargs: Any) -> dict[str, int]:
    """How many jobs of ``task`` whose arguments include ``kwargs`` are in each state (succeeded
    jobs are deleted by the workers: not counted)."""
    import json

    if not supported(services):
        return {}
    with services.db.unit_of_work() as session:
        rows = session.execute(
            text(
                "SELECT status::text, count(*) FROM procrastinate_jobs WHERE task_name = :task "
                "AND args @> CAST(:args AS jsonb) GROUP BY 1"
            ),
            {"task": task, "args": json.dumps(kwargs)},
        ).all()
    return {str(status): int(count) for status, count in rows}


def enqueue(services: Services, task: str, arguments: Iterable[Mapping[str, Any]]) -> Waiting:
    """Queue one job of ``task`` per set of arguments (ids only), in one statement."""
    todo = [dict(item) for item in arguments]
    if not todo:
        return Waiting(task, {})
    app = job_app(services)
    with app.open():
        ids = app.tasks[task].batch_defer(*todo)
    return Waiting(task, dict(zip(ids, todo, strict=True)))


def _states(services: Services, ids: list[int]) -> dict[int, tuple[str, int | None]]:
    query = text(
        "SELECT id, status::text, worker_id FROM procrastinate_jobs WHERE id = ANY(:ids)"
    ).bindparams(bindparam("ids", type_=ARRAY(BIGINT)))
    with services.db.unit_of_work() as session:
        rows = session.execute(query, {"ids": ids})
        return {int(ident): (status, worker) for ident, status, worker in rows}


def given_back_meanwhile(error: BaseException) -> bool:
    """Whether giving a stalled job back failed because another process (a waiting command, a
    worker's periodic recovery) gave it back, or it ended, between the read and the retry: the
    queue refuses to retry a job no longer ``doing``, and there is nothing left to do."""
    return "invalid status to retry" in f"{error} {error.__cause__}"


def _stalled(services: Services, ids: list[int]) -> list[int]:
    """The jobs among ``ids`` running on a worker that stopped sending heartbeats."""
    query = text(
        "SELECT job.id FROM procrastinate_jobs job "
        "LEFT JOIN procrastinate_workers worker ON worker.id = job.worker_id "
        "WHERE job.id = ANY(:ids) AND job.status = 'doing' AND (job.worker_id IS NULL "
        "OR worker.last_heartbeat < now() - make_interval(secs => :seconds))"
    ).bindparams(bindparam("ids", type_=ARRAY(BIGINT)))
    with services.db.unit_of_work() as session:
        return [int(ident) for (ident,) in session.execute(query, {"ids": ids, "seconds": STALLED_AFTER_S})]


class NoWorker(DomainError):
    """No worker took the jobs in time (the queue was asked for explicitly)."""


def wait_for(
    services: Services,
    waiting: Waiting,
    run_here: Callable[[Mapping[str, Any]], Any],
    *,
    progress: Callable[[int], None] | None = None,
    fallback: bool = True,
    patience_s: float = PATIENCE_S,
) -> int:
    """Wait until every job of ``waiting`` succeeded; return how many ran here.

    ``progress(done)`` is called with the number of jobs finished each time it grows. A job
    that failed on a worker is run here with ``run_here(its arguments)`` (the real error, if it
    fails again, goes up to the caller). Jobs of dead workers are given back to the queue.
    With no worker alive for ``patience_s``: ``fallback`` runs the remaining jobs here (those
    not started are cancelled first), else ``NoWorker`` is raised and the jobs stay queued.
    """
    from procrastinate.exceptions import ConnectorException

    remaining = dict(waiting.jobs)
    done = ran_here = 0
    app = job_app(services)
    alone_since: float | None = None
    with app.open():
        try:
            while remaining:
                finished: list[int] = []
                states = _states(services, list(remaining))
                for ident in remaining:
                    status = states.get(ident, ("succeeded", None))[0]  # workers delete succeeded jobs
                    if status == "succeeded":
                        finished.append(ident)
                    elif status in ("failed", "cancelled", "aborted"):
                        log.warning("job %s %s on a worker: run here", ident, status)
                        run_here(remaining[ident])
                        ran_here += 1
                        finished.append(ident)
                for ident in finished:
                    del remaining[ident]
                if finished:
                    done += len(finished)
                    if progress is not None:
                        progress(done)
                if not remaining:
                    break
                for ident in _stalled(services, list(remaining)):
                    log.warning("job %s of a stalled worker given back to the queue", ident)
                    try:
                        app.job_manager.retry_job_by_id(ident, retry_at=datetime.now(UTC))
                    except ConnectorException as error:
                        if not given_back_meanwhile(error):
                            raise
                if live_workers(services) > 0:
                    alone_since = None
                elif alone_since is None:
                    alone_since = time.monotonic()
                elif time.monotonic() - alone_since >= (0.0 if fallback else patience_s):
                    if not fallback:
                        raise NoWorker(
                            "workers",
                            0,
                            f"aucun worker actif depuis {patience_s:.0f} s : {len(remaining)} tâche(s) "
                            "restent en file. Lancez « recouvre worker » (sur cette base) puis relancez "
                            "la même commande : elle reprendra là où elle en est",
                        )
                    for ident in list(remaining):
                        # Not started: cancelled, run here. Started by a dead worker: run here too
                        # (the unit is idempotent; a late duplicate writes nothing).
                        app.job_manager.cancel_job_by_id(ident)
                        run_here(remaining.pop(ident))
                        ran_here += 1
                        done += 1
                        if progress is not None:
                            progress(done)
                    break
                time.sleep(POLL_S)
        except NoWorker:
            raise  # the jobs stay queued for the workers to come, as the message says
        except Exception:
            # A unit refused (or failing here too): the run stops, as without the queue; the
            # jobs no worker has started are cancelled (those running finish: each is its own
            # transaction).
            with suppress(Exception):  # best effort: the error that stopped the run goes up
                for ident in remaining:
                    app.job_manager.cancel_job_by_id(ident)
            raise
    return ran_here


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_worker(
    services: Services,
    *,
    concurrency: int = 1,
    queues: list[str] | None = None,
    heartbeat_s: float = HEARTBEAT_S,
    stalled_after_s: float = STALLED_AFTER_S,
    wait: bool = True,
    chores: bool = False,
) -> None:
    """Run a worker in this process until it is stopped (SIGINT/SIGTERM: it finishes its jobs);
    with ``chores``, it also schedules and runs the unattended chores."""
    app = job_app(services, pool_size=concurrency + 2, stalled_after_s=stalled_after_s, chores=chores)
    app.run_worker(
        queues=queues or [QUEUE],
        concurrency=concurrency,
        name=worker_name(),
        wait=wait,
        fetch_job_polling_interval=FETCH_POLL_S,
        update_heartbeat_interval=heartbeat_s,
        stalled_worker_timeout=stalled_after_s,
        delete_jobs="successful",
    )


__all__ = [
    "CYCLE_SHARD",
    "PAYMENT_BATCH",
    "QUEUE",
    "NoWorker",
    "Waiting",
    "enqueue",
    "job_app",
    "live_workers",
    "pending_jobs",
    "run_worker",
    "supported",
    "use_jobs",
    "wait_for",
]
