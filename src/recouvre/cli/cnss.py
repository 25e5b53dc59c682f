"""`recouvre seizure record|list` and `recouvre amnesty simulate|apply|offer`: the CNSS's own commands.

Seizures (saisie-arrêt) on claims in forced recovery:

* ``record --claim C --step served|declared|collected|released --ref REF --on DATE
  [--third-party NAME] [--amount 123.45] [--organism CODE]`` records one step of a seizure;
  ``collected`` books the sums received as a payment on the claim.
* ``list --claim C [--organism CODE]`` prints the seizure acts of a claim.

Contributions due: ``recouvre import contributions FILE --organism CODE`` (columns in
``recouvre.adapters.contributions``), registered on the ``import`` command group.

Amnesty campaigns (SCENARIOS.md "CNSS amnesty"):

* ``simulate --on DATE [--organism CODE]``: what the campaign in force (or the last one encoded)
  would cost (surcharges and costs remitted) and bring in (principal) on the current portfolio;
* ``apply --claim C --option full|plan_24|plan_more --on DATE``: an employer's application;
* ``offer --on DATE``: letters offering the open campaign to every eligible employer.
"""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from recouvre.adapters.contributions import parse_contributions
from recouvre.cli import imports as imports_cli
from recouvre.cli.common import (
    FORBIDDEN,
    actor,
    batch_actor,
    console,
    fail,
    money,
    organism_or_only,
    refused,
    services,
)
from recouvre.cli.common import option_date as _date
from recouvre.domain.model import DomainError
from recouvre.domain.money import AmountError, parse_amount
from recouvre.security.authorization import Forbidden
from recouvre.service import BatchRejected, commands, contributions
from recouvre.service.seizures import STEP_LABELS, SeizureStep

seizure_app = typer.Typer(
    help="Saisies-arrêts (CNSS) sur les créances en recouvrement forcé.", no_args_is_help=True
)


@seizure_app.command("record")
def record_command(
    ctx: typer.Context,
    claim: str = typer.Option(..., "--claim", help="Référence de la créance"),
    step: SeizureStep = typer.Option(..., "--step", help="served, declared, collected ou released"),
    reference: str = typer.Option(..., "--ref", help="Référence de la saisie"),
    on: str = typer.Option(..., "--on", help="Date de l'acte, YYYY-MM-DD"),
    third_party: str = typer.Option("", "--third-party", help="Tiers détenteur saisi (banque, client…)"),
    amount: str | None = typer.Option(None, "--amount", help="Montant déclaré ou encaissé"),
    why: str = typer.Option("", "--why", help="Motif (piste d'audit)"),
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme"),
) -> None:
    """Record one step of a saisie-arrêt on a claim in forced recovery."""
    day = _date(on, "--on")
    found = services(ctx)
    code = organism_or_only(found, organism)
    try:
        cents = None if amount is None else parse_amount(amount, field="--amount")
    except AmountError as error:
        raise fail(escape(str(error))) from None
    with refused():
        act = commands.cnss.record_seizure(
            found,
            actor(ctx),
            code,
            claim,
            day,
            step,
            reference,
            third_party=third_party,
            amount=cents,
            why=why,
        )
    fmt = money(found, code, day)
    shown = "" if act.amount is None else f" — {fmt(act.amount)}"
    done = "enregistrée" if act.new else "déjà enregistrée"
    console.print(
        f"{escape(claim)} : saisie {escape(act.reference)}, {STEP_LABELS[act.step]}"
        f" ({escape(act.third_party)}) le {act.on.isoformat()}{shown} — {done}",
        highlight=False,
    )


