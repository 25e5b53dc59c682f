"""`recouvre import debtors | claims FILE --organism CODE`: CSV or Parquet, all or nothing.

The file is read and checked whole (``recouvre.adapters.imports``); any problem,
found in the file or by the service layer against the database, refuses the whole
file: the problems are listed on stderr, the exit code is 1 and nothing is written.
A replayed file books nothing (the service layer skips identical debtors and claims).
An import is a batch act (``imports.run``) of the user named by ``--as``, else of the ``system``
account, recorded in the audit trail with its counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table as RichTable
from rich.text import Text

from recouvre.adapters.imports import (
    ImportProblem,
    Table,
    TableError,
    absent_details,
    claim_debtor_refs,
    keep_recorded,
    new_quotients,
    parse_claims,
    parse_debtors,
    read_table,
)
from recouvre.cli.common import FORBIDDEN, batch_actor, console, errors, fail, services
from recouvre.domain.model import Debtor, DomainError
from recouvre.security.authorization import Forbidden
from recouvre.service import BatchRejected, Services, commands, registry

app = typer.Typer(
    help="Import de fichiers CSV ou Parquet (débiteurs, créances), tout ou rien.", no_args_is_help=True
)

FileArgument = Annotated[
    Path,
    typer.Argument(
        exists=True,
        dir_okay=False,
        readable=True,
        help="Fichier CSV (UTF-8, séparateur ',' ou ';') ou Parquet (.parquet, .pq)",
    ),
]
OrganismOption = Annotated[
    str, typer.Option("--organism", "-o", help="Code de l'organisme, créé par 'recouvre organisms add'")
]


@app.command("debtors")
def debtors(ctx: typer.Context, file: FileArgument, organism: OrganismOption) -> None:
    """Import debtors: one row per debtor (see docs/imports.md for the columns)."""
    found = services(ctx)
    organism_or_fail(found, organism)
    who = batch_actor(ctx)
    table = _read(file)
    batch, problems = parse_debtors(table, organism)
    if problems:
        raise refuse_file(file, problems)
    recorded, quotient_dates = _recorded(found, organism, batch.items, absent_details(table.columns))
    batch, problems = keep_recorded(batch, table.columns, recorded)
    if problems:
        raise refuse_file(file, problems)
    quotients = new_quotients(batch.items, quotient_dates)
    try:
        result = commands.import_debtors(found, who, organism, batch.items, source=file.name)
    except BatchRejected as error:
        raise refuse_file(file, batch.locate(error.problems)) from None
    except Forbidden as error:
        raise fail(f"refusé : {escape(error.reason)}", FORBIDDEN) from None
    except DomainError as error:
        raise fail(str(error)) from None
    plural = "s" if quotients > 1 else ""
    added = f", {quotients} quotient{plural} PRP ajouté{plural}" if quotients else ""
    _summary(
        f"débiteurs ({file.name}, {len(batch.items)} lignes)",
        result.created,
        result.updated,
        result.unchanged,
        added,
    )


@app.command("claims")
def claims(ctx: typer.Context, file: FileArgument, organism: OrganismOption) -> None:
    """Import claims: one row per undue payment line; rows sharing a ref form one claim."""
    found = services(ctx)
    organism_or_fail(found, organism)
    who = batch_actor(ctx)
    table = _read(file)
    known = registry.known_debtors(found, organism, claim_debtor_refs(table))
    batch, problems = parse_claims(table, organism, known_debtors=known)
    if problems:
        raise refuse_file(file, problems)
    try:
        result = commands.import_claims(found, who, organism, batch.items, source=file.name)
    except BatchRejected as error:
        raise refuse_file(file, batch.locate(error.problems)) from None
    except Forbidden as error:
        raise fail(f"refusé : {escape(error.reason)}", FORBIDDEN) from None
    except DomainError as error:
        raise fail(str(error)) from None
    lines = sum(len(claim.lines) for claim in batch.items)
    _summary(f"créances ({file.name}, {lines} lignes d'indu)", result.created, 0, result.unchanged)


def organism_or_fail(found: Services, code: str) -> None:
    if registry.get_organism(found, code) is None:
        raise fail(
            f"organisme {escape(repr(code))} inconnu : créez-le d'abord avec "
            f"« recouvre organisms add {escape(code)} --country FR » (ou MA)"
        )


def _read(file: Path) -> Table:
    try:
        return read_table(file)
    except TableError as error:
        raise refuse_file(file, error.problems) from None


def refuse_file(file: Path, problems: Sequence[ImportProblem]) -> typer.Exit:
    table = RichTable("ligne", "colonne", "valeur", "motif", title=Text(f"{file.name} : fichier refusé"))
    for problem in problems:
        table.add_row(
            Text(str(problem.line) if problem.line else "—"),
            Text(problem.column),
            Text(problem.value),
            Text(problem.reason),
        )
    errors.print(table)
    count = len(problems)
    plural = "s" if count > 1 else ""
    return fail(f"{count} erreur{plural} dans {escape(file.name)} : fichier refusé, rien n'a été importé.")


def _recorded(
    found: Services, organism: str, debtors: Sequence[Debtor], absent: Sequence[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, set[date]]]:
    """For the file's debtors already recorded: the values of the detail columns the file
    lacks, and the dates of their recorded quotients."""
    return registry.recorded_debtors(found, organism, (debtor.ref for debtor in debtors), absent)


def _summary(what: str, created: int, updated: int, unchanged: int, more: str = "") -> None:
    counted = f"{created} créés / {updated} mis à jour / {unchanged} inchangés{more}"
    console.print(f"{escape(what)} : {counted}", highlight=False, soft_wrap=True)
    if not created and not updated and not more:
        console.print("Rien de nouveau : ce contenu avait déjà été importé.", highlight=False, soft_wrap=True)
