"""`recouvre simulate --start YYYY-MM --months 12 --seed S [--organism CODE]`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from recouvre.cli import whatif as whatif_cli
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
    start: str | None = typer.Option(
        None, "--start", help="Premier mois simulé, YYYY-MM (défaut : le mois qui suit le dernier mouvement)"
    ),
    months: int = typer.Option(12, "--months", min=1, max=120),
    seed: int = typer.Option(42, "--seed"),
    organism: str | None = typer.Option(None, "--organism"),
    compare: tuple[Path, Path] | None = typer.Option(
        None,
        "--compare",
        help="BASE.yaml CANDIDAT.yaml : rejoue le même portefeuille sous deux jeux de paramètres "
        "(la base n'est pas modifiée)",
    ),
    report: Path = typer.Option(
        Path("comparaison"), "--report", help="Dossier du rapport de comparaison (HTML et PDF)"
    ),
) -> None:
    """Simulate benefit payments, debtor behaviour and monthly cycles, month by month; with
    --compare, the policy what-if: two replays side by side, the database left untouched."""
    found = services(ctx)
    organism = organism_or_only(found, organism)
    try:
        first = parse_month(start) if start else whatif_cli.next_month(found, organism)
    except ValueError as error:
        raise fail(str(error)) from None
    start = f"{first:%Y-%m}"
    if compare is not None:
        whatif_cli.compare_command(ctx, found, organism, first, months, seed, compare, report)
        return
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
