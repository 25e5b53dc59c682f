"""`recouvre bank …`: bank statements (camt.053, CFONB 120), the unmatched queue, bulk payments.

* ``bank import FILE``: a statement, camt.053 (ISO 20022 XML) or CFONB 120, recognised from its
  content. Read and checked whole first: any problem refuses the whole file (each with its place
  in the file, field, value and reason; exit 1; nothing booked). Each credit is then booked on
  the claim whose payment reference it quotes, or left in the unmatched queue. Importing the
  same statement again books nothing (statement and entry ids).
* ``bank unmatched``: the credits waiting in the queue, with the claims they may be for.
* ``bank book CREDIT CLAIM`` / ``bank return CREDIT --reason``: the accountant's two actions.
* ``bank payments FILE``: a file of cheques and cash-desk payments (CSV or Parquet), all or nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable
from rich.text import Text

from recouvre.adapters.bank_statements import parse_bulk_payments, parse_statement_file
from recouvre.adapters.imports import ImportProblem, TableError
from recouvre.cli.common import (
    actor,
    attempt,
    batch_actor,
    console,
    fail,
    money,
    option_date,
    organism_or_only,
    refused,
    services,
)
from recouvre.cli.imports import refuse_file
from recouvre.domain.errors import BatchRejected
from recouvre.service.commands import money_in

app = typer.Typer(
    help="Banque : relevés (camt.053, CFONB 120), virements non rapprochés, remises de chèques.",
    no_args_is_help=True,
)

FileArgument = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
OrganismOption = Annotated[str | None, typer.Option("--organism", help="Code de l'organisme")]


def _located(problems: list[ImportProblem], batch: BatchRejected, where: list[str]) -> list[ImportProblem]:
    for problem in batch.problems:
        place = where[problem.index] if 0 <= problem.index < len(where) else ""
        column = f"{place} {problem.field}".strip()
        problems.append(ImportProblem(0, column, str(problem.value), problem.reason))
    return problems


@app.command("import")
def import_statement(ctx: typer.Context, file: FileArgument, organism: OrganismOption = None) -> None:
    """Importer un relevé bancaire (camt.053 ou CFONB 120) : rapprochement par référence de paiement."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    parsed = parse_statement_file(file)
    if parsed.problems:
        raise refuse_file(file, parsed.problems)
    lines = [
        money_in.CreditLine(
            line.statement_id,
            line.entry_id,
            line.booked_on,
            line.amount,
            line.reference,
            payer_name=line.payer_name,
            payer_iban=line.payer_iban,
            source=parsed.format,
        )
        for line in parsed.lines
    ]
    try:
        result = attempt(
            lambda: money_in.import_bank_statement(
                found, batch_actor(ctx), code, lines, currency=parsed.currency, source=file.name
            )
        )
    except BatchRejected as error:
        raise refuse_file(file, _located([], error, [line.location for line in parsed.lines])) from None
    console.print(
        f"{file.name} ({parsed.format}) : {result.received} crédit(s) reçu(s), "
        f"{result.matched} rapproché(s), {result.unmatched} en attente, "
        f"{result.replayed} déjà reçu(s), {parsed.skipped} écriture(s) ignorée(s) "
        "(débits, écritures non comptabilisées)."
    )


