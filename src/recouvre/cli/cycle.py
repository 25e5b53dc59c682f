"""`recouvre cycle run --month YYYY-MM [--organism CODE] [--date DATE] [--jobs|--no-jobs] [--detach]`
and `recouvre cycle status --month YYYY-MM [--organism CODE]`."""

from __future__ import annotations

from datetime import date

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from recouvre.cli.common import batch_actor, console, fail, organism_or_only, refused, services
from recouvre.domain.french import TASK_TYPE, long_date, month_name
from recouvre.letters.render import TITLES
from recouvre.service import commands, queries
from recouvre.service.batch import default_workers
from recouvre.service.commands.cycle import cycle_progress
from recouvre.service.context import Services
from recouvre.service.cycle import SHARD_DEBTORS, parse_month

app = typer.Typer(
    help="Cycle mensuel : défaillances, relances, mises en demeure, majorations.", no_args_is_help=True
)


@app.command("run")
def run(
    ctx: typer.Context,
    month: str = typer.Option(..., "--month", help="Mois du cycle, AAAA-MM"),
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme"),
    on: str | None = typer.Option(
        None, "--date", help="Date du cycle (par défaut le premier jour du mois suivant le mois du cycle)"
    ),
    shard_size: int = typer.Option(SHARD_DEBTORS, "--shard-size", min=1, help="Débiteurs par transaction"),
    workers: int = typer.Option(
        default_workers(), "--workers", min=1, help="Processus de décision (par défaut : un par cœur)"
    ),
    without_payment_run: bool = typer.Option(
        False,
        "--without-payment-run",
        help="Lancer le cycle sans le paiement des prestations du mois (à confirmer exprès : "
        "les créances recouvrées par retenue paraîtraient en défaillance)",
    ),
    jobs: bool | None = typer.Option(
        None,
        "--jobs/--no-jobs",
        help="PostgreSQL : confier les tranches aux « recouvre worker » (par défaut : oui si un "
        "worker est actif, sinon dans ce processus ; aussi RECOUVRE_JOBS=1 ou 0)",
    ),
    detach: bool = typer.Option(
        False, "--detach", help="Avec la file de tâches : rendre la main une fois les tranches en file"
    ),
) -> None:
    """Lance (ou reprend) le cycle mensuel ; relancer un mois déjà traité ne change rien."""
    try:
        first = parse_month(month)
        run_on = (
            date.fromisoformat(on) if on else date(first.year + first.month // 12, first.month % 12 + 1, 1)
        )
    except ValueError as error:
        raise fail(str(error)) from None
    code = organism_or_only(services(ctx), organism)
    who = batch_actor(ctx)
    with Progress(
        TextColumn(f"cycle {month} {code}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("shards", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        with refused():
            summary = commands.run_cycle(
                services(ctx),
                who,
                code,
                month,
                run_on,
                shard_debtors=shard_size,
                workers=workers,
                progress=advance,
                without_payment_run=without_payment_run,
                jobs=True if detach else jobs,
                detach=detach,
            )
    if summary.detached:
        console.print(
            f"Cycle {month} de {code} (passage n° {summary.run_id}) : {summary.queued} tranche(s) en file "
            f"sur {summary.shards}, exécutées par les « recouvre worker ». Pour suivre et attendre la fin : "
            f"recouvre cycle run --month {month} --organism {code} "
            "(la commande reprend le passage en cours) ; où il en est : "
            f"recouvre cycle status --month {month} --organism {code}.",
            highlight=False,
            soft_wrap=True,
        )
        return
    table = Table(
        title=f"Cycle de {month_label(summary.month)} — {summary.organism} — "
        f"lancé le {long_date(summary.run_on)}"
    )
    table.add_column("")
    table.add_column("nombre", justify="right")
    if summary.already_done:
        console.print("[yellow]Ce cycle a déjà été exécuté : rien n'a changé.[/]")
    table.add_row("créances traitées", str(summary.claims))
    table.add_row("étapes de défaillance", str(summary.in_default))
    table.add_row("défaillances régularisées", str(summary.cured))
    table.add_row("passages en phase contentieuse", str(summary.contentious))
    table.add_row("majorations", f"{summary.surcharges}")
    if without_payment_run:
        console.print("[yellow]Cycle lancé sans le paiement des prestations du mois (confirmé).[/]")
    country = organism_country(services(ctx), code)
    for kind, count in sorted(summary.letters.items()):
        table.add_row(f"courriers : {TITLES.get((country.lower(), kind), kind).lower()}", str(count))
    for kind, count in sorted(summary.tasks.items()):
        table.add_row(f"tâches : {TASK_TYPE.get(kind, kind)}", str(count))
    console.print(table)


JOB_STATES = {"todo": "en file", "doing": "en cours", "failed": "en échec", "cancelled": "annulées"}


@app.command("status")
def status(
    ctx: typer.Context,
    month: str = typer.Option(..., "--month", help="Mois du cycle, AAAA-MM"),
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme"),
) -> None:
    """Où en est le cycle d'un mois : tranches terminées, tâches en file et workers actifs."""
    code = organism_or_only(services(ctx), organism)
    with refused():
        progress = cycle_progress(services(ctx), batch_actor(ctx), code, month)
    if progress is None:
        console.print(f"Le cycle {month} de {code} n'a pas été lancé.", highlight=False)
        return
    state = "terminé" if progress.status == "done" else "en cours"
    console.print(
        f"Cycle {month} de {code} (passage n° {progress.run_id}, daté du {long_date(progress.run_on)}) : "
        f"{state}, {progress.shards_done} tranche(s) terminée(s) sur {progress.shards}.",
        highlight=False,
        soft_wrap=True,
    )
    if progress.jobs or progress.workers:
        counts = ", ".join(
            f"{count} {JOB_STATES.get(name, name)}" for name, count in sorted(progress.jobs.items())
        )
        console.print(
            f"File de tâches : {counts or 'aucune tâche'} ; {progress.workers} worker(s) actif(s).",
            highlight=False,
            soft_wrap=True,
        )


def month_label(month: str) -> str:
    return month_name(parse_month(month))


def organism_country(found: Services, code: str) -> str:
    """The organism's country code (``FR``, ``MA``), for the letters' titles."""
    for organism in queries.organisms(found, None):
        if organism.code == code:
            return str(organism.country)
    return "FR"