@seizure_app.command("list")
def list_command(
    ctx: typer.Context,
    claim: str = typer.Option(..., "--claim", help="Référence de la créance"),
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme"),
) -> None:
    """List the seizure acts of a claim."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    with refused():
        acts = commands.cnss.seizures_of(found, actor(ctx), code, claim)
    fmt = money(found, code)
    table = Table(title=f"Saisies — créance {claim}")
    for column in ("date", "saisie", "acte", "tiers détenteur", "montant"):
        table.add_column(column)
    for act in acts:
        table.add_row(
            act.on.isoformat(),
            escape(act.reference),
            STEP_LABELS[act.step],
            escape(act.third_party),
            "" if act.amount is None else fmt(act.amount),
        )
    console.print(table)
    if not acts:
        console.print("Aucune saisie sur cette créance.")


amnesty_app = typer.Typer(
    help="Amnistie CNSS : demandes, simulation d'une campagne, offres.", no_args_is_help=True
)
OPTION_LABELS = {
    "full": "paiement intégral",
    "plan_24": "échéancier de 24 mois au plus",
    "plan_more": "échéancier de plus de 24 mois",
}


@amnesty_app.command("simulate")
def simulate_command(
    ctx: typer.Context,
    on: str = typer.Option(..., "--on", help="Date d'observation, YYYY-MM-DD"),
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme"),
) -> None:
    """What the campaign in force (or the last one encoded) would cost and bring in."""
    day = _date(on, "--on")
    found = services(ctx)
    code = organism_or_only(found, organism)
    with refused():
        result = commands.cnss.simulate_amnesty(found, batch_actor(ctx), code, day)
    fmt = money(found, code, day)
    console.print(f"Simulation d'amnistie — {code} — {day.isoformat()}", highlight=False)
    console.print(f"Grille : {escape(result.grid_source) or '(aucune)'}", highlight=False)
    console.print(
        f"{result.claims} créances de cotisations, {result.employers} employeurs ; principal restant dû "
        f"{fmt(result.principal_due)} ; majorations et frais {fmt(result.surcharges_and_costs)}",
        highlight=False,
    )
    table = Table(title="Si tous les employeurs éligibles choisissaient l'option")
    for column in ("option", "taux de remise", "coût (remises)", "principal à encaisser"):
        table.add_column(column)
    for outcome in result.outcomes:
        table.add_row(
            OPTION_LABELS[outcome.option],
            f"{outcome.rate} %".replace(".", ","),
            fmt(outcome.remitted),
            fmt(outcome.principal_to_collect),
        )
    console.print(table)


@amnesty_app.command("apply")
def apply_command(
    ctx: typer.Context,
    claim: str = typer.Option(..., "--claim", help="Référence de la créance"),
    option: str = typer.Option(..., "--option", help="full, plan_24 ou plan_more"),
    on: str = typer.Option(..., "--on", help="Date de la demande, YYYY-MM-DD"),
    why: str = typer.Option("", "--why", help="Motif (piste d'audit)"),
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme"),
) -> None:
    """Record an employer's application for the campaign in force."""
    day = _date(on, "--on")
    found = services(ctx)
    code = organism_or_only(found, organism)
    with refused():
        state = commands.cnss.apply_amnesty(found, actor(ctx), code, claim, option, day, why)
    status = {"pending": "en attente du paiement du principal", "remitted": "remise accordée"}.get(
        state.status, state.status
    )
    console.print(
        f"{escape(claim)} : amnistie {OPTION_LABELS.get(state.option, state.option)} "
        f"({state.rate} %) enregistrée le {day.isoformat()} — {status}",
        highlight=False,
    )


@amnesty_app.command("offer")
def offer_command(
    ctx: typer.Context,
    on: str = typer.Option(..., "--on", help="Date des courriers, YYYY-MM-DD"),
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme"),
) -> None:
    """Issue the letters offering the open campaign to every eligible employer."""
    day = _date(on, "--on")
    found = services(ctx)
    code = organism_or_only(found, organism)
    with refused():
        count = commands.cnss.offer_amnesty(found, batch_actor(ctx), code, day)
    console.print(f"{count} courrier(s) d'offre d'amnistie émis.", highlight=False)


