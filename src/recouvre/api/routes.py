"""The REST API's routes under ``/api/v1``: each one asks ``authorize`` (through
``recouvre.service.commands``) and calls the service layer; none writes to the database itself.

Every route names the action it needs in its OpenAPI operation (``x-action``), from
``recouvre/security/roles.yaml``.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, status
from pydantic import AfterValidator

from recouvre.api import indicators as indicators_routes
from recouvre.api import money_in
from recouvre.api.deps import ActorDep, OrganismPath, RefPath, ServicesDep, get_token
from recouvre.domain.days import RANGE_REASON, supported
from recouvre.domain.model import Claim, UndueLine
from recouvre.domain.money import format_amount, parse_amount
from recouvre.security.authorization import may
from recouvre.security.roles import default_roles
from recouvre.service import accounts, commands, mandates, models, queries, trail
from recouvre.service.appeals import AppealView
from recouvre.service.commands import reads
from recouvre.service.context import Services
from recouvre.service.decisions import ProposalKind, ProposalStatus, ProposalView
from recouvre.service.subjects import PlacementView

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": models.ErrorOut, "description": "pas de jeton valide (ou identifiants refusés)"},
    403: {
        "model": models.ErrorOut,
        "description": "action non permise : rôle, mandat, séparation des tâches",
    },
    404: {"model": models.ErrorOut, "description": "référence inconnue"},
    409: {
        "model": models.ErrorOut,
        "description": "événement refusé par les règles (et enregistré comme tel)",
    },
    422: {"model": models.ErrorOut, "description": "valeur invalide : le champ et la raison"},
}
router = APIRouter(prefix="/api/v1", responses=ERRORS)


def _supported_day(day: date) -> date:
    if not supported(day):
        raise ValueError(RANGE_REASON)
    return day


OnQuery = Annotated[
    date, AfterValidator(_supported_day), Query(description="date de la situation (AAAA-MM-JJ)")
]


def action(name: str) -> dict[str, Any]:
    """The OpenAPI extension naming the action a route needs (roles.yaml)."""
    return {"x-action": name}


def _today(services: Services) -> date:
    return commands.today(services)


# Sign-in ----------------------------------------------------------------------------------------


@router.post("/auth/token", tags=["connexion"], response_model=models.TokenOut)
def issue_token(request: Request, services: ServicesDep, body: models.TokenRequest) -> models.TokenOut:
    """Sign in with a user name and password; the token is valid for a working day.

    ``401`` for an unknown name, a wrong password or a disabled account alike; ``429`` with
    ``Retry-After`` after repeated failures from the address or on the name; ``503`` when busy."""
    address = request.client.host if request.client is not None else None
    issued = accounts.issue_token(services, body.username, body.password, address=address)
    return models.TokenOut(access_token=issued.token, expires_at=issued.expires_at)


@router.delete("/auth/token", tags=["connexion"], status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(
    services: ServicesDep, actor: ActorDep, token: Annotated[str, Depends(get_token)]
) -> Response:
    """Sign out: the token used for this call stops working."""
    accounts.revoke_token(services, token)
    trail.record(
        services,
        trail.Entry(actor.user, "auth.sign_out", organism=actor.organism, subject=f"user {actor.user}"),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", tags=["connexion"], response_model=models.MeOut)
def me(services: ServicesDep, actor: ActorDep) -> models.MeOut:
    """Who is signed in, and what they may do today (roles and valid mandates)."""
    rules = default_roles()
    today = _today(services)
    allowed = [name for name in rules.actions if may(actor, name, today, rules)]
    if actor.agency is not None:
        allowed = [name for name in allowed if name in rules.agency_may]
    return models.MeOut(
        username=actor.user,
        roles=sorted(actor.roles),
        organism=actor.organism,
        agency=actor.agency,
        actions=allowed,
    )


# Organisms and debtors --------------------------------------------------------------------------


@router.get(
    "/organisms",
    tags=["organismes"],
    response_model=list[models.OrganismOut],
    openapi_extra=action("organisms.read"),
)
def list_organisms(services: ServicesDep, actor: ActorDep) -> list[models.OrganismOut]:
    return reads.organisms(services, actor)


@router.post(
    "/organisms/{organism}/debtors/search",
    tags=["débiteurs"],
    response_model=list[models.DebtorListItem],
    openapi_extra=action("debtors.search"),
)
def search_debtors(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, body: models.DebtorSearch
) -> list[models.DebtorListItem]:
    """Search by name, NIR or reference (a POST, so that a NIR never appears in a URL or a log)."""
    return reads.search_debtors(services, actor, organism, body)


@router.get(
    "/organisms/{organism}/debtors/{debtor}",
    tags=["débiteurs"],
    response_model=models.DebtorFileOut,
    openapi_extra=action("debtors.read"),
)
def debtor_file(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, debtor: RefPath, on: OnQuery
) -> models.DebtorFileOut:
    """The debtor file: claims with balance, status and phase; movements; letters; tasks."""
    return reads.debtor_file(services, actor, organism, debtor, on)


# Claims -----------------------------------------------------------------------------------------


@router.post(
    "/organisms/{organism}/claims",
    tags=["créances"],
    response_model=models.ClaimOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("claims.establish"),
)
def establish_claim(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, body: models.ClaimIn, response: Response
) -> models.ClaimOut:
    """Establish a claim from its undue payment lines (its author is recorded)."""
    claim = Claim(
        ref=body.ref,
        organism=organism,
        debtor_ref=body.debtor,
        benefit=body.benefit,
        creditor=body.creditor,
        responsibility=body.responsibility,
        lines=tuple(
            UndueLine(line.paid_on, parse_amount(line.amount, field=f"lines[{index}].amount"))
            for index, line in enumerate(body.lines)
        ),
        established_on=body.established_on,
        notified_on=body.notified_on,
        detected_on=body.detected_on or body.established_on,
        reason=body.reason,
    )
    created = commands.establish_claim(services, actor, organism, claim)
    if not created:
        response.status_code = status.HTTP_200_OK
    return queries.claim(services, organism, body.ref, body.established_on)


@router.get(
    "/organisms/{organism}/claims/{claim}",
    tags=["créances"],
    response_model=models.ClaimOut,
    openapi_extra=action("claims.read"),
)
def view_claim(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, on: OnQuery
) -> models.ClaimOut:
    return reads.claim(services, actor, organism, claim, on)


@router.post(
    "/organisms/{organism}/claims/{claim}/payments",
    tags=["créances"],
    response_model=models.PaymentOut,
    openapi_extra=action("payments.record"),
)
def record_payment(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: models.PaymentIn
) -> models.PaymentOut:
    """Book a payment received on the claim; the same ``key`` twice books it once."""
    amount = parse_amount(body.amount, field="amount")
    movement, new = commands.record_payment(
        services,
        actor,
        organism,
        claim,
        amount,
        body.on,
        body.channel,
        body.key,
        body.why,
        confirm_overpayment=body.confirm_overpayment,
    )
    view = queries.claim(services, organism, claim, body.on)
    return models.PaymentOut(
        claim=claim,
        key=movement.key,
        amount=format_amount(movement.amount),
        booked_on=movement.booked_on,
        new=new,
        balance=view.balance,
    )


@router.post(
    "/organisms/{organism}/claims/{claim}/plans",
    tags=["créances"],
    response_model=models.PlanOut,
    openapi_extra=action("plans.agree"),
)
def agree_plan(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: models.PlanIn
) -> models.PlanOut:
    """Agree an instalment plan on the claim's balance (it replaces the active plan)."""
    monthly = parse_amount(body.monthly, field="monthly")
    plan = commands.agree_plan(
        services,
        actor,
        organism,
        claim,
        monthly,
        body.first_due,
        body.on,
        within_launch_bounds=body.within_launch_bounds,
        why=body.why,
    )
    return models.PlanOut(
        claim=claim,
        agreed_on=plan.agreed_on,
        first_due=plan.first_due,
        monthly=format_amount(plan.monthly),
        total=format_amount(plan.total),
        months=plan.months,
        status=plan.status,
    )