@app.command("unmatched")
def unmatched(
    ctx: typer.Context,
    organism: OrganismOption = None,
    on: Annotated[str | None, typer.Option("--date", help="Crédits de ce jour (AAAA-MM-JJ)")] = None,
) -> None:
    """Les virements non rapprochés en attente, avec les créances qu'ils pourraient régler."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    who = actor(ctx)
    day = None
    if on is not None:
        day = option_date(on)
    credits = attempt(lambda: money_in.bank_credits(found, who, code, status="unmatched", on=day))
    show = money(found, code)
    table = RichTable(
        "n°", "date", "montant", "libellé", "payeur", "motif", "suggestions", title="Virements non rapprochés"
    )
    for credit in credits:
        with refused():
            ideas = money_in.credit_suggestions(found, who, code, credit.id)
        table.add_row(
            str(credit.id),
            credit.booked_on.isoformat(),
            show(credit.amount),
            Text(credit.reference),
            Text(credit.payer_name),
            Text(credit.reason),
            Text("; ".join(f"{item.claim_ref} ({', '.join(item.why)})" for item in ideas) or "—"),
        )
    console.print(table)
    console.print(f"{len(credits)} crédit(s) en attente.")


@app.command("book")
def book(
    ctx: typer.Context,
    credit: Annotated[int, typer.Argument(help="Numéro du crédit (bank unmatched)")],
    claim: Annotated[str, typer.Argument(help="Référence de la créance à régler")],
    organism: OrganismOption = None,
) -> None:
    """Affecter un virement non rapproché à une créance (paiement par virement à sa date)."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    who = actor(ctx)
    done = attempt(lambda: money_in.book_unmatched_credit(found, who, code, credit, claim, date.today()))
    console.print(f"crédit {done.id} affecté à la créance {done.claim_ref}.")


@app.command("return")
def return_credit(
    ctx: typer.Context,
    credit: Annotated[int, typer.Argument(help="Numéro du crédit (bank unmatched)")],
    reason: Annotated[str, typer.Option("--reason", help="Motif du renvoi au payeur")],
    organism: OrganismOption = None,
) -> None:
    """Renvoyer au payeur un virement qui ne règle aucune créance."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    who = actor(ctx)
    done = attempt(lambda: money_in.return_unmatched_credit(found, who, code, credit, date.today(), reason))
    console.print(f"crédit {done.id} renvoyé au payeur.")


@app.command("payments")
def bulk_payments(ctx: typer.Context, file: FileArgument, organism: OrganismOption = None) -> None:
    """Importer une remise de chèques ou de paiements au guichet (CSV ou Parquet), tout ou rien."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    try:
        rows, problems = parse_bulk_payments(file)
    except TableError as error:
        raise refuse_file(file, error.problems) from None
    if problems:
        raise refuse_file(file, problems)
    items = [
        money_in.BulkPayment(row.payment_id, row.claim, row.reference, row.amount, row.paid_on, row.channel)
        for row in rows
    ]
    try:
        new = attempt(lambda: money_in.import_bulk_payments(found, actor(ctx), code, items, source=file.name))
    except BatchRejected as error:
        located = [ImportProblem(rows[p.index].line, p.field, str(p.value), p.reason) for p in error.problems]
        raise refuse_file(file, located) from None
    console.print(f"{file.name} : {len(items)} paiement(s), {new} nouveau(x).")


# SEPA direct debits and refunds ---------------------------------------------------------------


@app.command("prenotify")
def prenotify(
    ctx: typer.Context,
    due: Annotated[str, typer.Option("--due", help="Date d'échéance des prélèvements (AAAA-MM-JJ)")],
    on: Annotated[str, typer.Option("--on", help="Date de la pré-notification (AAAA-MM-JJ)")],
    organism: OrganismOption = None,
) -> None:
    """Pré-notifier les prélèvements d'une échéance (au moins 14 jours avant pour être présentés)."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    notices = attempt(
        lambda: money_in.prenotify_collections(
            found, batch_actor(ctx), code, option_date(due, "--due"), option_date(on, "--on")
        )
    )
    show = money(found, code)
    for item in notices:
        console.print(
            f"{item.debtor_ref} créance {item.claim_ref} : {show(item.amount)} le {item.due_on:%d/%m/%Y}"
        )
    console.print(f"{len(notices)} pré-notification(s).")


@app.command("collections")
def collections(
    ctx: typer.Context,
    due: Annotated[str, typer.Option("--due", help="Date d'échéance (AAAA-MM-JJ)")],
    name: Annotated[str, typer.Option("--name", help="Nom du créancier")],
    iban: Annotated[str, typer.Option("--iban", help="IBAN du compte de l'organisme")],
    bic: Annotated[str, typer.Option("--bic", help="BIC de la banque de l'organisme")],
    ics: Annotated[str, typer.Option("--ics", help="Identifiant créancier SEPA (ICS)")],
    output: Annotated[Path, typer.Option("--output", "-o", dir_okay=False, help="Fichier pain.008 à écrire")],
    organism: OrganismOption = None,
) -> None:
    """Écrire le fichier de prélèvements SEPA (pain.008) d'une échéance, validé par son schéma XSD."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    creditor = money_in.Creditor(name, iban, bic, ics)
    due_on = option_date(due, "--due")
    try:
        produced = attempt(
            lambda: money_in.collection_file(found, batch_actor(ctx), code, due_on, creditor, date.today())
        )
    except BatchRejected as error:
        raise fail("; ".join(f"{p.field} : {p.reason}" for p in error.problems)) from None
    output.write_bytes(produced.xml)
    show = money(found, code)
    for problem in produced.excluded:
        console.print(f"écarté : créance {problem.value} — {problem.reason}")
    console.print(f"{output.name} : {len(produced.included)} prélèvement(s), {show(produced.total)}.")


