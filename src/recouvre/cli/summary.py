"""`recouvre summary`: the portfolio by benefit, by responsibility and by status."""

from __future__ import annotations

from collections.abc import Mapping

import typer
from rich.table import Table

from recouvre.cli.common import console, fail, option_date, organism_or_only, services
from recouvre.domain.errors import NotFound
from recouvre.domain.french import long_date
from recouvre.domain.money import format_money
from recouvre.service.back_office import claims_established_after
from recouvre.service.reports import Bucket, PortfolioSummary, latest_established_on, portfolio_summary

BENEFIT_LABELS: Mapping[str, str] = {
    "AF": "AF (allocations familiales)",
    "AL": "AL (logement)",
    "ALS": "ALS (logement sociale)",
    "APL": "APL (logement)",
    "RSA": "RSA",
    "AAH": "AAH (handicap)",
    "PPA": "Prime d'activité",
    "PAJE": "PAJE (jeune enfant)",
    "CF": "Complément familial",
    "ASF": "Soutien familial (ASF)",
    "LOAN": "Prêt d'action sociale",
    "CONTRIB": "Cotisations",
}
RESPONSIBILITY_LABELS: Mapping[str, str] = {
    "organism_error": "Erreur de l'organisme",
    "third_party_error": "Tiers ou législation",
    "debtor_error": "Erreur du débiteur",
    "debtor_serious_error": "Erreur grave du débiteur",
    "fraud": "Fraude",
    "child_death": "Décès d'un enfant",
}
STATUS_LABELS: Mapping[str, str] = {
    "open": "En cours",
    "suspended": "Suspendue",
    "settled": "Soldée",
    "prescribed": "Prescrite",
    "written_off": "Admise en non-valeur",
    "discharged": "Effacée",
    "cancelled": "Annulée",
    "transferred": "Transférée",
    "not_recovered": "Sous le seuil",
}


def _count(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def table(
    title: str, first: str, buckets: tuple[Bucket, ...], labels: Mapping[str, str], report: PortfolioSummary
) -> Table:
    result = Table(title=title, title_justify="left", show_footer=True)
    result.add_column(first, footer="Total")
    result.add_column("Créances", justify="right", footer=_count(report.total.count))
    result.add_column(
        "Principal", justify="right", footer=format_money(report.total.principal, report.currency)
    )
    result.add_column("Solde", justify="right", footer=format_money(report.total.balance, report.currency))
    for bucket in buckets:
        result.add_row(
            labels.get(bucket.key, bucket.key),
            _count(bucket.count),
            format_money(bucket.principal, report.currency),
            format_money(bucket.balance, report.currency),
        )
    return result


def summary(
    ctx: typer.Context,
    organism: str | None = typer.Option(
        None, "--organism", help="Code de l'organisme (défaut : le seul organisme de la base)"
    ),
    on: str | None = typer.Option(
        None, "--on", help="Situation à la fin de ce jour (défaut : la dernière date d'établissement)"
    ),
) -> None:
    """Print the portfolio by benefit, responsibility and status."""
    found = services(ctx)
    organism = organism_or_only(found, organism)
    try:
        day = option_date(on, "--on") if on is not None else latest_established_on(found, organism)
        if day is None:
            console.print(f"{organism} : aucune créance.")
            return
        report = portfolio_summary(found, organism, day)
    except NotFound as error:
        raise fail(str(error)) from None
    console.print(
        f"[bold]{report.organism}[/] — situation au {long_date(report.on)} "
        f"({_count(report.total.count)} créances)"
    )
    console.print(table("Par prestation", "Prestation", report.by_benefit, BENEFIT_LABELS, report))
    console.print(
        table("Par responsabilité", "Responsabilité", report.by_responsibility, RESPONSIBILITY_LABELS, report)
    )
    console.print(table("Par statut", "Statut", report.by_status, STATUS_LABELS, report))
    console.print(
        f"Total : {_count(report.total.count)} créances, principal "
        f"{format_money(report.total.principal, report.currency)}, solde "
        f"{format_money(report.total.balance, report.currency)}"
    )
    later = claims_established_after(found, organism, report.on)
    if later:
        console.print(
            f"[yellow]{_count(later)} créance{'s' if later > 1 else ''} constatée{'s' if later > 1 else ''} "
            f"après le {long_date(report.on)} ne {'sont' if later > 1 else 'est'} pas comptée"
            f"{'s' if later > 1 else ''} dans cette situation[/] (--on pour une autre date)."
        )
