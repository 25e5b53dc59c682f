"""`recouvre explain withholding --debtor REF --date DATE [--organism CODE]`: why this withholding.

Prints, in plain French, the explanation recorded with each benefit payment of the
debtor on that date (scale and the year it holds from, RMP, capacity, arrears, the
order in which the claims were served), as the letter and the auditor read it.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from recouvre.cli.common import (
    batch_actor,
    console,
    fail,
    money,
    option_date,
    organism_or_only,
    refused,
    services,
)
from recouvre.domain.satd import explain_in_french as satd_in_french
from recouvre.domain.withholding import explain_in_french
from recouvre.service import NotFound
from recouvre.service.commands.explanations import issue_statements
from recouvre.service.withholding import explain

app = typer.Typer(help="Explications des décisions, en clair.", no_args_is_help=True)


@app.callback()
def explanations() -> None:
    """Explications des décisions."""


@app.command("withholding")
def withholding(
    ctx: typer.Context,
    debtor: Annotated[str, typer.Option("--debtor", help="Référence du débiteur (numéro allocataire)")],
    on: Annotated[str, typer.Option("--date", help="Date du paiement de prestations (AAAA-MM-JJ)")],
    organism: Annotated[
        str | None, typer.Option("--organism", help="Code de l'organisme (défaut : le seul enregistré)")
    ] = None,
) -> None:
    """Explain the withholdings on the debtor's benefit payments of that date."""
    day = option_date(on)
    found = services(ctx)
    code = organism_or_only(found, organism)
    try:
        payments = explain(found, code, debtor, day)
    except NotFound as error:
        raise fail(escape(f"{error.field} {error.value!r} : {error.reason}")) from None
    if not payments:
        console.print(
            f"Aucun paiement de prestations le {day.isoformat()} pour le débiteur {escape(debtor)} "
            f"({escape(code)}) : aucune retenue à expliquer.",
            highlight=False,
            soft_wrap=True,
        )
        return
    fmt = money(found, code, day)
    for number, payment in enumerate(payments, start=1):
        if number > 1:
            console.print()
        console.print(
            f"[bold]Débiteur {escape(debtor)} — passage {escape(payment.run_id)} "
            f"du {payment.paid_on.isoformat()}[/] (brut {fmt(payment.gross)}, "
            f"retenu {fmt(payment.withheld)}, net {fmt(payment.net)})",
            highlight=False,
            soft_wrap=True,
        )
        for line in [*explain_in_french(payment.explanation), *satd_in_french(payment.explanation)]:
            console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)


@app.command("statements")
def statements(
    ctx: typer.Context,
    on: Annotated[str, typer.Option("--date", help="Date du paiement de prestations (AAAA-MM-JJ)")],
    organism: Annotated[
        str | None, typer.Option("--organism", help="Code de l'organisme (défaut : le seul enregistré)")
    ] = None,
) -> None:
    """Decide the statements of the debtors whose monthly withholding changed on that payment date."""
    day = option_date(on)
    found = services(ctx)
    code = organism_or_only(found, organism)
    with refused():
        count = issue_statements(found, batch_actor(ctx), code, day)
    console.print(
        f"{code} : {count} relevé(s) « votre retenue mensuelle change » décidé(s) pour le {day.isoformat()}."
    )
