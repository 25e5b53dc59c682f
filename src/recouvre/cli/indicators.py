"""`recouvre indicators`: the steering indicators of an organism over a period, each with its
definition (table, JSON or CSV)."""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from recouvre.cli.common import attempt, console, fail, option_date, organism_or_only, services, state
from recouvre.domain.money import format_money, parse_amount
from recouvre.service import campaigns
from recouvre.service import indicators as service_indicators
from recouvre.service.commands.indicators import read_indicators

FORMATS = ("table", "json", "csv")
WORDS = {
    "amicable": "amiable",
    "contentious": "contentieux",
    "enforcement": "exécution forcée",
    "phone_call": "appels",
    "review": "revues",
    **campaigns.TRIGGERS,
}
PERCENT_KEYS = frozenset(
    {
        "share",
        "rate",
        "recovery_rate",
        "commission_rate",
        "reached_rate",
        "effective_rate",
        "formal_notices_change",
    }
)
COUNT_WORDS = {
    "titles": "titres",
    "files": "dossiers",
    "targets": "lignes",
    "called": "appelées",
    "reached": "joints",
    "effective": "efficaces",
    "formal_notices": "mises en demeure",
    "previous_targets": "lignes un an plus tôt",
    "previous_formal_notices": "mises en demeure un an plus tôt",
}


def _shown(value: Any, unit: str, currency: str) -> str:
    if value is None:
        return "non calculable"
    if unit == "percent":
        return f"{str(value).replace('.', ',')} %"
    if unit == "amount":
        return format_money(parse_amount(value, allow_negative=True), currency)
    return str(value)


def _breakdown(lines: list[dict[str, Any]], currency: str) -> str:
    shown: list[str] = []
    for line in lines[:12]:
        parts = []
        for key, item in line.items():
            if key in {"amount", "balance", "remitted", "placed_balance", "collected", "commission"} and (
                item is not None
            ):
                parts.append(format_money(parse_amount(item, allow_negative=True), currency))
            elif key in PERCENT_KEYS:
                parts.append("non calculable" if item is None else f"{str(item).replace('.', ',')} %")
            elif key in {"mean_age_days", "max_age_days"}:
                parts.append(f"{'âge moyen' if key == 'mean_age_days' else 'âge max'} {item} j")
            elif key == "tasks":
                parts.append(f"{item} tâches")
            elif key in COUNT_WORDS:
                parts.append(f"{item} {COUNT_WORDS[key]}")
            elif key in {"state", "campaign"} or item == "":
                continue
            else:
                parts.append(WORDS.get(str(item), str(item)))
        shown.append(" · ".join(parts))
    if len(lines) > 12:
        shown.append(f"… ({len(lines) - 12} lignes de plus : --format csv)")
    return "\n".join(shown) if shown else "(aucune ligne)"


def indicators(
    ctx: typer.Context,
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme"),
    start: str = typer.Option(..., "--from", help="Premier jour de la période (AAAA-MM-JJ)"),
    end: str = typer.Option(..., "--to", help="Dernier jour de la période, inclus (AAAA-MM-JJ)"),
    output: str = typer.Option("table", "--format", help="table, json ou csv"),
) -> None:
    """Print the steering indicators of an organism from --from to --to, with their definitions."""
    if output not in FORMATS:
        raise fail(f"--format {escape(output)} : choisir parmi {', '.join(FORMATS)}")
    found = services(ctx)
    organism = organism_or_only(found, organism)
    first, last = option_date(start, "--from"), option_date(end, "--to")
    if state(ctx).user:
        who = state(ctx).actor()
        report = attempt(lambda: read_indicators(found, who, organism, first, last))
    else:
        # Like `recouvre summary`: an operator reading the database he runs, no user named.
        report = attempt(lambda: service_indicators.compute(found, organism, first, last))
    if output == "json":
        sys.stdout.write(json.dumps(report.as_data(), ensure_ascii=False, indent=2) + "\n")
        return
    if output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(service_indicators.FLAT_COLUMNS)
        writer.writerows(service_indicators.flat_rows(report))
        return
    console.print(
        f"[bold]{escape(report.organism)}[/] — indicateurs du {report.start.strftime('%d/%m/%Y')} "
        f"au {report.end.strftime('%d/%m/%Y')}"
    )
    table = Table(show_lines=True)
    table.add_column("Indicateur", overflow="fold")
    table.add_column("Valeur", overflow="fold")
    table.add_column("Définition", overflow="fold")
    for item in report.values:
        data = item.as_data()
        value = data["value"]
        if not item.result.available:
            shown = data.get("note", service_indicators.NOT_AVAILABLE)
        elif item.definition.name == "stock_ageing":
            shown = "\n".join(
                f"{band} · {_shown(amount, 'amount', report.currency)}"
                for band, amount in data["by_band"].items()
            )
        elif isinstance(value, list):
            shown = _breakdown(value, report.currency)
        else:
            shown = _shown(value, item.definition.unit, report.currency)
            if data.get("note"):
                shown += f"\n({data['note']})"
        table.add_row(
            f"{item.definition.label}\n[dim]{item.definition.name}[/]",
            escape(shown),
            item.definition.definition,
        )
    console.print(table)
