"""Claim-life commands: remissions, write-offs, over-indebtedness, appeals.

``recouvre remission request|decide|list``, ``recouvre write-off propose|decide|revive|fact``,
``recouvre over-indebtedness admissible|plan|contested|discharge``,
``recouvre appeal file|decide|withdraw|sweep-implicit``. A thin layer over
``recouvre.service.remission``, ``write_offs``, ``over_indebtedness`` and ``appeals``: every
date is given (``--date``, never the clock), and every command that changes something is an
authorised command of ``recouvre.service.commands`` done by the user named with ``--as`` (or
``RECOUVRE_USER``), who says why (``--why``). An act the user may not do (role, organism, agency,
separation of duties, competence by route) is recorded as denied and exits 3; an act the rules
refuse is recorded as refused, changes nothing, and exits 1 with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from recouvre.cli.common import actor, attempt, batch_actor, console, fail, money, services
from recouvre.cli.common import option_date as _date
from recouvre.domain.appeals import AppealOutcome, AppealStage, Appellant
from recouvre.domain.money import AmountError, Cents, parse_amount
from recouvre.domain.remission import RemissionStatus, Route
from recouvre.service import commands, remission, write_offs
from recouvre.service.appeals import AppealView
from recouvre.service.decisions import ProposalKind, ProposalView
from recouvre.service.over_indebtedness import OverIndebtednessView

T = TypeVar("T")

OrganismOption = Annotated[str, typer.Option("--organism", "-o", help="Code de l'organisme")]
ClaimOption = Annotated[str, typer.Option("--claim", "-c", help="Référence de la créance")]
DebtorOption = Annotated[str, typer.Option("--debtor", "-d", help="Référence du débiteur")]
DateOption = Annotated[str, typer.Option("--date", help="Date de l'acte, YYYY-MM-DD (jamais l'horloge)")]
WhyOption = Annotated[str, typer.Option("--why", help="Pourquoi (motif, référence du dossier)")]

remission_app = typer.Typer(help="Remises de dettes (procédure 15).", no_args_is_help=True)
write_off_app = typer.Typer(help="Admissions en non-valeur (procédure 14).", no_args_is_help=True)
over_indebtedness_app = typer.Typer(help="Surendettement (procédures 16 à 19).", no_args_is_help=True)
appeal_app = typer.Typer(
    help="Recours (PM242) : commission de recours amiable, tribunal.", no_args_is_help=True
)


def _amount(text: str, option: str) -> Cents:
    try:
        return parse_amount(text, field=option)
    except AmountError as error:
        raise fail(escape(str(error))) from None


def _run(call: Callable[[], T]) -> T:
    """Forbidden: exit 3; refused by the rules, or an unknown reference: exit 1."""
    return attempt(call)


def _money(ctx: typer.Context, organism: str, on: str | None) -> Callable[[Cents], str]:
    """Amounts in the organism's currency (€ for a Caf, MAD for the CNSS)."""
    return _run(lambda: money(services(ctx), organism, None if on is None else _date(on)))


def _rate(rate: object) -> str:
    return "—" if rate is None else f"{rate} %"


# -- remission -------------------------------------------------------------------------------------


@remission_app.command("request")
def remission_request(
    ctx: typer.Context,
    organism: OrganismOption,
    claim: ClaimOption,
    on: DateOption,
    why: WhyOption,
    requester: Annotated[
        str, typer.Option("--requester", help="debtor, representative ou mandatary (jamais l'organisme)")
    ] = "debtor",
    channel: Annotated[str, typer.Option("--channel", help="courrier, téléphone, courriel, accueil…")] = "",
    trace: Annotated[str, typer.Option("--trace", help="Référence de la demande (traçabilité)")] = "",
) -> None:
    """Record a remission request: routed by the threshold, with the rate the scale proposes."""
    case = _run(
        lambda: commands.request_remission(
            services(ctx), actor(ctx), organism, claim, _date(on), requester, channel, trace, why=why
        )
    )
    fmt = _money(ctx, organism, on)
    console.print(
        f"{escape(claim)} : demande de remise du {case.requested_on.isoformat()} "
        f"({case.requested_by}), solde {fmt(case.balance)}, instruite par "
        f"{'la commission' if case.route is Route.BOARD else 'les services'}, "
        f"taux proposé {_rate(case.proposed_rate)}",
        highlight=False,
    )