@router.post(
    "/organisms/{organism}/claims/{claim}/promises",
    tags=["créances"],
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=action("promises.record"),
)
def promise_to_pay(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: models.PromiseIn
) -> Response:
    """Record the debtor's promise to pay an amount by a date."""
    amount = parse_amount(body.amount, field="amount")
    commands.promise_to_pay(services, actor, organism, claim, amount, body.due_on, body.on, body.why)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/organisms/{organism}/claims/{claim}/suspension",
    tags=["créances"],
    response_model=models.ClaimOut,
    openapi_extra=action("recovery.suspend"),
)
def suspend_recovery(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: models.SuspensionIn
) -> models.ClaimOut:
    """Suspend the claim's recovery until a date (procedure 8)."""
    commands.suspend_recovery(services, actor, organism, claim, body.on, body.until, body.why)
    return queries.claim(services, organism, claim, body.on)


@router.post(
    "/organisms/{organism}/claims/{claim}/resumption",
    tags=["créances"],
    response_model=models.ClaimOut,
    openapi_extra=action("recovery.resume"),
)
def resume_recovery(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: models.ResumptionIn
) -> models.ClaimOut:
    """End an adjustment suspension (procedure 8)."""
    commands.resume_recovery(services, actor, organism, claim, body.on, body.why)
    return queries.claim(services, organism, claim, body.on)


