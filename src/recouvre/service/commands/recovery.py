"""Recovery acts on one claim (procedures 2, 8): establishment, payments, plans, promises,
suspension and resumption, contacts with the debtor — each through the door (``service.door``)."""

from __future__ import annotations

from datetime import date

from recouvre.domain.ledger import Movement
from recouvre.domain.model import Claim, PaymentChannel
from recouvre.domain.money import Cents, format_amount
from recouvre.security.authorization import Actor, Subject
from recouvre.service import (
    adjustments,
    claim_actions,
    contacts,
    contributions,
    door,
    interruptions,
    payments,
    plans,
    subjects,
)
from recouvre.service.claims import establish_claims
from recouvre.service.context import Services
from recouvre.service.door import guard, on_claim
from recouvre.storage import repository

# Claims ------------------------------------------------------------------------------------------


def establish_claim(services: Services, actor: Actor, organism: str, claim: Claim, why: str = "") -> bool:
    """Establish one claim (procedure 2) and record its author; ``False`` for a replay."""
    guard(services, actor, "claims.establish", Subject(organism=organism))
    with door.act(
        services,
        actor,
        "claims.establish",
        organism=organism,
        subject=f"créance {claim.ref}",
        on=claim.established_on,
        why=why,
    ) as current:
        result = establish_claims(services, organism, [claim])
        with services.db.unit_of_work() as session:
            organism_id, _ = services.organism(session, organism)
            row = repository.claim_row(session, organism_id, claim.ref)
            assert row is not None
            if result.created:
                subjects.record_authors(session, [row.id], actor.user, services.clock())
        current.note(
            claim=claim.ref,
            debtor=claim.debtor_ref,
            principal=format_amount(claim.principal),
            created=bool(result.created),
        )
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
    *,
    confirm_overpayment: bool = False,
) -> tuple[Movement, bool]:
    """Book a payment received. One larger than the balance is refused (``Overpayment``, which
    says the credit it would leave to refund) unless ``confirm_overpayment``: nothing is booked
    silently as a negative balance."""

    def run() -> tuple[Movement, bool]:
        if not confirm_overpayment:
            excess = claim_actions.overpayment(services, organism, claim_ref, amount, on, key)
            if excess is not None:
                raise excess
        return payments.record_payment(services, organism, claim_ref, amount, on, channel, key)

    return on_claim(
        services,
        actor,
        "payments.record",
        organism,
        claim_ref,
        on,
        why,
        run,
        lambda done: {
            "payment": done[0].key,
            "amount": format_amount(done[0].amount),
            "new": done[1],
            "overpayment_confirmed": confirm_overpayment,
        },
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
    key: str | None = None,
    why: str = "",
) -> plans.PlanView:
    """Agree an instalment plan (an acknowledgment of the debt); ``key`` makes a replay book
    nothing (by default, the same plan agreed the same day is the same act)."""
    return on_claim(
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
            key=key or f"api:{on.isoformat()}:{monthly}:{first_due.isoformat()}",
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
    on_claim(
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
    on_claim(
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
    on_claim(
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
    return on_claim(
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


def record_registered_letter(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    outcome: interruptions.LetterOutcome,
    *,
    key: str | None = None,
    why: str = "",
) -> bool:
    """A registered letter with acknowledgment sent on ``on`` and its outcome: ``delivered`` and
    ``unclaimed`` interrupt prescription (``service.interruptions``). ``False`` for a replay."""
    return on_claim(
        services,
        actor,
        "letters.mark",
        organism,
        claim_ref,
        on,
        why,
        lambda: interruptions.registered_letter(services, organism, claim_ref, on, outcome, key=key),
        lambda new: {"registered_letter": str(outcome), "new": new},
    )


def record_acknowledgment(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    *,
    by: str = "debtor",
    key: str | None = None,
    why: str = "",
) -> bool:
    """The debtor (or ``by``, who acted for them) acknowledged the debt on ``on`` (C. civ. 2240:
    it interrupts prescription). ``False`` for a replay."""
    return on_claim(
        services,
        actor,
        "debts.acknowledge",
        organism,
        claim_ref,
        on,
        why,
        lambda: interruptions.acknowledgment(services, organism, claim_ref, on, by, key=key),
        lambda new: {"acknowledgment": by, "new": new},
    )


def record_contribution_due(
    services: Services, actor: Actor, organism: str, claim_ref: str, due_on: date, on: date, why: str = ""
) -> None:
    """A contribution's due date (CNSS): from it, the cycle books the late-payment surcharges.
    Contributions due come with the declarations, a batch import: ``imports.run``."""
    on_claim(
        services,
        actor,
        "imports.run",
        organism,
        claim_ref,
        on,
        why,
        lambda: contributions.set_contribution_due(services, organism, claim_ref, due_on, on),
        lambda _: {"contribution_due": due_on},
    )