@remission_app.command("decide")
def remission_decide(
    ctx: typer.Context,
    organism: OrganismOption,
    claim: ClaimOption,
    on: DateOption,
    rate: Annotated[str, typer.Option("--rate", help="Taux de remise décidé, en % (0 à 100)")],
    why: WhyOption,
    reasons: Annotated[
        str, typer.Option("--reasons", help="Motifs de la décision (repris au courrier)")
    ] = "",
) -> None:
    """Decide the pending request: remit the rate of the balance on that date, send the letter.

    Only the authority of the request's route decides (the board above the threshold, the
    services below it), and not the person who recorded the request."""
    case = _run(
        lambda: commands.decide_remission(
            services(ctx), actor(ctx), organism, claim, _date(on), rate, reasons=reasons, why=why
        )
    )
    fmt = _money(ctx, organism, on)
    console.print(
        f"{escape(claim)} : remise {case.status.value} au taux {_rate(case.decided_rate)}, "
        f"{fmt(case.amount)} remis ({case.authority})",
        highlight=False,
    )


@remission_app.command("list")
def remission_list(
    ctx: typer.Context,
    organism: OrganismOption,
    status: Annotated[RemissionStatus | None, typer.Option("--status", help="pending par défaut")] = (
        RemissionStatus.PENDING
    ),
    route: Annotated[Route | None, typer.Option("--route", help="services ou board")] = None,
    on: Annotated[str | None, typer.Option("--date", help="État à cette date")] = None,
) -> None:
    """The remission cases (the queue of pending requests by default)."""
    cases = _run(
        lambda: remission.list_cases(
            services(ctx), organism, status=status, route=route, on=None if on is None else _date(on)
        )
    )
    fmt = _money(ctx, organism, on)
    table = Table("créance", "demandée le", "par", "instance", "solde", "taux proposé", "statut", "remis")
    for case in cases:
        table.add_row(
            case.claim_ref,
            case.requested_on.isoformat(),
            case.requested_by,
            case.route.value,
            fmt(case.balance),
            _rate(case.proposed_rate),
            case.status.value,
            fmt(case.amount),
        )
    console.print(table)


# -- write-off -------------------------------------------------------------------------------------


@write_off_app.command("propose")
def write_off_propose(
    ctx: typer.Context,
    organism: OrganismOption,
    on: DateOption,
    below: Annotated[
        str | None, typer.Option("--below", help="Solde strictement inférieur à ce montant")
    ] = None,
    unreachable: Annotated[
        bool, typer.Option("--unreachable", help="Débiteur injoignable (plis retournés)")
    ] = False,
    insolvent: Annotated[bool, typer.Option("--insolvent", help="Insolvabilité constatée")] = False,
    deceased: Annotated[bool, typer.Option("--deceased", help="Débiteur décédé")] = False,
    prescription_days: Annotated[
        int | None, typer.Option("--prescription-within", min=0, help="Prescription acquise sous N jours")
    ] = None,
    claim: Annotated[
        str | None, typer.Option("--claim", "-c", help="Proposer l'admission de cette créance (--as, --why)")
    ] = None,
    why: Annotated[str, typer.Option("--why", help="Pourquoi (avec --claim)")] = "",
    authority: Annotated[
        str, typer.Option("--authority", help="Instance saisie (avec --claim ; board par défaut)")
    ] = "board",
    reasons: Annotated[str, typer.Option("--reasons", help="Motifs (avec --claim)")] = "",
) -> None:
    """List the claims proposed for write-off, with the criteria each one matches; with
    ``--claim``, propose that claim's write-off (decided by another person: ``decide``)."""
    if claim is not None:
        made = _run(
            lambda: commands.propose_write_off(
                services(ctx),
                actor(ctx),
                organism,
                claim,
                _date(on),
                authority=authority,
                reasons=reasons,
                why=why,
            )
        )
        console.print(
            f"{escape(claim)} : admission en non-valeur proposée (proposition n° {made.id}, "
            f"par {escape(made.proposed_by)})",
            highlight=False,
        )
        return
    criteria = write_offs.Criteria(
        below=None if below is None else _amount(below, "--below"),
        unreachable=unreachable,
        insolvent=insolvent,
        deceased=deceased,
        prescription_within_days=prescription_days,
    )
    proposals = _run(lambda: write_offs.write_off_proposals(services(ctx), organism, _date(on), criteria))
    fmt = _money(ctx, organism, on)
    table = Table("créance", "débiteur", "solde", "critères")
    for proposal in proposals:
        table.add_row(
            proposal.claim_ref,
            proposal.debtor_ref,
            fmt(proposal.balance),
            ", ".join(reason.value for reason in proposal.reasons),
        )
    console.print(table)
    console.print(f"{len(proposals)} créance(s) proposée(s)", highlight=False)


