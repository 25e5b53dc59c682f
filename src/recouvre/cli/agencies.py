"""`recouvre agencies load | list | place | place-one | recall | handover | statement | league`.

Collection agencies and bailiffs (PM241 procedures 11 and 12; SCENARIOS.md "Agencies"): their
contracts as data (a YAML or CSV file), placement by rules or one by one, the files handed over
(CSV or Parquet), the recall on request, the monthly commission statements and the league table.
Every date is given (``--date``); every act is an authorised command of
``recouvre.service.commands`` done by the user named with ``--as`` (batch-like loads and
placements default to the system account).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from recouvre.adapters.agency_files import ContractsFileError, read_contracts, write_rows
from recouvre.cli.common import actor, attempt, batch_actor, console, fail, money, organism_or_only, services
from recouvre.cli.common import option_date as _date
from recouvre.domain.errors import BatchRejected
from recouvre.domain.money import AmountError, Cents, parse_amount
from recouvre.service import agency_work, commands
from recouvre.service.agency_reports import LEAGUE_COLUMNS, STATEMENT_COLUMNS

app = typer.Typer(help="Agences de recouvrement et commissaires de justice.", no_args_is_help=True)

OrganismOption = Annotated[str | None, typer.Option("--organism", "-o", help="Code de l'organisme")]
DateOption = Annotated[str, typer.Option("--date", help="Date de l'acte, AAAA-MM-JJ (jamais l'horloge)")]
WhyOption = Annotated[str, typer.Option("--why", help="Pourquoi (motif, référence)")]
HANDOVER_COLUMNS = (
    "priority",
    "claim",
    "debtor",
    "debtor_kind",
    "debtor_name",
    "address",
    "email",
    "phone",
    "benefit",
    "principal",
    "balance",
    "notified_on",
    "placed_from",
    "phase",
    "title_letters",
)


def _amount(text: str | None, option: str) -> Cents | None:
    if text is None:
        return None
    try:
        return parse_amount(text, field=option)
    except AmountError as error:
        raise fail(escape(str(error))) from None


@app.command("load")
def load(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Contrats : YAML (agencies: [...]) ou CSV"),
    organism: OrganismOption = None,
    why: WhyOption = "",
) -> None:
    """Load (create or update) the agencies' contracts of a file, all or nothing."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    try:
        specs = agency_work.contracts_from_data(read_contracts(file))
    except ContractsFileError as error:
        raise fail(escape(str(error))) from None
    except BatchRejected as error:
        for problem in error.problems:
            console.print(
                f"entrée {problem.index + 1} — {problem.field} = {problem.value!r} : {problem.reason}"
            )
        raise fail(f"{len(error.problems)} erreur(s) : aucun contrat enregistré") from None
    saved = attempt(lambda: commands.load_contracts(found, batch_actor(ctx), code, specs, why))
    for view, new in saved:
        console.print(f"{view.code} ({view.kind}) : {'créée' if new else 'mise à jour'}")


@app.command("list")
def list_(ctx: typer.Context, organism: OrganismOption = None) -> None:
    """The agencies and their contracts."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    views = attempt(lambda: commands.list_agencies(found, batch_actor(ctx), code))
    table = Table("agence", "nom", "sorte", "commission %", "capacité", "contrat", "1re relance (j)")
    for view in views:
        contract = f"{view.contract_from or '…'} → {view.contract_until or '…'}"
        table.add_row(
            view.code,
            view.name,
            "amiable" if view.kind == "amicable" else "commissaire de justice",
            view.commission_rate,
            "" if view.capacity is None else str(view.capacity),
            contract,
            "" if view.first_reminder_days is None else str(view.first_reminder_days),
        )
    console.print(table)


@app.command("place")
def place(
    ctx: typer.Context,
    agency: Annotated[list[str], typer.Option("--agency", "-a", help="Agence candidate (répétable)")],
    on: DateOption,
    organism: OrganismOption = None,
    min_balance: Annotated[str | None, typer.Option("--min-balance")] = None,
    max_balance: Annotated[str | None, typer.Option("--max-balance")] = None,
    min_age: Annotated[int | None, typer.Option("--min-age-days")] = None,
    max_age: Annotated[int | None, typer.Option("--max-age-days")] = None,
    debtor_kind: Annotated[str | None, typer.Option("--debtor-kind", help="person ou legal")] = None,
    split: Annotated[
        list[str] | None, typer.Option("--split", help="AGENCE=poids (champion/challenger, répétable)")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Graine du tirage champion/challenger")] = 0,
    limit: Annotated[int | None, typer.Option("--limit")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Montrer le plan sans rien confier")] = False,
    why: WhyOption = "",
) -> None:
    """Place claims by rules (segment, amount, age, previous placements, capacities)."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    weights: dict[str, int] = {}
    for item in split or []:
        name, _, weight = item.partition("=")
        if not weight.isdigit():
            raise fail(f"--split {escape(item)!r} : AGENCE=poids")
        weights[name] = int(weight)
    rules = agency_work.PlacementRules(
        agencies=tuple(agency),
        min_balance=_amount(min_balance, "--min-balance"),
        max_balance=_amount(max_balance, "--max-balance"),
        min_age_days=min_age,
        max_age_days=max_age,
        debtor_kind=debtor_kind,
        split=weights,
        seed=seed,
        limit=limit,
    )
    day = _date(on)
    who = batch_actor(ctx)
    if dry_run:
        plan = attempt(lambda: commands.plan_placements(found, who, code, day, rules))
        show = money(found, code, day)
        for line in plan:
            console.print(f"{line.claim_ref} → {line.agency} ({show(line.balance)}) — {line.reason}")
        console.print(f"{len(plan)} créance(s) seraient confiées")
        return
    outcome = attempt(lambda: commands.place_by_rules(found, who, code, day, rules, why))
    for view in outcome.placed:
        console.print(f"{view.claim_ref} → {view.agency}")
    for claim, name, reason in outcome.refused:
        console.print(f"{claim} → {name} refusé : {escape(reason)}")
    console.print(f"{len(outcome.placed)} créance(s) confiée(s), {len(outcome.refused)} refus")


