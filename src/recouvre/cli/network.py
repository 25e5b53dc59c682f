"""`recouvre network`: monthly snapshots as Parquet (`snapshot`), the network view across
organisms read from them with DuckDB (`show`)."""

from __future__ import annotations

import json
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from recouvre.cli.common import attempt, console, fail, option_date, services, state
from recouvre.domain.money import format_amount, format_money
from recouvre.service import snapshots
from recouvre.service.commands.network import read_network, write_snapshots
from recouvre.service.context import organism_codes

app = typer.Typer(no_args_is_help=True, help="Instantanés mensuels et vue réseau.")


def _rate(value: Decimal | None) -> str:
    return "non calculable" if value is None else f"{str(value).replace('.', ',')} %"


@app.command("snapshot")
def snapshot(
    ctx: typer.Context,
    first: str = typer.Option(..., "--from", help="Premier mois, AAAA-MM"),
    last: str = typer.Option(..., "--to", help="Dernier mois, AAAA-MM"),
    organism: list[str] = typer.Option([], "--organism", help="Organisme (répétable ; défaut : tous)"),
    until: str | None = typer.Option(
        None, "--until", help="Seuls les mois terminés à cette date (défaut : fin de --to)"
    ),
    directory: Path | None = typer.Option(
        None, "--dir", help="Dossier des instantanés (défaut : ./snapshots)"
    ),
) -> None:
    """Write the monthly Parquet snapshots not yet written (one folder per organism and month)."""
    found = services(ctx)
    root = directory or snapshots.default_root()
    wanted = organism or organism_codes(found)
    limit = option_date(until, "--until") if until else attempt(lambda: snapshots.month_bounds(last))[1]
    if state(ctx).user:
        who = state(ctx).actor()
        done = attempt(lambda: write_snapshots(found, who, wanted, first, last, root, until=limit))
    else:
        done = attempt(lambda: snapshots.write_months(found, wanted, first, last, root, until=limit))
    written = sum(1 for item in done if item.written)
    console.print(
        f"{written} instantané(s) écrit(s), {len(done) - written} déjà présent(s) (non recalculé(s)) "
        f"dans {escape(str(root))}"
    )


def _organism_row(item: snapshots.OrganismFigures) -> dict[str, Any]:
    return {
        "organism": item.organism,
        "months": item.months,
        "stock": format_amount(item.stock),
        "recovered": format_amount(item.recovered),
        "new": format_amount(item.new),
        "remitted": format_amount(item.remitted),
        "balance_end": format_amount(item.balance_end),
        "recovery_rate": None if item.recovery_rate is None else str(item.recovery_rate),
        "remission_rate": None if item.remission_rate is None else str(item.remission_rate),
        "withholding_share": None if item.withholding_share is None else str(item.withholding_share),
    }


@app.command("show")
def show(
    ctx: typer.Context,
    first: str = typer.Option(..., "--from", help="Premier mois, AAAA-MM"),
    last: str = typer.Option(..., "--to", help="Dernier mois, AAAA-MM"),
    organism: list[str] = typer.Option(
        [], "--organism", help="Organisme (répétable ; défaut : tout le réseau)"
    ),
    directory: Path | None = typer.Option(
        None, "--dir", help="Dossier des instantanés (défaut : ./snapshots)"
    ),
    output: str = typer.Option("table", "--format", help="table ou json"),
) -> None:
    """The network view across organisms, read from the snapshots with DuckDB."""
    root = directory or snapshots.default_root()
    started = time.perf_counter()
    if state(ctx).user:
        who = state(ctx).actor()
        view = attempt(lambda: read_network(services(ctx), who, root, first, last, organism or None))
    else:
        view = attempt(lambda: snapshots.network_view(root, first, last, organism or None))
    elapsed = time.perf_counter() - started
    if output == "json":
        data = {
            "from": view.first,
            "to": view.last,
            "organisms": [_organism_row(item) for item in view.organisms],
            "network": _organism_row(view.network),
            "remission_dispersion": {
                key: None if value is None else str(value)
                for key, value in vars(view.remission_dispersion).items()
            },
            "by_month": [
                {
                    "month": item.month,
                    "recovered": format_amount(item.recovered),
                    "new": format_amount(item.new),
                    "stock": format_amount(item.stock),
                    "recovery_rate": None if item.recovery_rate is None else str(item.recovery_rate),
                }
                for item in view.by_month
            ],
            "seconds": round(elapsed, 3),
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    if output != "table":
        raise fail("--format : table ou json")
    table = Table(title=f"Réseau — {view.first} à {view.last}", title_justify="left")
    for column in (
        "Organisme",
        "Mois",
        "Stock initial",
        "Nouveaux",
        "Recouvré",
        "Taux de recouvrement",
        "Taux de remise",
    ):
        table.add_column(column, justify="left" if column == "Organisme" else "right")
    for item in (*view.organisms, view.network):
        table.add_row(
            item.organism,
            str(item.months),
            format_money(item.stock, "EUR"),
            format_money(item.new, "EUR"),
            format_money(item.recovered, "EUR"),
            _rate(item.recovery_rate),
            _rate(item.remission_rate),
        )
    console.print(table)
    spread = view.remission_dispersion
    console.print(
        f"Dispersion des taux de remise entre {spread.count} organismes : min {_rate(spread.minimum)}, "
        f"max {_rate(spread.maximum)}, moyenne {_rate(spread.mean)}, écart type {_rate(spread.stdev)}"
    )
    console.print(f"[dim]lu en {elapsed:.3f} s depuis {escape(str(root))}[/]")
