"""`recouvre chores --date D`: the day's unattended chores (``service.commands.chores``), for a
cron job on SQLite; on PostgreSQL, a worker started with ``--chores`` runs them itself."""

from __future__ import annotations

import typer

from recouvre.cli.common import batch_actor, console, option_date, refused, services
from recouvre.service.commands import chores as chores_commands


def chores(
    ctx: typer.Context,
    on: str = typer.Option(..., "--date", help="Jour des travaux, AAAA-MM-JJ (jamais l'horloge)"),
) -> None:
    """Run the day's chores of every organism: outbox queue, prescription watch, outbox send."""
    day = option_date(on)
    found = services(ctx)
    with refused():
        report = chores_commands.daily_chores(found, batch_actor(ctx), day)
    for line in report.lines():
        console.print(line, highlight=False)
