"""Over-indebtedness (procedures 16 to 19): admissibility, the agreed plan, the organism's
contest, the personal recovery's discharge — acts on one debtor, each through the door."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from recouvre.domain.money import Cents, format_amount
from recouvre.security.authorization import Actor
from recouvre.service import door, over_indebtedness
from recouvre.service.context import Services
from recouvre.service.door import guard_debtor
from recouvre.service.over_indebtedness import OverIndebtednessView

ACTION = "over_indebtedness.record"


def _describe(view: OverIndebtednessView) -> dict[str, object]:
    return {
        "over_indebtedness": {
            "status": view.status.value,
            "admissible_on": view.admissible_on,
            "claims": list(view.claims),
            "decisions": [
                {
                    "claim": item.claim_ref,
                    "erased": format_amount(item.erased),
                    "kept": format_amount(item.kept),
                }
                for item in view.decisions
            ],
        }
    }


def _on_debtor(
    services: Services,
    actor: Actor,
    organism: str,
    debtor_ref: str,
    on: date,
    why: str,
    step: str,
    run: Callable[[], OverIndebtednessView],
) -> OverIndebtednessView:
    subject = guard_debtor(services, actor, ACTION, organism, debtor_ref)
    with door.act(
        services,
        actor,
        ACTION,
        organism=organism,
        subject=subject.describe(),
        on=on,
        why=why,
        before=lambda: _state(services, organism, debtor_ref, on),
    ) as current:
        view = run()
        current.note(step=step, **_describe(view))
    return view


def _state(services: Services, organism: str, debtor_ref: str, on: date) -> dict[str, object] | None:
    found = over_indebtedness.file_of(services, organism, debtor_ref, on)
    return None if found is None else _describe(found)


def admissible(
    services: Services,
    actor: Actor,
    organism: str,
    debtor_ref: str,
    on: date,
    *,
    commission: str = "",
    procedure_ref: str = "",
    why: str = "",
) -> OverIndebtednessView:
    return _on_debtor(
        services,
        actor,
        organism,
        debtor_ref,
        on,
        why,
        "admissible",
        lambda: over_indebtedness.admissible(
            services,
            organism,
            debtor_ref,
            on,
            commission=commission,
            procedure_ref=procedure_ref,
            actor=actor.user,
            why=why,
        ),
    )


def plan(
    services: Services,
    actor: Actor,
    organism: str,
    debtor_ref: str,
    on: date,
    monthly: Cents,
    *,
    first_due: date | None = None,
    why: str = "",
) -> OverIndebtednessView:
    return _on_debtor(
        services,
        actor,
        organism,
        debtor_ref,
        on,
        why,
        "plan",
        lambda: over_indebtedness.plan(
            services, organism, debtor_ref, on, monthly, first_due=first_due, actor=actor.user, why=why
        ),
    )


def contested(
    services: Services,
    actor: Actor,
    organism: str,
    debtor_ref: str,
    on: date,
    deadline: date,
    *,
    why: str = "",
) -> OverIndebtednessView:
    return _on_debtor(
        services,
        actor,
        organism,
        debtor_ref,
        on,
        why,
        "contested",
        lambda: over_indebtedness.contested(
            services, organism, debtor_ref, on, deadline, actor=actor.user, why=why
        ),
    )


def discharge(
    services: Services, actor: Actor, organism: str, debtor_ref: str, on: date, *, why: str = ""
) -> OverIndebtednessView:
    return _on_debtor(
        services,
        actor,
        organism,
        debtor_ref,
        on,
        why,
        "discharge",
        lambda: over_indebtedness.discharge(services, organism, debtor_ref, on, actor=actor.user, why=why),
    )