@app.command("place-one")
def place_one(
    ctx: typer.Context,
    claim: Annotated[str, typer.Option("--claim", "-c")],
    agency: Annotated[str, typer.Option("--agency", "-a")],
    on: DateOption,
    organism: OrganismOption = None,
    why: WhyOption = "",
) -> None:
    """Place one claim (from the debtor file) with an agency."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    view = attempt(lambda: commands.place_claim(found, actor(ctx), code, claim, agency, _date(on), why))
    console.print(f"{view.claim_ref} confiée à {view.agency} le {view.placed_from.isoformat()}")


@app.command("recall")
def recall(
    ctx: typer.Context,
    claim: Annotated[str, typer.Option("--claim", "-c")],
    agency: Annotated[str, typer.Option("--agency", "-a")],
    on: DateOption,
    organism: OrganismOption = None,
    why: WhyOption = "",
) -> None:
    """Recall a claim from its agency."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    attempt(lambda: commands.recall_claim(found, actor(ctx), code, claim, agency, _date(on), why))
    console.print(f"{claim} rappelée de l'agence {agency} le {on}")


@app.command("handover")
def handover(
    ctx: typer.Context,
    agency: Annotated[str, typer.Option("--agency", "-a")],
    on: DateOption,
    out: Annotated[Path, typer.Option("--out", help="Fichier à écrire : .csv ou .parquet")],
    organism: OrganismOption = None,
    titles: Annotated[
        Path | None, typer.Option("--titles-dir", help="Dossier où écrire les PDF des titres exécutoires")
    ] = None,
) -> None:
    """Write the files placed with an agency (the handover file), and for a bailiff the PDFs of
    the enforceable titles."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    files = attempt(lambda: commands.handover(found, batch_actor(ctx), code, agency, _date(on)))
    write_rows([item.as_row() for item in files], HANDOVER_COLUMNS, out)
    console.print(f"{len(files)} dossier(s) écrits dans {out}")
    if titles is not None:
        pdfs = attempt(lambda: commands.handover_titles(found, batch_actor(ctx), code, agency, _date(on)))
        titles.mkdir(parents=True, exist_ok=True)
        for claim, letter, pdf in pdfs:
            (titles / f"{claim}-{letter}.pdf").write_bytes(pdf)
        console.print(f"{len(pdfs)} titre(s) exécutoire(s) écrits dans {titles}")


@app.command("statement")
def statement(
    ctx: typer.Context,
    month: Annotated[str, typer.Option("--month", help="AAAA-MM")],
    agency: Annotated[str | None, typer.Option("--agency", "-a")] = None,
    organism: OrganismOption = None,
    out: Annotated[Path | None, typer.Option("--out", help=".csv ou .parquet")] = None,
) -> None:
    """The monthly commission statement and reconciliation of each agency."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    lines = attempt(lambda: commands.agency_statements(found, batch_actor(ctx), code, month, agency))
    if out is not None:
        write_rows([line.as_row() for line in lines], STATEMENT_COLUMNS, out)
    show = money(found, code)
    table = Table("agence", "mois", "encaissé", "reversé", "écart", "commission", "paiements")
    for line in lines:
        table.add_row(
            line.agency,
            line.month,
            show(line.collected),
            show(line.remitted),
            show(line.collected - line.remitted),
            show(line.commission),
            str(line.payments),
        )
    console.print(table)


@app.command("league")
def league(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from")],
    end: Annotated[str, typer.Option("--to")],
    organism: OrganismOption = None,
    out: Annotated[Path | None, typer.Option("--out", help=".csv ou .parquet")] = None,
) -> None:
    """The agencies' league table over a period."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    rows = attempt(lambda: commands.agency_league(found, batch_actor(ctx), code, _date(start), _date(end)))
    if out is not None:
        write_rows([row.as_row() for row in rows], LEAGUE_COLUMNS, out)
    table = Table(
        "agence", "dossiers", "taux de recouvrement %", "coût par unité", "1er contact (j)", "biens %"
    )
    for row in rows:
        table.add_row(
            row.agency,
            str(row.files),
            str(row.recovery_rate),
            "" if row.cost_per_unit is None else str(row.cost_per_unit),
            "" if row.days_to_first_contact is None else str(row.days_to_first_contact),
            str(row.asset_share),
        )
    console.print(table)
