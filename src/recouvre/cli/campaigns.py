"""`recouvre campaign create | list | calls | call | kpis | close`: phone campaigns
(télérecouvrement) at the four triggers, their call lists, the calls' outcomes and the KPIs
side by side with the seed's (60 % reached, 73 % effective when reached, −47 % formal notices)."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from recouvre.cli.common import actor, console, money, option_date, organism_or_only, refused, services
from recouvre.domain.money import AmountError, parse_amount
from recouvre.service.campaigns import SEED, TRIGGERS, Kpis, load_outcomes
from recouvre.service.commands import campaigns as commands

app = typer.Typer(help="Campagnes d'appels (télérecouvrement).", no_args_is_help=True)
OrganismOption = typer.Option(None, "--organism", help="Code de l'organisme (défaut : le seul)")


@app.command("create")
def create(
    ctx: typer.Context,
    trigger: str = typer.Option(..., "--trigger", help=", ".join(TRIGGERS)),
    start: str = typer.Option(..., "--from", help="Début de la période AAAA-MM-JJ"),
    end: str = typer.Option(..., "--to", help="Fin de la période AAAA-MM-JJ"),
    name: str = typer.Option("", "--name", help="Nom de la campagne"),
    organism: str | None = OrganismOption,
) -> None:
    """Build a campaign's call list at a trigger over a period."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    with refused():
        view = commands.create_campaign(
            found, actor(ctx), code, trigger, option_date(start, "--from"), option_date(end, "--to"), name
        )
    console.print(f"campagne {view.id} « {escape(view.name)} » : {view.targets} débiteur(s) à appeler.")


@app.command("list")
def list_(ctx: typer.Context, organism: str | None = OrganismOption) -> None:
    """List the organism's campaigns."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    with refused():
        rows = commands.list_campaigns(found, actor(ctx), code)
    table = Table("n°", "déclencheur", "période", "débiteurs", "nom", title=f"{code} — campagnes")
    for row in rows:
        table.add_row(
            str(row.id),
            TRIGGERS[row.trigger],
            f"{row.period_from:%d/%m/%Y} → {row.period_to:%d/%m/%Y}",
            str(row.targets),
            escape(row.name),
        )
    console.print(table)


@app.command("calls")
def calls(
    ctx: typer.Context,
    campaign: int = typer.Argument(..., help="Numéro de la campagne"),
    on: str = typer.Option(..., "--date", help="Jour des appels AAAA-MM-JJ"),
    organism: str | None = OrganismOption,
) -> None:
    """The call list of the day: debtor, phone, claims and balances, last contacts, and the script."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    day = option_date(on, "--date")
    with refused():
        view, lines, script = commands.call_list(found, actor(ctx), code, campaign, day)
    fmt = money(found, code, day)
    who = actor(ctx).user
    table = Table(
        "ligne", "débiteur", "téléphone", "dettes", "reste dû", "derniers contacts", title=escape(view.name)
    )
    for line in lines:
        table.add_row(
            str(line.id),
            f"{escape(line.debtor_name)} ({escape(line.debtor_ref)})",
            escape(line.phone or "—"),
            ", ".join(claim.ref for claim in line.claims),
            fmt(line.total),
            escape(" ; ".join(line.last_contacts) or "—"),
        )
    console.print(table)
    console.print(f"[bold]Script[/] : {escape(script.replace('{agent}', who))}")
    console.print("Issues possibles : " + ", ".join(f"{c} ({o.label})" for c, o in load_outcomes().items()))


@app.command("call")
def call(
    ctx: typer.Context,
    campaign: int = typer.Argument(..., help="Numéro de la campagne"),
    line: int = typer.Argument(..., help="Numéro de la ligne (voir « calls »)"),
    outcome: str = typer.Option(..., "--outcome", help=", ".join(load_outcomes())),
    on: str = typer.Option(..., "--date", help="Jour de l'appel AAAA-MM-JJ"),
    amount: str | None = typer.Option(None, "--amount", help="Montant promis (issue promise)"),
    due: str | None = typer.Option(None, "--due", help="Date promise AAAA-MM-JJ (issue promise)"),
    callback: str | None = typer.Option(
        None, "--callback", help="Date du rappel AAAA-MM-JJ (issue callback)"
    ),
    note: str = typer.Option("", "--note", help="Ce qui a été dit"),
    organism: str | None = OrganismOption,
) -> None:
    """Record a call and its outcome (an unknown code is refused)."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    promise = None
    if amount is not None or due is not None:
        if amount is None or due is None:
            raise typer.BadParameter("--amount et --due vont ensemble", param_hint="--amount")
        try:
            cents = parse_amount(amount, field="--amount")
        except AmountError:
            raise typer.BadParameter(f"{amount!r} : montant attendu", param_hint="--amount") from None
        promise = commands.Promise(cents, option_date(due, "--due"))
    with refused():
        done = commands.record_call(
            found,
            actor(ctx),
            code,
            campaign,
            line,
            outcome,
            option_date(on, "--date"),
            promise=promise,
            callback_on=None if callback is None else option_date(callback, "--callback"),
            note=note,
        )
    console.print(f"ligne {line} : {done.label}.")


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def kpi_rows(found: Kpis) -> list[tuple[str, str, str, str]]:
    """The three KPIs with their counts and the seed's figures."""
    change = found.formal_notices_change
    return [
        ("débiteurs joints", _rate(found.reached_rate), f"{found.reached} / {found.targets}", "60 %"),
        (
            "efficacité quand joint",
            _rate(found.effective_rate),
            f"{found.effective} / {found.reached}",
            "73 %",
        ),
        (
            "mises en demeure (vs année précédente)",
            "—" if change is None else f"{change * 100:+.0f} %",
            f"{found.formal_notices} / {found.targets} contre "
            f"{found.previous_formal_notices} / {found.previous_targets}",
            f"{SEED['formal_notices'] * 100:+.0f} %",
        ),
    ]


@app.command("kpis")
def kpis(
    ctx: typer.Context,
    campaign: int = typer.Argument(..., help="Numéro de la campagne"),
    on: str = typer.Option(..., "--date", help="Jour du bilan AAAA-MM-JJ"),
    organism: str | None = OrganismOption,
) -> None:
    """The campaign's KPIs side by side with the seed's."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    with refused():
        result = commands.kpis(found, actor(ctx), code, campaign, option_date(on, "--date"))
    table = Table(
        "indicateur", "campagne", "nombres", "référence (Cnaf 2015)", title=f"campagne {campaign} au {on}"
    )
    for row in kpi_rows(result):
        table.add_row(*row)
    console.print(table)


@app.command("close")
def close(
    ctx: typer.Context,
    campaign: int = typer.Argument(..., help="Numéro de la campagne"),
    on: str = typer.Option(..., "--date", help="Jour de clôture AAAA-MM-JJ"),
    organism: str | None = OrganismOption,
) -> None:
    """Stop calling the lines still open (they count as not reached)."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    with refused():
        count = commands.close_campaign(found, actor(ctx), code, campaign, option_date(on, "--date"))
    console.print(f"campagne {campaign} close : {count} ligne(s) arrêtée(s).")