@router.post(
    "/organisms/{organism}/claims/{claim}/contacts",
    tags=["créances"],
    response_model=models.ContactOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("contacts.record"),
)
def record_contact(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: models.ContactIn
) -> models.ContactOut:
    """Record a contact with the debtor without a task (channel, outcome, note): it appears in the
    file's history; the same ``key`` twice records it once."""
    done = commands.record_contact(
        services,
        actor,
        organism,
        claim,
        body.on,
        body.channel,
        body.outcome,
        body.note,
        body.key or f"api-{uuid.uuid4().hex}",
    )
    return models.ContactOut(
        claim=done.claim_ref,
        key=done.key,
        on=done.on,
        channel=done.channel.value,
        outcome=done.outcome.value,
        note=done.note,
        recorded_by=done.by,
        new=done.new,
    )


def _appeal_result(services: Services, organism: str, view: AppealView, on: date) -> models.AppealResultOut:
    return models.AppealResultOut(
        appeal=queries.appeal_out(view), claim=queries.claim(services, organism, view.claim_ref, on)
    )


@router.post(
    "/organisms/{organism}/claims/{claim}/appeals",
    tags=["recours"],
    response_model=models.AppealResultOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("appeals.file"),
)
def file_appeal(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: models.AppealIn
) -> models.AppealResultOut:
    """Record an appeal received on ``on`` (PM242): the first goes to the board (CRA), within two
    months of the notification; the next to court. A pending appeal suspends recovery for the
    benefits of policy ``appeal.suspends``. The organism's own appeal against a court decision
    also needs ``court.represent``."""
    view = commands.file_appeal(
        services, actor, organism, claim, body.on, filed_by=body.filed_by, stage=body.stage, why=body.why
    )
    return _appeal_result(services, organism, view, body.on)


@router.post(
    "/organisms/{organism}/claims/{claim}/appeals/decision",
    tags=["recours"],
    response_model=models.AppealResultOut,
    openapi_extra=action("appeals.decide_board|appeals.decide_court"),
)
def decide_appeal(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    claim: RefPath,
    body: models.AppealDecisionIn,
) -> models.AppealResultOut:
    """Record the decision on the claim's open appeal, applied to the ledger: ``rejected``
    resumes recovery; ``upheld`` cancels what is still claimed and refunds what was recovered;
    ``reduced`` makes ``amount`` the new principal. The board decides at the amicable stage, the
    director records the court's decision."""
    amount = None if body.amount is None else parse_amount(body.amount, field="amount")
    view = commands.decide_appeal(
        services, actor, organism, claim, body.on, body.outcome, amount, why=body.why, reasons=body.reasons
    )
    return _appeal_result(services, organism, view, body.on)


@router.post(
    "/organisms/{organism}/claims/{claim}/appeals/withdrawal",
    tags=["recours"],
    response_model=models.AppealResultOut,
    openapi_extra=action("appeals.withdraw"),
)
def withdraw_appeal(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    claim: RefPath,
    body: models.AppealWithdrawalIn,
) -> models.AppealResultOut:
    """Record that the appellant withdrew the pending appeal: recovery resumes."""
    view = commands.withdraw_appeal(services, actor, organism, claim, body.on, body.why)
    return _appeal_result(services, organism, view, body.on)


