"""Recovery for a third party (procedure 10) and the SATD received.

``recouvre third-party transfer|move|file|statement`` and ``recouvre satd record|release|list``:
a thin layer over the authorised commands of ``recouvre.service.commands.third_party``; every
date is given, every act is done by the user named with ``--as``."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from recouvre.adapters.third_party_files import write_rows
from recouvre.cli.common import actor, attempt, console, fail, services
from recouvre.cli.common import option_date as _date
from recouvre.domain.money import AmountError, format_eur, parse_amount
from recouvre.domain.satd import DebtKind
from recouvre.domain.third_party import Funder
from recouvre.service import satd, third_party
from recouvre.service.commands import third_party as commands

OrganismOption = Annotated[str, typer.Option("--organism", "-o", help="Code de l'organisme")]
ClaimOption = Annotated[str, typer.Option("--claim", "-c", help="Référence de la créance")]
DateOption = Annotated[str, typer.Option("--date", help="Date de l'acte, YYYY-MM-DD (jamais l'horloge)")]
WhyOption = Annotated[str, typer.Option("--why", help="Pourquoi (motif, référence du dossier)")]

app = typer.Typer(help="Recouvrement pour le compte de tiers (procédure 10).", no_args_is_help=True)


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
    attempt(lambda: third_party.month_bounds(month))
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


satd_app = typer.Typer(help="Saisies administratives à tiers détenteur reçues (SATD).", no_args_is_help=True)


def _notice_line(view: satd.NoticeView) -> str:
    state = "mainlevée" if view.status == satd.RELEASED else ("soldée" if view.remaining == 0 else "en cours")
    return (
        f"saisie {view.id} : {escape(view.creditor)} réf. {escape(view.reference)} ({view.kind.value}) "
        f"sur {escape(view.debtor_ref)}, reçue le {view.received_on.isoformat()}, {format_eur(view.amount)}, "
        f"saisi {format_eur(view.set_aside)} dont reversé {format_eur(view.paid)}, {state}"
    )


@satd_app.command("record")
def satd_record(
    ctx: typer.Context,
    organism: OrganismOption,
    debtor: Annotated[str, typer.Option("--debtor", "-d", help="Référence du débiteur")],
    creditor: Annotated[str, typer.Option("--creditor", help="Comptable public saisissant")],
    reference: Annotated[str, typer.Option("--reference", help="Référence de l'avis de saisie")],
    kind: Annotated[DebtKind, typer.Option("--kind", help="fraud, maintenance ou other")],
    amount: Annotated[str, typer.Option("--amount", help="Montant de la saisie, en euros")],
    received: Annotated[str, typer.Option("--received", help="Date de réception, YYYY-MM-DD")],
    why: WhyOption,
    at: Annotated[str | None, typer.Option("--at", help="Heure de réception HH:MM (rang)")] = None,
) -> None:
    """Record a SATD received against the debtor's benefits."""
    day = _date(received, "--received")
    moment = None
    if at is not None:
        try:
            moment = datetime.combine(day, time.fromisoformat(at), tzinfo=UTC)
        except ValueError:
            raise fail(f"--at {escape(at)!r}: une heure HH:MM") from None
    try:
        cents = parse_amount(amount, field="--amount")
    except AmountError as error:
        raise fail(escape(str(error))) from None
    view = attempt(
        lambda: commands.record_satd(
            services(ctx),
            actor(ctx),
            organism,
            debtor,
            creditor=creditor,
            reference=reference,
            kind=kind,
            amount=cents,
            received_on=day,
            received_at=moment,
            why=why,
        )
    )
    console.print(_notice_line(view), highlight=False)


@satd_app.command("release")
def satd_release(
    ctx: typer.Context,
    organism: OrganismOption,
    notice: Annotated[int, typer.Option("--notice", help="Numéro de la saisie")],
    on: DateOption,
    why: WhyOption,
) -> None:
    """Record the release (mainlevée) of a notice."""
    view = attempt(lambda: commands.release_satd(services(ctx), actor(ctx), organism, notice, _date(on), why))
    console.print(_notice_line(view), highlight=False)


@satd_app.command("pay")
def satd_pay(
    ctx: typer.Context,
    organism: OrganismOption,
    payable: Annotated[int, typer.Option("--payable", help="Numéro de la somme à reverser")],
    on: DateOption,
    why: WhyOption,
) -> None:
    """Record the payment to the seizing creditor of a sum set aside."""
    view = attempt(lambda: commands.pay_satd(services(ctx), actor(ctx), organism, payable, _date(on), why))
    late = " (hors délai de 30 jours)" if view.settled_on and view.settled_on > view.due_on else ""
    console.print(
        f"reversement {view.id} : {format_eur(view.amount)} à {escape(view.creditor)} "
        f"le {_date(on).isoformat()}{late}",
        highlight=False,
    )


@satd_app.command("list")
def satd_list(
    ctx: typer.Context,
    organism: OrganismOption,
    debtor: Annotated[str | None, typer.Option("--debtor", "-d", help="Référence du débiteur")] = None,
    payables: Annotated[
        bool, typer.Option("--payables", help="Les sommes à reverser (échéance à 30 jours)")
    ] = False,
) -> None:
    """The notices received, or the sums to pay to the seizing creditors."""
    if payables:
        for item in attempt(lambda: commands.satd_payables(services(ctx), actor(ctx), organism)):
            console.print(
                f"reversement {item.id} : {format_eur(item.amount)} à {escape(item.creditor)} "
                f"(saisie {item.notice_id}, {escape(item.debtor_ref)}, {item.benefit} "
                f"du {item.paid_on.isoformat()}), "
                f"à payer au plus tard le {item.due_on.isoformat()}",
                highlight=False,
            )
        return
    for view in attempt(lambda: commands.satd_notices(services(ctx), actor(ctx), organism, debtor)):
        console.print(_notice_line(view), highlight=False)
