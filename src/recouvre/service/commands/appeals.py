"""Appeals (PM242): filing, decision by the competent authority (the board at the amicable
stage, the director for a court's decision), withdrawal — each through the door."""

from __future__ import annotations

from datetime import date

from recouvre.domain.appeals import AppealOutcome, AppealStage, AppealStatus, Appellant
from recouvre.domain.errors import DomainError
from recouvre.domain.money import Cents, format_amount
from recouvre.security.authorization import Actor, Subject
from recouvre.service import (
    appeals,
    door,
    queries,
)
from recouvre.service.context import Services
from recouvre.service.door import guard, guard_any, guard_claim, on_claim

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
        raise DomainError(
            "on", on.isoformat(), f"date attendue au plus tard le {LAST_APPEAL_DAY.isoformat()}"
        )


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
    return on_claim(
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
    reasons: str = "",
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
        action = next(
            name for name in APPEAL_DECISIONS.values() if door.allowed(services, actor, name, organism)
        )
    return on_claim(
        services,
        actor,
        action,
        organism,
        claim_ref,
        on,
        why,
        lambda: appeals.decide_appeal(
            services, organism, claim_ref, on, outcome, amount, actor=actor.user, why=why, reasons=reasons
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
    return on_claim(
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


def sweep_implicit_rejections(
    services: Services, actor: Actor, organism: str, on: date, why: str = ""
) -> list[appeals.AppealView]:
    """A batch act: mark the amicable appeals left unanswered as implicitly rejected."""
    _appeal_day(on)
    guard(services, actor, "appeals.sweep_implicit", Subject(organism=organism))
    return door.batch(
        services,
        actor,
        "appeals.sweep_implicit",
        organism=organism,
        subject=f"{organism} recours amiables",
        on=on,
        why=why,
        run=lambda: appeals.sweep_implicit(services, organism, on, actor=actor.user, why=why),
        describe=lambda views: {"implicit_rejections": [view.claim_ref for view in views]},
    )