def _placement(view: PlacementView) -> models.PlacementOut:
    return models.PlacementOut(
        id=view.id,
        claim=view.claim_ref,
        agency=view.agency,
        placed_from=view.placed_from,
        placed_until=view.placed_until,
        placed_by=view.placed_by,
        recalled_by=view.recalled_by,
    )


@router.post(
    "/organisms/{organism}/claims/{claim}/placements",
    tags=["créances"],
    response_model=models.PlacementOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("placements.manage"),
)
def place_claim(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: models.PlacementIn
) -> models.PlacementOut:
    """Place the claim with a collection agency or bailiff (procedure 11)."""
    return _placement(
        commands.place_claim(services, actor, organism, claim, body.agency, body.placed_from, body.why)
    )


@router.post(
    "/organisms/{organism}/placements/{placement}/recall",
    tags=["créances"],
    response_model=models.PlacementOut,
    openapi_extra=action("placements.manage"),
)
def recall_placement(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    placement: Annotated[int, Path(ge=1, le=2**62)],
    body: models.RecallIn,
) -> models.PlacementOut:
    """Recall a placed file: the agency no longer sees it from that day."""
    return _placement(commands.recall_placement(services, actor, organism, placement, body.on, body.why))


@router.post(
    "/organisms/{organism}/claims/{claim}/remission-requests",
    tags=["remises et admissions en non-valeur"],
    response_model=models.RemissionCaseOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("remissions.request"),
)
def request_remission(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    claim: RefPath,
    body: models.RemissionRequestIn,
) -> models.RemissionCaseOut:
    """Record the debtor's remission request (procedure 15); it is routed by the threshold."""
    case = commands.request_remission(
        services, actor, organism, claim, body.on, body.requested_by, body.channel, body.trace, body.why
    )
    return models.RemissionCaseOut(
        claim=case.claim_ref,
        requested_on=case.requested_on,
        requested_by=case.requested_by,
        route=case.route.value,
        balance=format_amount(case.balance),
        proposed_rate=None if case.proposed_rate is None else str(case.proposed_rate),
        status=case.status.value,
    )


def _proposal(view: ProposalView) -> models.ProposalOut:
    return models.ProposalOut(
        id=view.id,
        kind=view.kind.value,
        claim=view.claim_ref,
        proposed_on=view.proposed_on,
        proposed_by=view.proposed_by,
        payload={key: str(value) for key, value in view.payload.items()},
        why=view.why,
        status=view.status.value,
        decided_on=view.decided_on,
        decided_by=view.decided_by,
        decision_why=view.decision_why,
    )


@router.post(
    "/organisms/{organism}/claims/{claim}/write-off-proposals",
    tags=["remises et admissions en non-valeur"],
    response_model=models.ProposalOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("write_offs.propose"),
)
def propose_write_off(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    claim: RefPath,
    body: models.WriteOffProposalIn,
) -> models.ProposalOut:
    """Propose a write-off (procedure 14); another person decides it."""
    return _proposal(
        commands.propose_write_off(
            services,
            actor,
            organism,
            claim,
            body.on,
            authority=body.authority,
            reasons=body.reasons,
            why=body.why,
        )
    )


@router.post(
    "/organisms/{organism}/claims/{claim}/remission-proposals",
    tags=["remises et admissions en non-valeur"],
    response_model=models.ProposalOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("remissions.propose"),
)
def propose_remission(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    claim: RefPath,
    body: models.RemissionProposalIn,
) -> models.ProposalOut:
    """Propose a decision on the claim's pending remission request; another person decides it."""
    return _proposal(
        commands.propose_remission(
            services, actor, organism, claim, body.on, body.rate, reasons=body.reasons, why=body.why
        )
    )


@router.get(
    "/organisms/{organism}/proposals",
    tags=["remises et admissions en non-valeur"],
    response_model=list[models.ProposalOut],
    openapi_extra=action("proposals.read"),
)
def proposals(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    kind: ProposalKind | None = None,
    status_: Annotated[ProposalStatus | None, Query(alias="status")] = ProposalStatus.PENDING,
) -> list[models.ProposalOut]:
    """Proposals awaiting a decision (or of another status)."""
    return [_proposal(view) for view in reads.proposals(services, actor, organism, kind=kind, status=status_)]


