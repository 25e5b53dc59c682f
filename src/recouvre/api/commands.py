"""The back office's commands: ``authorize``, then the service command, then the audit trail.

Framework-free: the API's routes call these, and so will the web pages. Each command

1. asks ``authorize`` twice: with the organism alone first (so that a role that may not do the
   action is refused before anything is looked up, and an unknown claim is not a way to probe),
   then with the facts of its subject (author, placement, proposer);
2. reads the state before (a claim's balance, status and phase at the command's date);
3. calls the service layer, the single door to the data;
4. appends who, what, why, before and after to the audit trail; a refused command is recorded
   as ``refused`` with its reason, an act not allowed as ``denied``.

The date the rules apply (``on``) is always the caller's parameter; ``authorize`` is asked about
the day the act is done (the clock's date, in UTC).

The audit row of a service command is written right after the command's own transaction (the
service layer opens its own units of work): a crash between the two leaves a booked movement
without its audit row, which the movements' own ``recorded_at`` stamps still date. The commands
of ``recouvre.security`` (users, mandates, placements, proposals) write their audit row in the
same transaction as their change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import TypeVar

from recouvre.api import queries
from recouvre.api.queries import claim_snapshot
from recouvre.audit import trail
from recouvre.domain.appeals import AppealOutcome, AppealStage, AppealStatus, Appellant
from recouvre.domain.defaults import add_months
from recouvre.domain.ledger import Movement
from recouvre.domain.model import Claim, DomainError, PaymentChannel
from recouvre.domain.money import AmountError, Cents, format_amount
from recouvre.security import accounts, maker_checker, mandates, subjects
from recouvre.security.authorization import NOTHING, Actor, Forbidden, Subject, authorize
from recouvre.service import adjustments, appeals, contacts, cycle, payments, plans, queues, remission
from recouvre.service.claims import establish_claims
from recouvre.service.context import Services
from recouvre.service.errors import BatchRejected
from recouvre.service.queues import TaskChange as TaskChange
from recouvre.service.remission import Refusal
from recouvre.storage import repository

T = TypeVar("T")
NETWORK = "(réseau)"
"""The organism scope of a network-level user, as a subject: a local user never matches it."""


def today(services: Services) -> date:
    """The day an act is done (for mandates and placements), from the stamping clock."""
    return services.clock().date()


def guard(services: Services, actor: Actor, action: str, subject: Subject = NOTHING) -> date:
    """``authorize`` for today; a refusal is appended to the audit trail, then raised."""
    on = today(services)
    try:
        authorize(actor, action, on, subject)
    except Forbidden as error:
        trail.record(
            services,
            trail.Entry(
                actor.user,
                action,
                "denied",
                organism=subject.organism,
                subject=subject.describe(),
                why=error.reason,
            ),
        )
        raise
    return on


def guard_any(services: Services, actor: Actor, actions: Sequence[str], subject: Subject) -> date:
    """``guard`` passing when any of ``actions`` is allowed; refused (and recorded) under the first."""
    for name in actions:
        if _allowed(services, actor, name, subject.organism or NETWORK):
            return guard(services, actor, name, subject)
    return guard(services, actor, actions[0], subject)


def guard_claim(services: Services, actor: Actor, action: str, organism: str, claim_ref: str) -> Subject:
    guard(services, actor, action, Subject(organism=organism))
    subject = subjects.claim_subject(services, organism, claim_ref, today(services))
    guard(services, actor, action, subject)
    return subject


def guard_debtor(services: Services, actor: Actor, action: str, organism: str, debtor_ref: str) -> Subject:
    guard(services, actor, action, Subject(organism=organism))
    subject = subjects.debtor_subject(services, organism, debtor_ref, today(services))
    guard(services, actor, action, subject)
    return subject


REFUSALS = (DomainError, AmountError, BatchRejected, Refusal)


def _on_claim(
    services: Services,
    actor: Actor,
    action: str,
    organism: str,
    claim_ref: str,
    on: date,
    why: str,
    run: Callable[[], T],
    describe: Callable[[T], dict[str, object]],
) -> T:
    subject = guard_claim(services, actor, action, organism, claim_ref)
    before = claim_snapshot(services, organism, claim_ref, on)
    entry = trail.Entry(actor.user, action, organism=organism, subject=subject.describe(), on=on, why=why)
    try:
        result = run()
    except REFUSALS as error:
        trail.record(
            services, replace(entry, outcome="refused", before=before, after={"refused": str(error)})
        )
        raise
    after = {**(claim_snapshot(services, organism, claim_ref, on) or {}), **describe(result)}
    trail.record(services, replace(entry, before=before, after=after))
    return result


# Claims ------------------------------------------------------------------------------------------


def establish_claim(services: Services, actor: Actor, organism: str, claim: Claim, why: str = "") -> bool:
    """Establish one claim (procedure 2) and record its author; ``False`` for a replay."""
    guard(services, actor, "claims.establish", Subject(organism=organism))
    entry = trail.Entry(
        actor.user,
        "claims.establish",
        organism=organism,
        subject=f"créance {claim.ref}",
        on=claim.established_on,
        why=why,
    )
    try:
        result = establish_claims(services, organism, [claim])
    except REFUSALS as error:
        trail.record(services, replace(entry, outcome="refused", after={"refused": str(error)}))
        raise
    with trail.unit_of_work(services) as session:
        organism_id, _ = services.organism(session, organism)
        row = repository.claim_row(session, organism_id, claim.ref)
        assert row is not None
        if result.created:
            subjects.record_authors(session, [row.id], actor.user, services.clock())
        after: dict[str, object] = {
            "claim": claim.ref,
            "debtor": claim.debtor_ref,
            "principal": format_amount(claim.principal),
            "created": bool(result.created),
        }
        trail.append(session, replace(entry, after=after), services.clock())
    return bool(result.created)


def record_payment(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    amount: Cents,
    on: date,
    channel: PaymentChannel,
    key: str,
    why: str = "",
) -> tuple[Movement, bool]:
    return _on_claim(
        services,
        actor,
        "payments.record",
        organism,
        claim_ref,
        on,
        why,
        lambda: payments.record_payment(services, organism, claim_ref, amount, on, channel, key),
        lambda done: {"payment": done[0].key, "amount": format_amount(done[0].amount), "new": done[1]},
    )


def agree_plan(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    monthly: Cents,
    first_due: date,
    on: date,
    *,
    within_launch_bounds: bool = True,
    why: str = "",
) -> plans.PlanView:
    return _on_claim(
        services,
        actor,
        "plans.agree",
        organism,
        claim_ref,
        on,
        why,
        lambda: plans.agree_plan(
            services,
            organism,
            claim_ref,
            monthly,
            first_due,
            on,
            key=f"api:{on.isoformat()}:{monthly}:{first_due.isoformat()}",
            by=actor.user,
            why=why,
            enforce_max_months=within_launch_bounds,
        ),
        lambda plan: {
            "plan": {
                "monthly": format_amount(plan.monthly),
                "first_due": plan.first_due,
                "months": plan.months,
            }
        },
    )


def promise_to_pay(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    amount: Cents,
    due_on: date,
    on: date,
    why: str = "",
) -> None:
    _on_claim(
        services,
        actor,
        "promises.record",
        organism,
        claim_ref,
        on,
        why,
        lambda: plans.promise_to_pay(services, organism, claim_ref, amount, due_on, on, by=actor.user),
        lambda _: {"promise": {"amount": format_amount(amount), "due_on": due_on}},
    )


def suspend_recovery(
    services: Services, actor: Actor, organism: str, claim_ref: str, on: date, until: date, why: str
) -> None:
    _on_claim(
        services,
        actor,
        "recovery.suspend",
        organism,
        claim_ref,
        on,
        why,
        lambda: adjustments.suspend_recovery(
            services, organism, claim_ref, on, until, by=actor.user, why=why
        ),
        lambda _: {"suspended_until": until},
    )


def resume_recovery(
    services: Services, actor: Actor, organism: str, claim_ref: str, on: date, why: str
) -> None:
    _on_claim(
        services,
        actor,
        "recovery.resume",
        organism,
        claim_ref,
        on,
        why,
        lambda: adjustments.resume_recovery(services, organism, claim_ref, on, by=actor.user, why=why),
        lambda _: {"resumed_on": on},
    )


def request_remission(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    requested_by: str,
    channel: str = "",
    trace: str = "",
    why: str = "",
) -> remission.RemissionCaseView:
    return _on_claim(
        services,
        actor,
        "remissions.request",
        organism,
        claim_ref,
        on,
        why,
        lambda: remission.request_remission(
            services, organism, claim_ref, on, requested_by, channel, trace, actor=actor.user, why=why
        ),
        lambda case: {"remission_request": {"route": case.route.value, "status": case.status.value}},
    )


def record_contact(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    channel: str,
    outcome: str,
    note: str,
    key: str,
) -> contacts.ContactView:
    """Record a contact with the debtor without a task (a claim event ``contact``)."""
    return _on_claim(
        services,
        actor,
        "contacts.record",
        organism,
        claim_ref,
        on,
        note,
        lambda: contacts.record_contact(
            services, organism, claim_ref, on, channel, outcome, note, key=key, by=actor.user
        ),
        lambda done: {
            "contact": {"key": done.key, "channel": done.channel.value, "outcome": done.outcome.value},
            "new": done.new,
        },
    )


# Appeals (PM242) ---------------------------------------------------------------------------------

APPEAL_DECISIONS = {
    AppealStage.AMICABLE: "appeals.decide_board",
    AppealStage.COURT: "appeals.decide_court",
}
"""Who records the decision on an appeal: the board (CRA) for the amicable stage, the director
(who represents the organism in court) for a court decision."""
ORGANISM_APPEAL = "court.represent"
"""The organism's own appeal (against a court decision) is an act of representation in court."""
LAST_APPEAL_DAY = date(9998, 12, 31)
"""Appeal deadlines run months after the act: a later date has no calendar for them."""


