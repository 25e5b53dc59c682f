"""The CNSS's own commands: seizures (saisie-arrêt) after the commandement, amnesty applications
and simulations, imports of contributions due (RULES.md §11; SCENARIOS.md "CNSS forced recovery",
"CNSS amnesty")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from recouvre.domain.model import Claim
from recouvre.domain.money import Cents
from recouvre.security.authorization import Actor, Subject
from recouvre.service import amnesty, contributions, door, facilities, seizures
from recouvre.service.amnesty_settlement import AmnestyState
from recouvre.service.commands.batches import run_batch
from recouvre.service.context import Services
from recouvre.service.door import guard, guard_any, guard_claim, on_claim
from recouvre.service.plans import PlanView


def record_seizure(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    step: seizures.SeizureStep,
    reference: str,
    *,
    third_party: str = "",
    amount: Cents | None = None,
    why: str = "",
) -> seizures.SeizureAct:
    """Record a step of a saisie-arrêt on a claim in forced recovery (``seizures.record``)."""
    return on_claim(
        services,
        actor,
        "seizures.record",
        organism,
        claim_ref,
        on,
        why,
        lambda: seizures.record_seizure(
            services, organism, claim_ref, on, step, reference, third_party=third_party, amount=amount
        ),
        lambda act: {
            "seizure": act.reference,
            "step": act.step.value,
            "third_party": act.third_party,
            "amount_cents": act.amount,
            "new": act.new,
        },
    )


def seizures_of(services: Services, actor: Actor, organism: str, claim_ref: str) -> list[seizures.SeizureAct]:
    """The seizure acts of a claim (``claims.read``)."""
    guard_claim(services, actor, "claims.read", organism, claim_ref)
    return seizures.seizures(services, organism, claim_ref)


def apply_amnesty(
    services: Services, actor: Actor, organism: str, claim_ref: str, option: str, on: date, why: str = ""
) -> AmnestyState:
    """Record an employer's application for the amnesty campaign in force (``amnesty.apply``):
    refused outside campaigns, for another claim than a contribution, or without the plan its
    option needs; when the principal is already paid, the remission is booked at once."""
    return on_claim(
        services,
        actor,
        "amnesty.apply",
        organism,
        claim_ref,
        on,
        why,
        lambda: amnesty.apply_amnesty(services, organism, claim_ref, option, on),
        lambda state: {"amnesty": state.option, "rate": str(state.rate), "status": state.status},
    )


def simulate_amnesty(services: Services, actor: Actor, organism: str, on: date) -> amnesty.Simulation:
    """What the campaign in force on ``on`` (or the last one encoded) would cost and bring in on
    the current portfolio (``reports.portfolio``, or ``simulate.run`` for the batch account)."""
    guard_any(services, actor, ("reports.portfolio", "simulate.run"), Subject(organism=organism))
    with services.db.unit_of_work() as session:
        _, known = services.organism(session, organism)
    return amnesty.simulate(services, organism, on, services.policy(known))


def offer_amnesty(services: Services, actor: Actor, organism: str, on: date) -> int:
    """Issue the letters offering the open campaign to every eligible employer (a batch of the
    outbox: ``letters.print``); returns how many letters are new."""
    return run_batch(
        services,
        actor,
        "letters.print",
        organism=organism,
        subject="offre d'amnistie aux employeurs éligibles",
        on=on,
        run=lambda: amnesty.offer_letters(services, organism, on),
        describe=lambda count: {"letters": count},
    )


def import_contributions(
    services: Services,
    actor: Actor,
    organism: str,
    items: Sequence[tuple[Claim, date]],
    *,
    source: str = "",
) -> contributions.ContributionsResult:
    """Establish a file of contributions due with their due dates (``imports.run``), all or
    nothing: one act, the claims, their due dates and the audit row in one transaction."""
    guard(services, actor, "imports.run", Subject(organism=organism))
    with door.act(
        services, actor, "imports.run", organism=organism, subject=f"cotisations dues {source}".strip()
    ) as current:
        done = contributions.establish_contributions(services, organism, items)
        current.note(
            contributions=len(items), created=done.created, unchanged=done.unchanged, due_dates=done.due_dates
        )
    return done


def grant_facility(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    monthly: Cents,
    first_due: date,
    on: date,
    *,
    down_payment: Cents = 0,
    key: str,
    why: str = "",
) -> PlanView:
    """Grant a CNSS payment facility under its conditions (``plans.agree``)."""
    return on_claim(
        services,
        actor,
        "plans.agree",
        organism,
        claim_ref,
        on,
        why,
        lambda: facilities.grant_facility(
            services,
            organism,
            claim_ref,
            monthly,
            first_due,
            on,
            down_payment=down_payment,
            key=key,
            by=actor.user,
        ),
        lambda plan: {"facility_monthly": plan.monthly, "months": plan.months, "down_payment": down_payment},
    )


def facility_stats(services: Services, actor: Actor, organism: str, on: date) -> facilities.FacilityStats:
    """The organism's share of plans not honoured (``reports.portfolio``; ``simulate.run`` for the
    batch account)."""
    guard_any(services, actor, ("reports.portfolio", "simulate.run"), Subject(organism=organism))
    return facilities.facility_stats(services, organism, on)
