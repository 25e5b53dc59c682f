"""Recovery for a third party (procedure 10) and the SATD received.

``recouvre third-party transfer|move|file|statement`` and ``recouvre satd record|release|list``:
a thin layer over the authorised commands of ``recouvre.service.commands.third_party``; every
date is given, every act is done by the user named with ``--as``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from recouvre.adapters.third_party_files import write_rows
from recouvre.cli.common import actor, attempt, console, fail, services
from recouvre.domain.money import format_eur
from recouvre.domain.third_party import Funder
from recouvre.service import third_party
from recouvre.service.commands import third_party as commands

OrganismOption = Annotated[str, typer.Option("--organism", "-o", help="Code de l'organisme")]
ClaimOption = Annotated[str, typer.Option("--claim", "-c", help="Référence de la créance")]
DateOption = Annotated[str, typer.Option("--date", help="Date de l'acte, YYYY-MM-DD (jamais l'horloge)")]
WhyOption = Annotated[str, typer.Option("--why", help="Pourquoi (motif, référence du dossier)")]

app = typer.Typer(help="Recouvrement pour le compte de tiers (procédure 10).", no_args_is_help=True)


def _date(text: str, option: str = "--date") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} {escape(text)!r}: une date YYYY-MM-DD") from None


def _print(view: third_party.TransferView) -> None:
    what = (
        "transférée au département" if view.kind == "transfer" else "recouvrée désormais pour le département"
    )
    console.print(
        f"{escape(view.claim_ref)} : {what} {view.departement} le {view.on.isoformat()} "
        f"(principal {format_eur(view.principal)}, frais {format_eur(view.costs)}, "
        f"solde {format_eur(view.balance)})",
        highlight=False,
    )


@app.command("transfer")
def transfer(
    ctx: typer.Context,
    organism: OrganismOption,
    claim: ClaimOption,
    on: DateOption,
    why: WhyOption,
    departement: Annotated[
        str | None, typer.Option("--departement", help="Code du département (44, 2A, 974)")
    ] = None,
    benefits_ended: Annotated[
        str | None,
        typer.Option("--benefits-ended", help="Date de fin des prestations du débiteur, YYYY-MM-DD"),
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="Motif repris au courrier et au fichier")] = "",
) -> None:
    """Transfer an RSA claim to the département (the debtor receives no more benefits)."""
    ended = None if benefits_ended is None else _date(benefits_ended, "--benefits-ended")
    view = attempt(
        lambda: commands.transfer_claim(
            services(ctx),
            actor(ctx),
            organism,
            claim,
            _date(on),
            departement=departement,
            benefits_ended_on=ended,
            reason=reason,
            why=why,
        )
    )
    _print(view)


@app.command("move")
def move(
    ctx: typer.Context,
    organism: OrganismOption,
    claim: ClaimOption,
    on: DateOption,
    why: WhyOption,
    departement: Annotated[str, typer.Option("--to", help="Code du nouveau département")],
    reason: Annotated[str, typer.Option("--reason", help="Motif")] = "",
) -> None:
    """The debtor moved: the claim is recovered for the new département."""
    view = attempt(
        lambda: commands.move_claim(
            services(ctx), actor(ctx), organism, claim, _date(on), departement, reason=reason, why=why
        )
    )
    _print(view)


@app.command("file")
def transfer_file(
    ctx: typer.Context,
    organism: OrganismOption,
    claim: ClaimOption,
    output: Annotated[Path, typer.Option("--output", "-O", help="Fichier .csv ou .parquet")],
) -> None:
    """Write the claim's transfer file (figures and whole history) as CSV or Parquet."""
    rows = attempt(lambda: commands.transfer_file(services(ctx), actor(ctx), organism, claim))
    columns, values = third_party.file_rows(rows)
    write_rows(output, columns, values)
    console.print(
        f"fichier de transfert écrit : {escape(str(output))} ({len(values)} lignes)", highlight=False
    )


@app.command("statement")
def statement(
    ctx: typer.Context,
    organism: OrganismOption,
    month: Annotated[str, typer.Option("--month", help="Mois, YYYY-MM")],
    creditor: Annotated[Funder, typer.Option("--creditor", help="departement, etat ou fnal")],
    output: Annotated[Path, typer.Option("--output", "-O", help="Fichier .csv, .parquet ou .pdf")],
    departement: Annotated[str | None, typer.Option("--departement", help="Code du département")] = None,
) -> None:
    """The monthly statement of sums established and recovered on a creditor's behalf."""
    try:
        third_party.month_bounds(month)
    except ValueError:
        raise fail(f"--month {escape(month)!r}: un mois YYYY-MM") from None
    found = attempt(
        lambda: commands.statement(services(ctx), actor(ctx), organism, month, creditor, departement)
    )
    if output.suffix.lower() == ".pdf":
        output.write_bytes(commands.statement_pdf(found))
    else:
        columns, values = third_party.statement_rows(found)
        write_rows(output, columns, values)
    console.print(
        f"{escape(found.creditor_name)}, {month} : constaté {format_eur(found.established)}, "
        f"recouvré {format_eur(found.recovered)} ({len(found.lines)} créances) → {escape(str(output))}",
        highlight=False,
    )