def _appeal_day(on: date) -> None:
    if on > LAST_APPEAL_DAY:
        raise DomainError("on", on.isoformat(), f"expected a date up to {LAST_APPEAL_DAY.isoformat()}")


def _appeal_view(view: appeals.AppealView) -> dict[str, object]:
    return {
        "appeal": {
            "stage": view.stage.value,
            "filed_by": view.filed_by.value,
            "filed_on": view.filed_on,
            "status": view.status.value,
            "suspends": view.suspends,
            "outcome": None if view.outcome is None else view.outcome.value,
            "new_principal": None if view.new_principal is None else format_amount(view.new_principal),
            "cancellation": format_amount(view.cancellation),
            "refund": format_amount(view.refund),
        }
    }


def _organism_side(services: Services, organism: str, claim_ref: str, on: date) -> bool:
    """Whether the pending appeal (the one a withdrawal bears on) is the organism's own."""
    found = [
        view
        for view in appeals.appeals_of(services, organism, claim_ref, on)
        if view.status is AppealStatus.PENDING
    ]
    return bool(found) and found[-1].filed_by is Appellant.ORGANISM


def file_appeal(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    *,
    filed_by: Appellant = Appellant.DEBTOR,
    stage: AppealStage | None = None,
    why: str = "",
) -> appeals.AppealView:
    """Record an appeal received on ``on`` (the debtor's, or the organism's own in court)."""
    _appeal_day(on)
    if filed_by is Appellant.ORGANISM:
        guard_claim(services, actor, ORGANISM_APPEAL, organism, claim_ref)
    return _on_claim(
        services,
        actor,
        "appeals.file",
        organism,
        claim_ref,
        on,
        why,
        lambda: appeals.file_appeal(
            services, organism, claim_ref, on, filed_by=filed_by, stage=stage, actor=actor.user, why=why
        ),
        _appeal_view,
    )


