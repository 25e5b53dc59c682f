"""`recouvre simulate --compare BASE.yaml CANDIDATE.yaml --months 12`: the policy what-if,
written as a side-by-side report (HTML with inline SVG charts, and PDF)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from recouvre.cli.common import FORBIDDEN, batch_actor, console, fail
from recouvre.domain.defaults import add_months
from recouvre.domain.model import DomainError
from recouvre.policy import PolicyError
from recouvre.security.authorization import Forbidden
from recouvre.service import commands, whatif, whatif_report
from recouvre.service.context import Services
from recouvre.service.indicators import latest_movement_on


def next_month(found: Services, organism: str) -> date:
    """The first day of the month after the organism's latest movement (or established claim)."""
    latest = latest_movement_on(found, organism)
    if latest is None:
        raise ValueError("aucun mouvement : précisez --start AAAA-MM")
    return add_months(date(latest.year, latest.month, 1), 1)


def compare_command(
    ctx: typer.Context,
    found: Services,
    organism: str,
    first: date,
    months: int,
    seed: int,
    files: tuple[Path, Path],
    report: Path,
) -> None:
    try:
        base, candidate = (whatif.read_policy_set(path) for path in files)
        if base.name == candidate.name:
            candidate = whatif.PolicySet(f"{candidate.name} (candidat)", candidate.values, candidate.source)
        with console.status("deux simulations en cours…"):
            result = commands.run_batch(
                found,
                batch_actor(ctx),
                "simulate.run",
                organism=organism,
                subject=f"comparaison {base.name} / {candidate.name} ({first:%Y-%m}, {months} mois, "
                f"graine {seed})",
                on=None,
                run=lambda: whatif.compare(found, organism, first, months, seed, base, candidate),
                describe=lambda done: {
                    "months": done.months,
                    "recovered_base": done.base.recovered,
                    "recovered_candidate": done.candidate.recovered,
                },
            )
    except Forbidden as error:
        raise fail(f"refusé : {error.reason}", FORBIDDEN) from None
    except (DomainError, PolicyError) as error:
        raise fail(escape(str(error))) from None
    report.mkdir(parents=True, exist_ok=True)
    html = whatif_report.render_html(result)
    (report / "comparaison.html").write_text(html, encoding="utf-8")
    (report / "comparaison.pdf").write_bytes(whatif_report.render_pdf(html))
    table = Table(
        title=f"{organism} — {months} mois à partir de {first:%m/%Y} (graine {seed})", title_justify="left"
    )
    table.add_column("")
    table.add_column(result.base.name, justify="right")
    table.add_column(result.candidate.name, justify="right")
    table.add_column("Écart", justify="right")
    for label, left, right, delta in whatif_report.rows(result):
        table.add_row(label, left, right, delta)
    console.print(table)
    console.print(
        f"Rapport : {escape(str(report / 'comparaison.html'))} et {escape(str(report / 'comparaison.pdf'))}"
    )