@write_off_app.command("decide")
def write_off_decide(
    ctx: typer.Context,
    organism: OrganismOption,
    claim: ClaimOption,
    on: DateOption,
    why: WhyOption,
    reject: Annotated[bool, typer.Option("--reject", help="Rejeter la proposition")] = False,
) -> None:
    """Decide the claim's pending write-off proposal (``propose --claim``): approved, the whole
    balance is written off (the debt survives and can be revived). The decider is not the
    proposer (maker-checker)."""
    found = services(ctx)
    who = actor(ctx)

    def decide() -> ProposalView:
        proposal = commands.pending_write_off(found, organism, claim)
        return commands.decide_proposal(
            found, who, organism, ProposalKind.WRITE_OFF, proposal.id, not reject, _date(on), why
        )

    decided = _run(decide)
    amount = int(str(decided.payload.get("balance_cents", 0)))
    fmt = _money(ctx, organism, on)
    console.print(
        f"{escape(claim)} : admission en non-valeur {decided.status.value}"
        + ("" if reject else f" ({fmt(amount)})"),
        highlight=False,
    )


@write_off_app.command("revive")
def write_off_revive(
    ctx: typer.Context,
    organism: OrganismOption,
    claim: ClaimOption,
    on: DateOption,
    why: WhyOption,
    reasons: Annotated[str, typer.Option("--reasons", help="Retour à meilleure fortune, etc.")] = "",
) -> None:
    """Reverse the claim's write-off: the balance is back and recovery resumes."""
    result = _run(
        lambda: commands.revive_write_off(
            services(ctx), actor(ctx), organism, claim, _date(on), reasons=reasons, why=why
        )
    )
    fmt = _money(ctx, organism, on)
    console.print(f"{escape(claim)} : reprise de {fmt(result.amount)}", highlight=False)


@write_off_app.command("fact")
def write_off_fact(
    ctx: typer.Context,
    organism: OrganismOption,
    claim: ClaimOption,
    on: DateOption,
    fact: Annotated[write_offs.DebtorFact, typer.Option("--fact", help="insolvent, deceased ou unreachable")],
    why: WhyOption,
) -> None:
    """Record a fact about the debtor that makes the claim a write-off candidate."""
    new = _run(
        lambda: commands.record_debtor_fact(
            services(ctx), actor(ctx), organism, claim, _date(on), fact, why=why
        )
    )
    console.print(
        f"{escape(claim)} : {fact.value} {'enregistré' if new else 'déjà enregistré'}", highlight=False
    )


# -- over-indebtedness -----------------------------------------------------------------------------


def _print_file(view: OverIndebtednessView, fmt: Callable[[Cents], str]) -> None:
    console.print(
        f"{escape(view.debtor_ref)} : dossier recevable le {view.admissible_on.isoformat()}, "
        f"statut {view.status.value}, créances {', '.join(view.claims) or '—'}",
        highlight=False,
    )
    for decision in view.decisions:
        console.print(
            f"  {decision.claim_ref} : effacé {fmt(decision.erased)}, maintenu {fmt(decision.kept)}",
            highlight=False,
        )


@over_indebtedness_app.command("admissible")
def over_indebtedness_admissible(
    ctx: typer.Context,
    organism: OrganismOption,
    debtor: DebtorOption,
    on: DateOption,
    why: WhyOption,
    commission: Annotated[str, typer.Option("--commission", help="Commission de surendettement")] = "",
    procedure_ref: Annotated[str, typer.Option("--file-ref", help="Numéro du dossier")] = "",
) -> None:
    """Admissibility: suspend recovery of the debtor's claims and send the list of claims."""
    view = _run(
        lambda: commands.over_indebtedness.admissible(
            services(ctx),
            actor(ctx),
            organism,
            debtor,
            _date(on),
            commission=commission,
            procedure_ref=procedure_ref,
            why=why,
        )
    )
    _print_file(view, _money(ctx, organism, on))


@over_indebtedness_app.command("plan")
def over_indebtedness_plan(
    ctx: typer.Context,
    organism: OrganismOption,
    debtor: DebtorOption,
    on: DateOption,
    monthly: Annotated[str, typer.Option("--monthly", help="Mensualité par créance")],
    why: WhyOption,
    first_due: Annotated[
        str | None, typer.Option("--first-due", help="Première échéance (défaut : un mois après)")
    ] = None,
) -> None:
    """The agreed plan: instalments of MONTHLY on each claim, recovery resumes."""
    amount = _amount(monthly, "--monthly")
    view = _run(
        lambda: commands.over_indebtedness.plan(
            services(ctx),
            actor(ctx),
            organism,
            debtor,
            _date(on),
            amount,
            first_due=None if first_due is None else _date(first_due, "--first-due"),
            why=why,
        )
    )
    _print_file(view, _money(ctx, organism, on))


@over_indebtedness_app.command("contested")
def over_indebtedness_contested(
    ctx: typer.Context,
    organism: OrganismOption,
    debtor: DebtorOption,
    on: DateOption,
    deadline: Annotated[str, typer.Option("--deadline", help="Date limite de la contestation")],
    why: WhyOption,
) -> None:
    """The organism contests the proposed plan; recovery stays suspended."""
    view = _run(
        lambda: commands.over_indebtedness.contested(
            services(ctx), actor(ctx), organism, debtor, _date(on), _date(deadline, "--deadline"), why=why
        )
    )
    _print_file(view, _money(ctx, organism, on))