ProposalPath = Annotated[int, Path(ge=1, le=2**62)]


@router.post(
    "/organisms/{organism}/write-off-proposals/{proposal}/decision",
    tags=["remises et admissions en non-valeur"],
    response_model=models.ProposalOut,
    openapi_extra=action("write_offs.decide"),
)
def decide_write_off(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    proposal: ProposalPath,
    body: models.DecisionIn,
) -> models.ProposalOut:
    """Approve (book the write-off) or reject a proposal made by someone else."""
    return _proposal(
        commands.decide_proposal(
            services, actor, organism, ProposalKind.WRITE_OFF, proposal, body.approve, body.on, body.why
        )
    )


@router.post(
    "/organisms/{organism}/remission-proposals/{proposal}/decision",
    tags=["remises et admissions en non-valeur"],
    response_model=models.ProposalOut,
    openapi_extra=action("remissions.decide_services|remissions.decide_board"),
)
def decide_remission(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    proposal: ProposalPath,
    body: models.DecisionIn,
) -> models.ProposalOut:
    """Approve (book the remission) or reject a proposal made by someone else: the services
    decide under the threshold, the board above it."""
    return _proposal(
        commands.decide_proposal(
            services, actor, organism, ProposalKind.REMISSION, proposal, body.approve, body.on, body.why
        )
    )


# Batch and reports ------------------------------------------------------------------------------


@router.post(
    "/organisms/{organism}/cycles",
    tags=["cycle mensuel"],
    response_model=models.CycleOut,
    openapi_extra=action("cycle.run"),
)
def run_cycle(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, body: models.CycleIn
) -> models.CycleOut:
    """Run (or resume) the monthly cycle; a second run of the same month changes nothing."""
    done = commands.run_cycle(
        services, actor, organism, body.month, body.on, without_payment_run=body.without_payment_run
    )
    return models.CycleOut(
        organism=done.organism,
        month=done.month,
        run_on=done.run_on,
        already_done=done.already_done,
        claims=done.claims,
        in_default=done.in_default,
        cured=done.cured,
        contentious=done.contentious,
        surcharges=done.surcharges,
        surcharge_amount=format_amount(done.surcharge_cents),
        letters=dict(done.letters),
        tasks=dict(done.tasks),
    )


@router.get(
    "/organisms/{organism}/summary",
    tags=["pilotage"],
    response_model=models.SummaryOut,
    openapi_extra=action("reports.portfolio"),
)
def portfolio_summary(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, on: OnQuery
) -> models.SummaryOut:
    """Claims and amounts by benefit, responsibility and status at the end of ``on``."""
    return reads.summary(services, actor, organism, on)


# Queues -----------------------------------------------------------------------------------------


@router.get(
    "/organisms/{organism}/queues",
    tags=["corbeilles"],
    response_model=list[models.QueueCount],
    openapi_extra=action("queues.read"),
)
def queue_counts(services: ServicesDep, actor: ActorDep, organism: OrganismPath) -> list[models.QueueCount]:
    """The queues: tasks by type and status, with how many are not yet taken."""
    return reads.queue_counts(services, actor, organism)


