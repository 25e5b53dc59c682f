"""`recouvre simulate --start YYYY-MM --months 12 --seed S [--organism CODE]`."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from recouvre.cli.common import FORBIDDEN, batch_actor, console, currency, fail, organism_or_only, services
from recouvre.domain.model import DomainError
from recouvre.security.authorization import Forbidden
from recouvre.service import commands
from recouvre.service.cycle import parse_month
from recouvre.service.simulation import MonthActivity, simulate

LETTER_COLUMNS = ("notification", "reminder_1", "reminder_2", "formal_notice")
CNSS_COLUMNS = ("notification", "reminder_1", "reminder_2", "last_notice", "commandement")
"""The CNSS's letters (SCENARIOS.md "CNSS forced recovery"): its final notice is the last notice,
followed by the commandement."""


def _whole(cents: int, code: str) -> str:
    """Whole units of the organism's currency for a wide table (the ledger stays exact to the
    cent): ``12 345 €`` or ``12 345 MAD``."""
    symbol = "€" if code == "EUR" else code
    return f"{round(cents / 100):,}".replace(",", "\u202f") + f" {symbol}"


def activity_table(rows: list[MonthActivity], code: str = "EUR") -> Table:
    table = Table(title="Activité mois par mois")
    cnss = code == "MAD"
    columns = CNSS_COLUMNS if cnss else LETTER_COLUMNS
    for name in (
        "mois",
        "constaté",
        "majorations et frais" if cnss else "retenu",
        "payé",
        "stock fin de mois",
    ):
        table.add_column(name, justify="right")
    if cnss:
        labels: tuple[str, ...] = ("avis de débit", "relance 1", "relance 2", "dernier avis", "commandement")
    else:
        labels = ("notif.", "relance 1", "relance 2", "mise en dem.")
    for name in (*labels, "autres courriers", "tâches"):
        table.add_column(name, justify="right")
    for row in rows:
        others = sum(count for kind, count in row.letters.items() if kind not in columns)
        table.add_row(
            row.month,
            _whole(row.established, code),
            _whole(row.surcharged if cnss else row.withheld, code),
            _whole(row.paid, code),
            _whole(row.stock, code),
            *(str(row.letters.get(kind, 0)) for kind in columns),
            str(others),
            str(row.tasks),
        )
    return table


def simulate_command(
    ctx: typer.Context,
    start: str = typer.Option(..., "--start", help="Premier mois simulé, YYYY-MM"),
    months: int = typer.Option(12, "--months", min=1, max=120),
    seed: int = typer.Option(42, "--seed"),
    organism: str | None = typer.Option(None, "--organism"),
) -> None:
    """Simulate benefit payments, debtor behaviour and monthly cycles, month by month."""
    try:
        first = parse_month(start)
    except ValueError as error:
        raise fail(str(error)) from None
    found = services(ctx)
    organism = organism_or_only(found, organism)
    with Progress(
        TextColumn("simulation"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        task = bar.add_task("mois", total=months)
        try:
            rows = commands.run_batch(
                found,
                batch_actor(ctx),
                "simulate.run",
                organism=organism,
                subject=f"simulation {start} ({months} mois, graine {seed})",
                on=None,
                run=lambda: simulate(
                    found, organism, first, months, seed, progress=lambda _: bar.advance(task)
                ),
                describe=lambda done: {"months": len(done)},
            )
        except Forbidden as error:
            raise fail(f"refusé : {error.reason}", FORBIDDEN) from None
        except DomainError as error:
            raise fail(str(error)) from None
    console.print(activity_table(rows, currency(found, organism, first)))