@imports_cli.app.command("contributions")
def import_contributions_command(
    ctx: typer.Context, file: imports_cli.FileArgument, organism: imports_cli.OrganismOption
) -> None:
    """Import contributions due (CNSS): one row per employer and period (employer, ice, period,
    amount, due_on[, ref]); all or nothing, every error listed."""
    found = services(ctx)
    imports_cli.organism_or_fail(found, organism)
    who = batch_actor(ctx)
    table = imports_cli._read(file)
    refs = {ref for row in table.rows if (ref := row.get("employer")) is not None}
    batch, problems = parse_contributions(table, organism, contributions.employers(found, organism, refs))
    if problems:
        raise imports_cli.refuse_file(file, problems)
    items = [(item.claim, item.due_on) for item in batch.items]
    try:
        result = commands.cnss.import_contributions(found, who, organism, items, source=file.name)
    except BatchRejected as error:
        raise imports_cli.refuse_file(file, batch.locate(error.problems)) from None
    except Forbidden as error:
        raise fail(f"refusé : {escape(error.reason)}", FORBIDDEN) from None
    except DomainError as error:
        raise fail(escape(str(error))) from None
    console.print(
        f"cotisations dues ({escape(file.name)}, {len(items)} lignes) : {result.created} créées / "
        f"{result.unchanged} inchangées ; {result.due_dates} échéances enregistrées",
        highlight=False,
        soft_wrap=True,
    )


facility_app = typer.Typer(
    help="Arrangements de facilités de paiement (CNSS) : octroi sous conditions, suivi des défauts.",
    no_args_is_help=True,
)


@facility_app.command("grant")
def facility_grant_command(
    ctx: typer.Context,
    claim: str = typer.Option(..., "--claim", help="Référence de la créance"),
    monthly: str = typer.Option(..., "--monthly", help="Échéance mensuelle, ex. 1500.00"),
    first_due: str = typer.Option(..., "--first-due", help="Première échéance, YYYY-MM-DD"),
    on: str = typer.Option(..., "--on", help="Date de l'arrangement, YYYY-MM-DD"),
    down_payment: str = typer.Option("0", "--down-payment", help="Acompte versé ce jour"),
    why: str = typer.Option("", "--why", help="Motif (piste d'audit)"),
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme"),
) -> None:
    """Grant a payment facility on a contribution claim under the CNSS's conditions."""
    day = _date(on, "--on")
    first = _date(first_due, "--first-due")
    found = services(ctx)
    code = organism_or_only(found, organism)
    try:
        cents = parse_amount(monthly, field="--monthly")
        down = parse_amount(down_payment, field="--down-payment")
    except AmountError as error:
        raise fail(escape(str(error))) from None
    with refused():
        plan = commands.cnss.grant_facility(
            found, actor(ctx), code, claim, cents, first, day, down_payment=down, key=f"cli-{day}", why=why
        )
    fmt = money(found, code, day)
    console.print(
        f"{escape(claim)} : arrangement de {plan.months} échéances de {fmt(plan.monthly)} à partir du "
        f"{plan.first_due.isoformat()} (solde {fmt(plan.total)})",
        highlight=False,
    )


@facility_app.command("stats")
def facility_stats_command(
    ctx: typer.Context,
    on: str = typer.Option(..., "--on", help="Date d'observation, YYYY-MM-DD"),
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme"),
) -> None:
    """The organism's own share of arrangements not honoured, next to RULES.md's 53 %."""
    day = _date(on, "--on")
    found = services(ctx)
    code = organism_or_only(found, organism)
    with refused():
        stats = commands.cnss.facility_stats(found, batch_actor(ctx), code, day)
    share = stats.share

    def shown(value: object) -> str:
        return "—" if value is None else f"{value} %".replace(".", ",")

    table = Table(title=f"Échéanciers et arrangements — {code} — {day.isoformat()}")
    for column in ("", "cet organisme", "référence CNSS (RULES.md §11.2)"):
        table.add_column(column)
    table.add_row("échéanciers avec une échéance passée", str(share.plans), "")
    table.add_row("dont arrangements CNSS", str(stats.facilities), "")
    table.add_row("non honorés", str(share.not_honoured), "")
    table.add_row("part non honorée", shown(share.share_not_honoured), shown(stats.rules_share_not_honoured))
    table.add_row(
        "échéances échues impayées",
        shown(share.share_instalments_unpaid),
        f"{shown(stats.rules_share_instalments_late)} payées en retard",
    )
    console.print(table)