@over_indebtedness_app.command("discharge")
def over_indebtedness_discharge(
    ctx: typer.Context,
    organism: OrganismOption,
    debtor: DebtorOption,
    on: DateOption,
    why: WhyOption,
) -> None:
    """Personal recovery: erase what the law erases, resume recovery of the rest."""
    view = _run(
        lambda: commands.over_indebtedness.discharge(
            services(ctx), actor(ctx), organism, debtor, _date(on), why=why
        )
    )
    _print_file(view, _money(ctx, organism, on))


# -- appeal ----------------------------------------------------------------------------------------


def _print_appeal(view: AppealView, fmt: Callable[[Cents], str]) -> None:
    parts = [
        f"{escape(view.claim_ref)} : recours {view.stage.value} du {view.filed_on.isoformat()} "
        f"({view.filed_by.value}), {view.status.value}"
    ]
    if view.suspends and view.status.value == "pending":
        parts.append("recouvrement suspendu")
    if view.implicit_rejection_on and view.status.value == "pending":
        parts.append(f"rejet implicite le {view.implicit_rejection_on.isoformat()}")
    if view.outcome is not None:
        parts.append(f"décision {view.outcome.value}")
    if view.cancellation or view.refund:
        parts.append(f"annulé {fmt(view.cancellation)}, remboursé {fmt(view.refund)}")
    if view.court_deadline:
        parts.append(f"tribunal jusqu'au {view.court_deadline.isoformat()}")
    console.print(" ; ".join(parts), highlight=False)


@appeal_app.command("file")
def appeal_file(
    ctx: typer.Context,
    organism: OrganismOption,
    claim: ClaimOption,
    on: DateOption,
    why: WhyOption,
    filed_by: Annotated[
        Appellant, typer.Option("--filed-by", help="debtor, ou organism (appel d'une décision de justice)")
    ] = Appellant.DEBTOR,
    stage: Annotated[AppealStage | None, typer.Option("--stage", help="amicable ou court (vérifié)")] = None,
) -> None:
    """File an appeal received on DATE; late appeals are refused (forclusion)."""
    view = _run(
        lambda: commands.file_appeal(
            services(ctx), actor(ctx), organism, claim, _date(on), filed_by=filed_by, stage=stage, why=why
        )
    )
    _print_appeal(view, _money(ctx, organism, on))


@appeal_app.command("decide")
def appeal_decide(
    ctx: typer.Context,
    organism: OrganismOption,
    claim: ClaimOption,
    on: DateOption,
    outcome: Annotated[AppealOutcome, typer.Option("--outcome", help="rejected, upheld ou reduced")],
    why: WhyOption,
    amount: Annotated[
        str | None, typer.Option("--amount", help="Nouveau principal (pour reduced seulement)")
    ] = None,
    reasons: Annotated[
        str, typer.Option("--reasons", help="Motifs de la décision (repris au courrier ; --why sinon)")
    ] = "",
) -> None:
    """Record the decision and apply it to the ledger (cancellation, refund); the decision letter
    goes to the debtor."""
    principal = None if amount is None else _amount(amount, "--amount")
    view = _run(
        lambda: commands.decide_appeal(
            services(ctx),
            actor(ctx),
            organism,
            claim,
            _date(on),
            outcome,
            principal,
            why=why,
            reasons=reasons,
        )
    )
    _print_appeal(view, _money(ctx, organism, on))


@appeal_app.command("withdraw")
def appeal_withdraw(
    ctx: typer.Context,
    organism: OrganismOption,
    claim: ClaimOption,
    on: DateOption,
    why: WhyOption,
) -> None:
    """Withdraw the pending appeal; recovery resumes."""
    view = _run(
        lambda: commands.withdraw_appeal(services(ctx), actor(ctx), organism, claim, _date(on), why=why)
    )
    _print_appeal(view, _money(ctx, organism, on))


@appeal_app.command("sweep-implicit")
def appeal_sweep_implicit(
    ctx: typer.Context,
    organism: OrganismOption,
    on: DateOption,
    why: WhyOption,
) -> None:
    """Mark the board appeals left unanswered by their implicit-rejection date as rejected."""
    views = _run(
        lambda: commands.sweep_implicit_rejections(
            services(ctx), batch_actor(ctx), organism, _date(on), why=why
        )
    )
    fmt = _money(ctx, organism, on)
    for view in views:
        _print_appeal(view, fmt)
    console.print(f"{len(views)} rejet(s) implicite(s)", highlight=False)
