"""`recouvre worker [--concurrency N] [--queue Q]`: a process that runs the batch steps' jobs.

On PostgreSQL, ``recouvre cycle run`` queues the cycle's shards as jobs (``service.job_queue``,
ADR 0009); workers started on any number of machines against the same database take them,
each with its own connections. Stop one with Ctrl-C or SIGTERM: it finishes its running jobs
first. One killed outright (kill -9, machine lost) stops sending heartbeats: its running jobs
are given back to the queue after ``--stalled-after`` seconds and done again, without being
booked twice (each unit records itself as done in its own transaction).
"""

from __future__ import annotations

import logging

import typer

from recouvre.cli.common import console, fail, services
from recouvre.service import job_queue


def worker(
    ctx: typer.Context,
    concurrency: int = typer.Option(
        1,
        "--concurrency",
        min=1,
        help="Tâches menées à la fois dans ce processus (le calcul occupe un cœur : lancez "
        "plutôt un worker par cœur)",
    ),
    queue: list[str] = typer.Option([], "--queue", help=f"Files à servir (par défaut : {job_queue.QUEUE})"),
    heartbeat: float = typer.Option(
        job_queue.HEARTBEAT_S, "--heartbeat", min=0.1, help="Secondes entre deux signes de vie"
    ),
    stalled_after: float = typer.Option(
        job_queue.STALLED_AFTER_S,
        "--stalled-after",
        min=0.5,
        help="Secondes sans signe de vie après lesquelles un worker est tenu pour arrêté "
        "(ses tâches sont reprises)",
    ),
    chores: bool = typer.Option(
        False,
        "--chores",
        help="Faire aussi les travaux planifiés : ceux du jour à 6 h (UTC), l'envoi des messages "
        "toutes les 5 minutes (comme « recouvre chores »)",
    ),
) -> None:
    """Exécute les tâches de la file (tranches du cycle) jusqu'à son arrêt (Ctrl-C, SIGTERM)."""
    found = services(ctx)
    if not job_queue.supported(found):
        raise fail(
            "la file de tâches n'existe que sur PostgreSQL (--db postgresql://…) : sur SQLite, "
            "« recouvre cycle run » répartit les tranches sur les processus de --workers"
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    console.print(
        f"Worker {job_queue.worker_name()} sur {found.db.display_url()} : files "
        f"{', '.join(queue or [job_queue.QUEUE])}, {concurrency} tâche(s) à la fois.",
        highlight=False,
        soft_wrap=True,
    )
    job_queue.run_worker(
        found,
        concurrency=concurrency,
        queues=queue or None,
        heartbeat_s=heartbeat,
        stalled_after_s=stalled_after,
        chores=chores,
    )