def decide_appeal(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    outcome: AppealOutcome,
    amount: Cents | None = None,
    *,
    why: str = "",
) -> appeals.AppealView:
    """Record the decision on the claim's open appeal and apply it to the ledger: the board
    decides at the amicable stage (``appeals.decide_board``), the court's decision is recorded by
    the director (``appeals.decide_court``)."""
    _appeal_day(on)
    guard_any(services, actor, list(APPEAL_DECISIONS.values()), Subject(organism=organism))
    guard_claim(services, actor, "claims.read", organism, claim_ref)
    open_appeal = queries.open_appeal(services, organism, claim_ref, on)
    if open_appeal is not None:
        action = APPEAL_DECISIONS[open_appeal.stage]
    else:  # nothing to decide: the service refuses it, recorded under the actor's own action
        action = next(name for name in APPEAL_DECISIONS.values() if _allowed(services, actor, name, organism))
    return _on_claim(
        services,
        actor,
        action,
        organism,
        claim_ref,
        on,
        why,
        lambda: appeals.decide_appeal(
            services, organism, claim_ref, on, outcome, amount, actor=actor.user, why=why
        ),
        _appeal_view,
    )


def withdraw_appeal(
    services: Services, actor: Actor, organism: str, claim_ref: str, on: date, why: str = ""
) -> appeals.AppealView:
    """Record that the appellant withdrew the pending appeal (the organism's own: in court)."""
    _appeal_day(on)
    guard(services, actor, "appeals.withdraw", Subject(organism=organism))
    guard_claim(services, actor, "claims.read", organism, claim_ref)
    if _organism_side(services, organism, claim_ref, on):
        guard_claim(services, actor, ORGANISM_APPEAL, organism, claim_ref)
    return _on_claim(
        services,
        actor,
        "appeals.withdraw",
        organism,
        claim_ref,
        on,
        why,
        lambda: appeals.withdraw(services, organism, claim_ref, on, actor=actor.user, why=why),
        _appeal_view,
    )