@router.get(
    "/organisms/{organism}/tasks",
    tags=["corbeilles"],
    response_model=models.QueueOut,
    openapi_extra=action("queues.read"),
)
def tasks(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    on: OnQuery,
    type: Annotated[str | None, Query(max_length=32)] = None,
    status_: Annotated[str | None, Query(alias="status", max_length=16)] = "open",
    assignee: Annotated[str | None, Query(max_length=64)] = None,
    unassigned: bool = False,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_QUEUE_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> models.QueueOut:
    """A queue in priority order: prescription near, then amount, then age."""
    return reads.queue(
        services,
        actor,
        organism,
        on,
        type=type,
        status=status_,
        assignee=assignee,
        unassigned=unassigned,
        limit=limit,
        offset=offset,
    )


TaskPath = Annotated[int, Path(ge=1, le=2**62)]


def _task_change(change: commands.TaskChange) -> models.TaskChangeOut:
    return models.TaskChangeOut(
        id=change.id, type=change.type, status=change.status, assignee=change.assignee
    )


@router.post(
    "/organisms/{organism}/tasks/{task}/assignment",
    tags=["corbeilles"],
    response_model=models.TaskChangeOut,
    openapi_extra=action("tasks.assign"),
)
def assign_task(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, task: TaskPath, body: models.AssignIn
) -> models.TaskChangeOut:
    """Give an open task to a user (or put it back in the queue with ``null``)."""
    return _task_change(
        commands.assign_task(services, actor, organism, task, body.assignee, body.on, body.why)
    )


@router.post(
    "/organisms/{organism}/tasks/{task}/closing",
    tags=["corbeilles"],
    response_model=models.TaskChangeOut,
    openapi_extra=action("tasks.close"),
)
def close_task(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, task: TaskPath, body: models.CloseIn
) -> models.TaskChangeOut:
    """Close an open task with its outcome."""
    return _task_change(commands.close_task(services, actor, organism, task, body.outcome, body.on, body.why))


# Administration ---------------------------------------------------------------------------------


def _user(view: accounts.UserView) -> models.UserOut:
    return models.UserOut(
        username=view.username,
        full_name=view.full_name,
        roles=list(view.roles),
        organism=view.organism,
        agency=view.agency,
        active=view.active,
        locked_until=view.locked_until,
        created_at=view.created_at,
    )


@router.get(
    "/users", tags=["administration"], response_model=list[models.UserOut], openapi_extra=action("users.read")
)
def list_users(services: ServicesDep, actor: ActorDep) -> list[models.UserOut]:
    return [_user(view) for view in reads.users(services, actor)]


def _administered(done: accounts.Administered) -> models.AdministeredOut:
    return models.AdministeredOut(
        **_user(done.user).model_dump(),
        change_status=None if done.change is None else done.change.status,
        proposed_by=None if done.change is None else done.change.proposed_by,
        decided_by=None if done.change is None else done.change.decided_by,
        activation_token=None if done.activation is None else done.activation.token,
        activation_link=None if done.activation is None else done.activation.link,
        activation_expires_at=None if done.activation is None else done.activation.expires_at,
    )


@router.post(
    "/users",
    tags=["administration"],
    response_model=models.AdministeredOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("users.manage"),
)
def add_user(services: ServicesDep, actor: ActorDep, body: models.UserIn) -> models.AdministeredOut:
    """Propose a user, without a password: with a financial role the account waits for a
    director's approval; otherwise the one-time activation link is returned (to hand to the
    user, who sets his own password). Incompatible roles (``roles.yaml``) are refused."""
    return _administered(
        commands.add_user(
            services,
            actor,
            body.username,
            body.roles,
            full_name=body.full_name,
            organism=body.organism,
            agency=body.agency,
            why=body.why,
        )
    )


@router.post(
    "/users/{username}/roles",
    tags=["administration"],
    response_model=models.AdministeredOut,
    openapi_extra=action("users.manage"),
)
def change_roles(
    services: ServicesDep,
    actor: ActorDep,
    username: Annotated[str, Path(min_length=1, max_length=64)],
    body: models.RolesIn,
) -> models.AdministeredOut:
    """Change a user's roles: incompatible roles refused; a financial role given or taken away
    waits for a director's approval."""
    return _administered(commands.change_roles(services, actor, username, body.roles, body.why))


@router.post(
    "/users/{username}/decision",
    tags=["administration"],
    response_model=models.AdministeredOut,
    openapi_extra=action("users.approve"),
)
def decide_user(
    services: ServicesDep,
    actor: ActorDep,
    username: Annotated[str, Path(min_length=1, max_length=64)],
    body: models.UserDecisionIn,
) -> models.AdministeredOut:
    """Approve or reject the pending creation or change of roles of a user (the director, never
    whoever proposed it); approving a creation returns the one-time activation link."""
    return _administered(commands.decide_user(services, actor, username, approve=body.approve, why=body.why))


@router.post("/auth/activate", tags=["connexion"], response_model=models.UserOut)
def activate(services: ServicesDep, body: models.ActivationIn) -> models.UserOut:
    """Set one's own password with the one-time activation link (once, within 72 hours)."""
    try:
        return _user(commands.activate_user(services, body.token, body.password))
    except accounts.Unauthenticated as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None


@router.post(
    "/users/{username}/disable",
    tags=["administration"],
    response_model=models.UserOut,
    openapi_extra=action("users.manage"),
)
def disable_user(
    services: ServicesDep,
    actor: ActorDep,
    username: Annotated[str, Path(min_length=1, max_length=64)],
    body: models.DisableIn,
) -> models.UserOut:
    """Disable a user: their tokens stop working; their past acts stay theirs."""
    return _user(commands.disable_user(services, actor, username, body.why))


def _mandate(view: mandates.MandateView) -> models.MandateOut:
    return models.MandateOut(
        id=view.id,
        user=view.username,
        organism=view.organism,
        power=view.power,
        valid_from=view.valid_from,
        valid_until=view.valid_until,
        granted_by=view.granted_by,
        why=view.why,
        revoked_on=view.revoked_on,
        revoked_by=view.revoked_by,
    )


@router.get(
    "/mandates",
    tags=["administration"],
    response_model=list[models.MandateOut],
    openapi_extra=action("mandates.read"),
)
def list_mandates(
    services: ServicesDep, actor: ActorDep, user: Annotated[str | None, Query(max_length=64)] = None
) -> list[models.MandateOut]:
    return [_mandate(view) for view in reads.mandates_of(services, actor, user)]


@router.post(
    "/mandates",
    tags=["administration"],
    response_model=models.MandateOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("mandates.manage"),
)
def grant_mandate(services: ServicesDep, actor: ActorDep, body: models.MandateIn) -> models.MandateOut:
    """The director mandates a user, from one date to another, to sign or to represent the body."""
    return _mandate(
        commands.grant_mandate(
            services, actor, body.user, body.power, body.valid_from, body.valid_until, body.why
        )
    )


@router.post(
    "/mandates/{mandate}/revoke",
    tags=["administration"],
    response_model=models.MandateOut,
    openapi_extra=action("mandates.manage"),
)
def revoke_mandate(
    services: ServicesDep,
    actor: ActorDep,
    mandate: Annotated[int, Path(ge=1, le=2**62)],
    body: models.RevokeIn,
) -> models.MandateOut:
    return _mandate(commands.revoke_mandate(services, actor, mandate, body.on, body.why))


def _audit_row(view: trail.AuditView) -> models.AuditRowOut:
    return models.AuditRowOut(
        seq=view.seq,
        recorded_at=view.recorded_at,
        actor=view.actor,
        action=view.action,
        outcome=view.outcome,
        organism=view.organism,
        subject=view.subject,
        occurred_on=view.occurred_on,
        why=view.why,
        before=view.before,
        after=view.after,
        hash=view.hash,
    )


@router.get(
    "/audit", tags=["audit"], response_model=list[models.AuditRowOut], openapi_extra=action("audit.read")
)
def audit_show(
    services: ServicesDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    user: Annotated[str | None, Query(max_length=64)] = None,
) -> list[models.AuditRowOut]:
    """The newest rows of the audit trail."""
    return [_audit_row(view) for view in reads.audit_rows(services, actor, limit, user)]


@router.get(
    "/audit/verify",
    tags=["audit"],
    response_model=models.VerificationOut,
    openapi_extra=action("audit.verify"),
)
def audit_verify(services: ServicesDep, actor: ActorDep) -> models.VerificationOut:
    """Check the audit trail's hash chain; name the first row edited or deleted."""
    found = reads.audit_verification(services, actor)
    return models.VerificationOut(
        ok=found.ok,
        rows=found.rows,
        head=found.head,
        broken=None
        if found.broken is None
        else models.BrokenOut(seq=found.broken.seq, row_id=found.broken.row_id, reason=found.broken.reason),
    )


# Agencies and the agency portal (recouvre.api.agencies) ------------------------------------------

# Imported last: the module adds its routes to ``router`` (defined above) as it is read.
from recouvre.api import agencies as agencies  # noqa: E402

# Later families add their routes to this router (same prefix, same authorisation matrix).
from recouvre.api import campaigns as campaigns  # noqa: E402

# Indicators (recouvre.api.indicators) -----------------------------------------------------------
indicators_routes.register(router)

# Money in (bank statements, unmatched queue, SEPA mandates and direct debits): api/money_in.py
money_in.register(router)
