"""`recouvre titles queue | draft | basket | sign | act | show | document`: the enforcement titles
(contrainte, payment injunction).

Every command is an authorised command of ``recouvre.service.commands`` done by the user named
with ``--as`` (or ``RECOUVRE_USER``); dates are given (``--date``), never read from the clock.
An act the user may not do (no role, no valid mandate) is recorded as denied and exits 3; an act
the rules refuse is recorded as refused, changes nothing, and exits 1 with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from recouvre.cli.common import actor, attempt, console, fail, money, option_date, organism_or_only, services
from recouvre.domain.enforcement import (
    ACT_LABELS,
    KIND_LABELS,
    STATE_LABELS,
    Outcome,
    ServiceVia,
    TitleAct,
    TitleKind,
)
from recouvre.domain.money import AmountError, Cents, parse_amount
from recouvre.service import commands
from recouvre.service.enforcement import QueueItem, TitleView

app = typer.Typer(
    help="Titres exécutoires : contraintes et injonctions de payer (rédaction, parapheur, actes).",
    no_args_is_help=True,
)
OrganismOption = Annotated[str | None, typer.Option("--organism", "-o", help="Code de l'organisme")]
DateOption = Annotated[str, typer.Option("--date", help="Date, YYYY-MM-DD (jamais l'horloge)")]
WhyOption = Annotated[str, typer.Option("--why", help="Motif")]


def _describe(view: TitleView) -> str:
    parts = [f"titre n° {view.id}", KIND_LABELS[view.kind], f"créance {view.claim}", STATE_LABELS[view.state]]
    if view.signed_by:
        mandate = view.data.get("mandate")
        parts.append(f"signé par {view.signed_by}" + (f" ({mandate})" if mandate else ""))
    if view.opposition_until:
        parts.append(f"opposition jusqu'au {view.opposition_until.strftime('%d/%m/%Y')}")
    return " — ".join(parts)


def _table(title: str, items: list[QueueItem], show: Callable[[Cents], str]) -> None:
    table = Table(title=title)
    for column in ("Titre", "Nature", "Créance", "Débiteur", "Solde", "État", "Opposition jusqu'au"):
        table.add_column(column)
    for item in items:
        table.add_row(
            str(item.title.id),
            KIND_LABELS[item.title.kind],
            item.title.claim,
            item.debtor,
            show(item.balance),
            STATE_LABELS[item.title.state],
            item.title.opposition_until.strftime("%d/%m/%Y") if item.title.opposition_until else "",
        )
    console.print(table)


@app.command("queue")
def queue(ctx: typer.Context, on: DateOption, organism: OrganismOption = None) -> None:
    """The contentious queue: to draft, to sign, to serve, opposition windows, oppositions."""
    day = option_date(on)
    found = services(ctx)
    code = organism_or_only(found, organism)
    result = attempt(lambda: commands.contentious_queue(found, actor(ctx), code, day))
    show = money(found, code, day)
    console.print(f"Titres à rédiger : {len(result.to_draft)}")
    for row in result.to_draft:
        kind = KIND_LABELS[TitleKind(str(row["kind"]))]
        console.print(f"  créance {row['claim']} ({row['benefit']}), débiteur {row['debtor']} : {kind}")
    _table("En attente de signature", result.to_sign, show)
    _table("À signifier", result.to_serve, show)
    _table("Délais d'opposition en cours", result.windows, show)
    _table("Oppositions en cours", result.opposed, show)


@app.command("draft")
def draft(
    ctx: typer.Context,
    claim: Annotated[str, typer.Argument(help="Référence de la créance")],
    on: DateOption,
    kind: Annotated[
        TitleKind | None, typer.Option("--kind", help="contrainte ou injunction (déduit de la prestation)")
    ] = None,
    why: WhyOption = "",
    organism: OrganismOption = None,
) -> None:
    """Draft the claim's enforcement title (one per claim) from its review task."""
    day = option_date(on)
    found = services(ctx)
    code = organism_or_only(found, organism)
    view = attempt(lambda: commands.draft_title(found, actor(ctx), code, claim, day, kind, why=why))
    console.print(escape(_describe(view)))