# Maker-checker -----------------------------------------------------------------------------------


def propose_write_off(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    *,
    authority: str,
    reasons: str,
    why: str,
) -> maker_checker.ProposalView:
    guard_claim(services, actor, "write_offs.propose", organism, claim_ref)
    return maker_checker.propose_write_off(
        services, organism, claim_ref, on, authority=authority, reasons=reasons, by=actor.user, why=why
    )


def propose_remission(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    rate: str,
    *,
    reasons: str,
    why: str,
) -> maker_checker.ProposalView:
    guard_claim(services, actor, "remissions.propose", organism, claim_ref)
    return maker_checker.propose_remission(
        services, organism, claim_ref, on, rate, reasons=reasons, by=actor.user, why=why
    )


def decide_proposal(
    services: Services,
    actor: Actor,
    organism: str,
    kind: maker_checker.ProposalKind,
    proposal_id: int,
    approve: bool,
    on: date,
    why: str,
) -> maker_checker.ProposalView:
    """Decide a proposal: the action depends on its kind and route (board or services)."""
    first = "write_offs.decide" if kind is maker_checker.ProposalKind.WRITE_OFF else None
    if first is not None:
        guard(services, actor, first, Subject(organism=organism))
    elif not any(
        _allowed(services, actor, action, organism)
        for action in ("remissions.decide_services", "remissions.decide_board")
    ):
        guard(services, actor, "remissions.decide_services", Subject(organism=organism))
    proposal = maker_checker.get_proposal(services, organism, kind, proposal_id)
    claim = subjects.claim_subject(services, organism, proposal.claim_ref, today(services))
    subject = Subject(
        organism=organism,
        claim=proposal.claim_ref,
        established_by=claim.established_by,
        placed_with=claim.placed_with,
        proposed_by=proposal.proposed_by,
    )
    guard(services, actor, proposal.decide_action, subject)
    before = claim_snapshot(services, organism, proposal.claim_ref, on)
    try:
        return maker_checker.decide_proposal(
            services, organism, kind, proposal_id, approve, on, by=actor.user, why=why
        )
    except REFUSALS as error:
        trail.record(
            services,
            trail.Entry(
                actor.user,
                proposal.decide_action,
                "refused",
                organism=organism,
                subject=subject.describe(),
                on=on,
                why=why,
                before=before,
                after={"refused": str(error)},
            ),
        )
        raise


def _allowed(services: Services, actor: Actor, action: str, organism: str) -> bool:
    try:
        authorize(actor, action, today(services), Subject(organism=organism))
    except Forbidden:
        return False
    return True


# Placements --------------------------------------------------------------------------------------


def place_claim(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    agency: str,
    placed_from: date,
    why: str = "",
) -> subjects.PlacementView:
    guard_claim(services, actor, "placements.manage", organism, claim_ref)
    return subjects.place_claim(services, organism, claim_ref, agency, placed_from, by=actor.user, why=why)


def recall_placement(
    services: Services, actor: Actor, organism: str, placement_id: int, on: date, why: str = ""
) -> subjects.PlacementView:
    guard(services, actor, "placements.manage", Subject(organism=organism))
    found = subjects.get_placement(services, organism, placement_id)
    guard_claim(services, actor, "placements.manage", organism, found.claim_ref)
    return subjects.recall_placement(services, organism, placement_id, on, by=actor.user, why=why)


