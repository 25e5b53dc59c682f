"""Phone campaigns through the door: a manager (pilote) builds a campaign's call list at one of
the four triggers; operators read it and record each call — its outcome (a code of
``call_outcomes.yaml``), with the promise or the callback it needs — in one act that also keeps
the contact in the file's timeline and records the promise on the claim (which holds the
reminders until it is due). ``service.campaigns`` does the work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from recouvre.domain.model import DomainError
from recouvre.domain.money import Cents, format_amount
from recouvre.security.authorization import Actor, Subject
from recouvre.service import campaigns, contacts, plans
from recouvre.service.context import Services
from recouvre.service.door import act, guard, guard_claim, guard_debtor


def create_campaign(
    services: Services,
    actor: Actor,
    organism: str,
    trigger: str,
    period_from: date,
    period_to: date,
    name: str = "",
) -> campaigns.CampaignView:
    guard(services, actor, "campaigns.manage", Subject(organism=organism))
    with act(
        services,
        actor,
        "campaigns.manage",
        organism=organism,
        subject=f"{organism} campagne {trigger}",
        on=period_to,
    ) as current:
        view = campaigns.create_campaign(
            services, organism, trigger, period_from, period_to, by=actor.user, name=name
        )
        current.note(campaign=view.id, trigger=trigger, targets=view.targets)
    return view


def list_campaigns(services: Services, actor: Actor, organism: str) -> list[campaigns.CampaignView]:
    guard(services, actor, "campaigns.read", Subject(organism=organism))
    return campaigns.list_campaigns(services, organism)


def call_list(
    services: Services, actor: Actor, organism: str, campaign_id: int, on: date, *, include_done: bool = False
) -> tuple[campaigns.CampaignView, list[campaigns.CallLine], str]:
    guard(services, actor, "campaigns.read", Subject(organism=organism))
    return campaigns.call_list(services, organism, campaign_id, on, include_done=include_done)


def kpis(services: Services, actor: Actor, organism: str, campaign_id: int, on: date) -> campaigns.Kpis:
    guard(services, actor, "campaigns.read", Subject(organism=organism))
    return campaigns.kpis(services, organism, campaign_id, on)


@dataclass(frozen=True)
class Promise:
    amount: Cents
    due_on: date


def record_call(
    services: Services,
    actor: Actor,
    organism: str,
    campaign_id: int,
    target_id: int,
    outcome: str,
    on: date,
    *,
    promise: Promise | None = None,
    callback_on: date | None = None,
    note: str = "",
) -> campaigns.Outcome:
    """A call and its outcome: refused when the code is unknown, or when the promise or the
    callback the code needs is missing; the contact and the promise are recorded with it."""
    found = campaigns.check_outcome(outcome)
    guard(services, actor, "campaigns.call", Subject(organism=organism))
    facts = campaigns.target_facts(services, organism, campaign_id, target_id)
    guard_debtor(services, actor, "campaigns.call", organism, facts.debtor_ref)
    if found.needs == "promise":
        if promise is None:
            raise DomainError("promise", outcome, "une promesse demande son montant et sa date")
        guard_claim(services, actor, "promises.record", organism, facts.claim_ref)
    if found.contact != "none":
        guard_claim(services, actor, "contacts.record", organism, facts.claim_ref)
    with act(
        services,
        actor,
        "campaigns.call",
        organism=organism,
        subject=f"{organism} débiteur {facts.debtor_ref} créance {facts.claim_ref}",
        on=on,
        why=note,
    ) as current:
        campaigns.record_call(
            services, target_id, found, on, by=actor.user, callback_on=callback_on, note=note
        )
        if found.needs == "promise" and promise is not None:
            plans.promise_to_pay(
                services, organism, facts.claim_ref, promise.amount, promise.due_on, on, by=actor.user
            )
            current.note(promise={"amount": format_amount(promise.amount), "due_on": promise.due_on})
        if found.contact != "none":
            contacts.record_contact(
                services,
                organism,
                facts.claim_ref,
                on,
                contacts.ContactChannel.PHONE,
                found.contact,
                note,
                key=f"campagne:{campaign_id}:{target_id}:{on.isoformat()}:{outcome}",
                by=actor.user,
            )
        current.note(campaign=campaign_id, line=target_id, outcome=outcome, callback_on=callback_on)
    return found


def close_campaign(services: Services, actor: Actor, organism: str, campaign_id: int, on: date) -> int:
    guard(services, actor, "campaigns.manage", Subject(organism=organism))
    campaigns.campaign(services, organism, campaign_id)
    with act(
        services,
        actor,
        "campaigns.manage",
        organism=organism,
        subject=f"{organism} campagne {campaign_id}",
        on=on,
    ) as current:
        count = campaigns.close_unreached(services, campaign_id)
        current.note(campaign=campaign_id, closed_lines=count)
    return count
