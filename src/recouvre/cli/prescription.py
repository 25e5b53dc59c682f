"""`recouvre prescription watch|show`: claims about to be time-barred, and one claim's bar dates.

* ``watch --date DATE [--horizon 90] [--organism CODE]`` lists the open claims whose
  prescription date falls within the horizon and queues one review task per claim and date.
* ``show CLAIM --date DATE [--organism CODE]`` prints the per-line bar dates and the
  interruptions with what each one moved.

``--date`` is required: the rules never read the clock, and neither does this command.
``--organism`` may be left out when the database holds exactly one organism.
"""

from __future__ import annotations

from collections.abc import Callable

import typer
from rich.markup import escape
from rich.table import Table

from recouvre.cli.common import actor, batch_actor, console, fail, money, organism_or_only, refused, services
from recouvre.cli.common import option_date as _date
from recouvre.domain.model import DomainError
from recouvre.domain.money import Cents
from recouvre.domain.prescription import InterruptionEffect, PrescriptionState
from recouvre.service import commands
from recouvre.service.prescription import prescription_state, watch

app = typer.Typer(
    help="Prescription : créances bientôt prescrites, dates de prescription.", no_args_is_help=True
)

KIND_LABELS = {
    "registered_letter": "LRAR",
    "acknowledgment": "reconnaissance de dette",
    "plan": "échéancier",
    "payment": "paiement",
    "withholding": "retenue",
    "remission_request": "demande de remise",
    "court_action": "action en justice",
    "enforcement_act": "acte d'exécution",
}


@app.command("watch")
def watch_command(
    ctx: typer.Context,
    on: str = typer.Option(..., "--date", help="Date d'observation, YYYY-MM-DD (obligatoire)"),
    horizon: int = typer.Option(90, "--horizon", min=0, help="Horizon en jours"),
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme"),
) -> None:
    """List the open claims time-barred within the horizon; queue one review task each."""
    day = _date(on)
    code = organism_or_only(services(ctx), organism)
    who = batch_actor(ctx)
    with refused():
        items = commands.run_batch(
            services(ctx),
            who,
            "prescription.watch",
            organism=code,
            subject=f"prescriptions à {horizon} jours",
            on=day,
            run=lambda: watch(services(ctx), code, day, horizon),
            describe=lambda found: {
                "claims": len(found),
                "tasks_queued": sum(1 for item in found if item.task_queued),
            },
        )
    fmt = money(services(ctx), code, day)
    table = Table(title=f"Prescriptions à {horizon} jours — {code} — {day.isoformat()}")
    table.add_column("créance", no_wrap=True)
    table.add_column("débiteur")
    table.add_column("prestation")
    table.add_column("solde", justify="right")
    table.add_column("dont prescrit", justify="right")
    table.add_column("prescription", no_wrap=True)
    table.add_column("jours", justify="right")
    for item in items:
        debtor = item.debtor_ref + (f" {item.debtor_name}" if item.debtor_name else "")
        table.add_row(
            escape(item.claim_ref),
            escape(debtor),
            item.benefit,
            fmt(item.balance),
            fmt(item.time_barred),
            item.prescription_date.isoformat(),
            str(item.days_left),
        )
    console.print(table)
    queued = sum(1 for item in items if item.task_queued)
    console.print(f"{len(items)} créance(s) ; {queued} tâche(s) prescription_review créée(s).")


def _moved(effect: InterruptionEffect) -> str:
    parts = [
        f"ligne {move.line_no} : {move.before.isoformat()} → {move.after.isoformat()}"
        for move in effect.moved
    ]
    if effect.already_barred:
        parts.append("déjà prescrite(s) : " + ", ".join(str(line) for line in effect.already_barred))
    return "; ".join(parts) or "sans effet"


def _print_state(claim: str, code: str, state: PrescriptionState, fmt: Callable[[Cents], str]) -> None:
    verdict = "prescrite" if state.prescribed else "non prescrite"
    when = state.prescription_date.isoformat() if state.prescription_date else "aucune (rien à payer)"
    fraud = f" ; fraude découverte le {state.detected_on.isoformat()}" if state.fraud else ""
    console.print(
        f"Créance {escape(claim)} ({code}) au {state.on.isoformat()} : {verdict} ; "
        f"solde {fmt(state.balance)}, dont prescrit {fmt(state.time_barred)} ; "
        f"date de prescription {when}{fraud}",
        highlight=False,
    )
    lines = Table(title="Lignes d'indu")
    for column in ("n°", "payée le", "montant", "reste dû", "période depuis", "prescrite le", "paramètre"):
        lines.add_column(column, justify="right" if column in {"montant", "reste dû"} else "left")
    for line in state.lines:
        lines.add_row(
            str(line.line_no),
            line.paid_on.isoformat(),
            fmt(line.amount),
            fmt(line.remaining),
            line.period_start.isoformat()
            + (f" ({KIND_LABELS[line.interrupted_by.kind.value]})" if line.interrupted_by else ""),
            line.bar_on.isoformat() + (" ✓" if line.barred_on(state.on) else ""),
            f"{line.parameter} = {line.years} (depuis {line.parameter_from.isoformat()})",
        )
    console.print(lines)
    if state.accessories:
        console.print(f"Accessoires (indemnité, majorations) : {fmt(state.accessories)}, suivent la créance.")
    table = Table(title="Interruptions")
    for column in ("date", "acte", "détail", "nouvelle période jusqu'au", "effet"):
        table.add_column(column)
    for effect in state.interruptions:
        interruption = effect.interruption
        table.add_row(
            interruption.on.isoformat(),
            KIND_LABELS[interruption.kind.value],
            escape(interruption.detail),
            effect.new_period_until.isoformat(),
            _moved(effect),
        )
    console.print(table if state.interruptions else "Aucune interruption.")


@app.command("show")
def show(
    ctx: typer.Context,
    claim: str = typer.Argument(..., help="Référence de la créance"),
    on: str = typer.Option(..., "--date", help="Date d'observation, YYYY-MM-DD (obligatoire)"),
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme"),
) -> None:
    """Print one claim's per-line bar dates and its interruptions."""
    day = _date(on)
    code = organism_or_only(services(ctx), organism)
    try:
        state = prescription_state(services(ctx), code, claim, day)
    except DomainError as error:
        raise fail(str(error)) from None
    _print_state(claim, code, state, money(services(ctx), code, day))


@app.command("acknowledge")
def acknowledge(
    ctx: typer.Context,
    claim: str = typer.Argument(..., help="Référence de la créance"),
    on: str = typer.Option(..., "--date", help="Date de la reconnaissance écrite, YYYY-MM-DD"),
    by: str = typer.Option(
        "debtor", "--by", help="Qui reconnaît la dette (debtor, representative, mandatary)"
    ),
    why: str = typer.Option("reconnaissance de dette écrite", "--why", help="Motif, pièce reçue"),
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme"),
) -> None:
    """Record the debtor's written acknowledgment of the debt: it interrupts prescription (C. civ. 2240)."""
    day = _date(on)
    found = services(ctx)
    code = organism_or_only(found, organism)
    with refused():
        new = commands.record_acknowledgment(found, actor(ctx), code, claim, day, by=by, why=why)
    if new:
        console.print(
            f"{claim} : reconnaissance de dette enregistrée le {day.strftime('%d/%m/%Y')}"
            " (prescription interrompue)"
        )
    else:
        console.print(
            f"{claim} : reconnaissance déjà enregistrée le {day.strftime('%d/%m/%Y')}, rien à faire"
        )