# Monthly cycle -----------------------------------------------------------------------------------


def run_cycle(
    services: Services, actor: Actor, organism: str, month: str, on: date | None
) -> cycle.CycleSummary:
    guard(services, actor, "cycle.run", Subject(organism=organism))
    try:
        first = cycle.parse_month(month)
        run_on = on or add_months(first, 1)
    except (ValueError, OverflowError):
        raise DomainError("month", month, "expected YYYY-MM, from year 1 to 9998") from None
    entry = trail.Entry(actor.user, "cycle.run", organism=organism, subject=f"cycle {month}", on=run_on)
    try:
        summary = cycle.run_cycle(services, organism, month, run_on)
    except REFUSALS as error:
        trail.record(services, replace(entry, outcome="refused", after={"refused": str(error)}))
        raise
    trail.record(services, replace(entry, after={"already_done": summary.already_done, **summary.as_data()}))
    return summary


# Queues ------------------------------------------------------------------------------------------


def _task_subject(services: Services, organism: str, task_id: int) -> tuple[Subject, str | None]:
    ref = queues.task_claim(services, organism, task_id)
    if ref is None:
        return Subject(organism=organism), None
    return subjects.claim_subject(services, organism, ref, today(services)), ref


def _guard_task(services: Services, actor: Actor, action: str, organism: str, task_id: int) -> None:
    guard(services, actor, action, Subject(organism=organism))
    subject, _ = _task_subject(services, organism, task_id)
    guard(services, actor, action, subject)


def assign_task(
    services: Services,
    actor: Actor,
    organism: str,
    task_id: int,
    assignee: str | None,
    on: date,
    why: str = "",
) -> TaskChange:
    """Give an open task to a user of the organism (``None``: back to the queue)."""
    if assignee is not None:
        queues.check_assignee(services, organism, assignee)
    _guard_task(services, actor, "tasks.assign", organism, task_id)
    return queues.assign_task(services, organism, task_id, assignee, on, by=actor.user, why=why)


def close_task(
    services: Services, actor: Actor, organism: str, task_id: int, outcome: str, on: date, why: str = ""
) -> TaskChange:
    """Close an open task with its outcome (reached, no answer, promise…)."""
    _guard_task(services, actor, "tasks.close", organism, task_id)
    return queues.close_task(services, organism, task_id, outcome, on, by=actor.user, why=why)


# Users and mandates ------------------------------------------------------------------------------


def add_user(
    services: Services,
    actor: Actor,
    username: str,
    password: str,
    roles: list[str],
    *,
    full_name: str = "",
    organism: str | None = None,
    agency: str | None = None,
    why: str = "",
) -> accounts.UserView:
    guard(services, actor, "users.manage", Subject(organism=organism or NETWORK))
    return accounts.add_user(
        services,
        username,
        password,
        roles,
        full_name=full_name,
        organism=organism,
        agency=agency,
        by=actor.user,
        why=why,
    )


def disable_user(services: Services, actor: Actor, username: str, why: str = "") -> accounts.UserView:
    guard(services, actor, "users.manage")
    target = accounts.get_user(services, username)
    guard(services, actor, "users.manage", Subject(organism=target.organism or NETWORK))
    if target.username == actor.user:
        raise DomainError("username", username, "one does not disable one's own account")
    return accounts.disable_user(services, username, by=actor.user, why=why)


def grant_mandate(
    services: Services,
    actor: Actor,
    username: str,
    power: str,
    valid_from: date,
    valid_until: date,
    why: str,
) -> mandates.MandateView:
    guard(services, actor, "mandates.manage")
    target = accounts.get_user(services, username)
    guard(services, actor, "mandates.manage", Subject(organism=target.organism or NETWORK))
    return mandates.grant_mandate(services, username, power, valid_from, valid_until, by=actor.user, why=why)


def revoke_mandate(
    services: Services, actor: Actor, mandate_id: int, on: date, why: str
) -> mandates.MandateView:
    guard(services, actor, "mandates.manage")
    found = mandates.get_mandate(services, mandate_id)
    guard(services, actor, "mandates.manage", Subject(organism=found.organism or NETWORK))
    return mandates.revoke_mandate(services, mandate_id, on, by=actor.user, why=why)