@app.command("returns")
def returns(ctx: typer.Context, file: FileArgument, organism: OrganismOption = None) -> None:
    """Enregistrer les rejets (pain.002) et retours (camt.054) de prélèvements : contre-passations."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    data = file.read_bytes()
    try:
        new = attempt(
            lambda: money_in.import_direct_debit_returns(
                found, actor(ctx), code, data, date.today(), source=file.name
            )
        )
    except BatchRejected as error:
        located = [ImportProblem(0, p.field, str(p.value), p.reason) for p in error.problems]
        raise refuse_file(file, located) from None
    console.print(f"{file.name} : {new} prélèvement(s) contre-passé(s).")


@app.command("refund-propose")
def refund_propose(
    ctx: typer.Context,
    claim: Annotated[str, typer.Argument(help="Créance dont le trop-perçu est à rembourser")],
    why: Annotated[str, typer.Option("--why", help="Motif")],
    on: Annotated[str | None, typer.Option("--on", help="Date (AAAA-MM-JJ, défaut : aujourd'hui)")] = None,
    organism: OrganismOption = None,
) -> None:
    """Proposer le remboursement d'un trop-perçu (décidé par une autre personne, comptable)."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    day = date.today() if on is None else option_date(on, "--on")
    who = actor(ctx)
    proposal = attempt(lambda: money_in.propose_refund(found, who, code, claim, day, why))
    amount = money(found, code)(int(str(proposal.payload["amount_cents"])))
    console.print(
        f"proposition n° {proposal.id} : rembourser {amount} sur {proposal.payload['iban_masked']}."
    )


@app.command("refunds")
def refund_transfers(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Nom de l'organisme (donneur d'ordre)")],
    iban: Annotated[str, typer.Option("--iban", help="IBAN du compte de l'organisme")],
    bic: Annotated[str, typer.Option("--bic", help="BIC de la banque de l'organisme")],
    output: Annotated[Path, typer.Option("--output", "-o", dir_okay=False, help="Fichier pain.001 à écrire")],
    on: Annotated[str | None, typer.Option("--on", help="Date d'exécution (AAAA-MM-JJ)")] = None,
    organism: OrganismOption = None,
) -> None:
    """Écrire le fichier de virements SEPA (pain.001) des remboursements décidés, une fois chacun."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    day = date.today() if on is None else option_date(on, "--on")
    who = actor(ctx)
    try:
        produced = attempt(
            lambda: money_in.refund_transfer_file(found, who, code, day, name=name, iban=iban, bic=bic)
        )
    except BatchRejected as error:
        raise fail("; ".join(f"{p.field} : {p.reason}" for p in error.problems)) from None
    output.write_bytes(produced.xml)
    console.print(
        f"{output.name} : {len(produced.refunds)} virement(s), {money(found, code)(produced.total)}."
    )
