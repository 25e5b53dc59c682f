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
        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise fail(f"--date {on!r} : date AAAA-MM-JJ attendue", 2) from None
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