@app.command("basket")
def basket(ctx: typer.Context, on: DateOption, organism: OrganismOption = None) -> None:
    """The signature basket (the director, or an agent under a valid mandate)."""
    day = option_date(on)
    found = services(ctx)
    code = organism_or_only(found, organism)
    items = attempt(lambda: commands.signature_basket(found, actor(ctx), code, day))
    _table("Parapheur : titres à signer", items, money(found, code, day))


@app.command("sign")
def sign(
    ctx: typer.Context,
    titles: Annotated[list[int], typer.Argument(help="Numéros des titres à signer")],
    on: DateOption,
    why: WhyOption = "",
    organism: OrganismOption = None,
) -> None:
    """Sign titles one by one or in a batch (signer and mandate recorded on each)."""
    day = option_date(on)
    found = services(ctx)
    code = organism_or_only(found, organism)
    results = attempt(lambda: commands.sign_titles(found, actor(ctx), code, titles, day, why=why))
    failed = 0
    for result in results:
        if result.view is not None:
            console.print(escape(_describe(result.view)))
        else:
            failed += 1
            console.print(f"titre n° {result.title_id} : refusé : {escape(result.error or '')}")
    if failed:
        raise typer.Exit(1)


@app.command("act")
def act(
    ctx: typer.Context,
    title: Annotated[int, typer.Argument(help="Numéro du titre")],
    what: Annotated[str, typer.Argument(help="granted, served, opposed, hearing, decided, annulled")],
    on: DateOption,
    via: Annotated[
        ServiceVia | None, typer.Option("--via", help="bailiff ou registered_letter (signification)")
    ] = None,
    outcome: Annotated[
        Outcome | None, typer.Option("--outcome", help="rejected, upheld, reduced (décision)")
    ] = None,
    amount: Annotated[str | None, typer.Option("--amount", help="nouveau principal (reduced)")] = None,
    hearing: Annotated[str | None, typer.Option("--hearing", help="date de l'audience, YYYY-MM-DD")] = None,
    why: WhyOption = "",
    organism: OrganismOption = None,
) -> None:
    """Record an act on a title."""
    day = option_date(on)
    try:
        chosen = TitleAct(what)
    except ValueError:
        raise fail(f"acte {what!r} inconnu : granted, served, opposed, hearing, decided, annulled") from None
    try:
        cents = None if amount is None else parse_amount(amount, field="amount")
    except AmountError as error:
        raise fail(str(error)) from None
    hearing_on = None if hearing is None else option_date(hearing, "--hearing")
    found = services(ctx)
    code = organism_or_only(found, organism)
    view = attempt(
        lambda: commands.record_title_act(
            found, actor(ctx), code, title, chosen, day, via=via, outcome=outcome, amount=cents,
            hearing_on=hearing_on, why=why,
        )
    )  # fmt: skip
    console.print(f"{ACT_LABELS[chosen]} le {day.strftime('%d/%m/%Y')} : {escape(_describe(view))}")


@app.command("show")
def show(
    ctx: typer.Context,
    claim: Annotated[str, typer.Argument(help="Référence de la créance")],
    on: DateOption,
    organism: OrganismOption = None,
) -> None:
    """The claim's titles and their acts."""
    day = option_date(on)
    found = services(ctx)
    code = organism_or_only(found, organism)
    views = attempt(lambda: commands.claim_titles(found, actor(ctx), code, claim, day))
    if not views:
        console.print(f"{claim} : aucun titre exécutoire au {day.strftime('%d/%m/%Y')}")
    for view in views:
        console.print(escape(_describe(view)))
        for item in view.acts:
            outcome = f" ({item.outcome.value})" if item.outcome else ""
            console.print(
                f"  {item.on.strftime('%d/%m/%Y')} {ACT_LABELS[item.act]}{outcome} — {escape(item.by)}"
            )


@app.command("document")
def document(
    ctx: typer.Context,
    title: Annotated[int, typer.Argument(help="Numéro du titre")],
    output: Annotated[Path, typer.Option("--output", help="Fichier PDF à écrire")],
    organism: OrganismOption = None,
) -> None:
    """Write the title's PDF (the contrainte, or the request for a payment injunction)."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    name, pdf = attempt(lambda: commands.title_document(found, actor(ctx), code, title))
    output.write_bytes(pdf)
    console.print(f"{name} écrit dans {output}")
