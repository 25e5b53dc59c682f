"""Delegated recovery beyond the placement itself (SCENARIOS.md "Agencies"): the agencies'
contracts, the payments they collect with their commission, the recall on request of a
claim's placement with a named agency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from recouvre.domain.errors import Refused
from recouvre.domain.model import DomainError
from recouvre.domain.money import Cents, format_amount
from recouvre.security.authorization import Actor, Forbidden, Subject
from recouvre.service import (
    agency_reports,
    agency_work,
    decisions,
    door,
    letters,
    placements,
    plans,
    subjects,
    trail,
)
from recouvre.service.commands.delegation import place_claim
from recouvre.service.context import Services
from recouvre.service.door import guard, on_claim


def save_agency(
    services: Services, actor: Actor, organism: str, spec: placements.AgencySpec, why: str = ""
) -> placements.AgencyView:
    """Register an agency or bailiff under contract, or change its contract."""
    guard(services, actor, "agencies.manage", Subject(organism=organism))
    with door.act(
        services, actor, "agencies.manage", organism=organism, subject=f"agence {spec.code}", why=why
    ) as current:
        view, new = placements.save_agency(services, organism, spec)
        current.note(**view.audit(), new=new)
        return view


def list_agencies(services: Services, actor: Actor, organism: str) -> list[placements.AgencyView]:
    guard(services, actor, "agencies.read", Subject(organism=organism))
    return placements.list_agencies(services, organism)


def record_agency_payment(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    agency: str,
    amount: Cents,
    on: date,
    key: str,
    why: str = "",
) -> placements.AgencyPaymentView:
    """A payment collected by ``agency`` on a claim placed with it (its commission accrues). An
    agency's own user books only for its own agency."""
    if actor.agency is not None:  # an agency books what it collected itself, nothing else
        agency = actor.agency
    return on_claim(
        services,
        actor,
        "payments.record",
        organism,
        claim_ref,
        on,
        why,
        lambda: placements.record_agency_payment(services, organism, claim_ref, agency, amount, on, key),
        lambda done: {
            "agency_payment": done.movement_key,
            "agency": done.agency,
            "amount": format_amount(done.amount),
            "commission": format_amount(done.commission),
        },
    )


def recall_claim(
    services: Services, actor: Actor, organism: str, claim_ref: str, agency: str, on: date, why: str = ""
) -> placements.PlacementState:
    """Recall the claim's placement with ``agency`` (the organism's request)."""
    return on_claim(
        services,
        actor,
        "placements.manage",
        organism,
        claim_ref,
        on,
        why,
        lambda: placements.recall_claim(services, organism, claim_ref, agency, on, by=actor.user, why=why),
        lambda done: {"recalled": done.placement_id, "agency": done.agency},
    )


def load_contracts(
    services: Services, actor: Actor, organism: str, specs: list[placements.AgencySpec], why: str = ""
) -> list[tuple[placements.AgencyView, bool]]:
    """Save the contracts of a file, all in one act (all or nothing)."""
    guard(services, actor, "agencies.manage", Subject(organism=organism))
    with door.act(
        services, actor, "agencies.manage", organism=organism, subject=f"contrats ({len(specs)})", why=why
    ) as current:
        saved = [placements.save_agency(services, organism, spec) for spec in specs]
        current.note(agencies=[view.code for view, _ in saved], new=sum(1 for _, new in saved if new))
        return saved


def deny(
    services: Services, actor: Actor, action: str, organism: str, subject: str, reason: str
) -> Forbidden:
    """Record a denial in the audit trail (as ``guard`` does) and return the error to raise."""
    trail.record(
        services, trail.Entry(actor.user, action, "denied", organism=organism, subject=subject, why=reason)
    )
    return Forbidden(action, reason)


def guard_agency(services: Services, actor: Actor, action: str, organism: str, agency: str) -> None:
    """Internal staff with ``action``; an agency's own user only for its own agency."""
    guard(services, actor, action, Subject(organism=organism))
    if actor.agency is not None and actor.agency != agency:
        raise deny(
            services, actor, action, organism, f"agence {agency}", f"réservé à l'agence {actor.agency}"
        )


def plan_placements(
    services: Services, actor: Actor, organism: str, on: date, rules: agency_work.PlacementRules
) -> list[agency_work.PlannedPlacement]:
    """What a placement by rules would do (nothing is placed)."""
    guard(services, actor, "placements.manage", Subject(organism=organism))
    return agency_work.plan_placements(services, organism, on, rules)


@dataclass(frozen=True)
class RulesOutcome:
    placed: list[subjects.PlacementView]
    refused: list[tuple[str, str, str]]
    """``(claim, agency, reason)`` of the planned placements the rules refused when done."""


def place_by_rules(
    services: Services,
    actor: Actor,
    organism: str,
    on: date,
    rules: agency_work.PlacementRules,
    why: str = "",
) -> RulesOutcome:
    """Place the claims ``rules`` select, one by one (each placement its own authorised act)."""
    outcome = RulesOutcome([], [])
    for planned in plan_placements(services, actor, organism, on, rules):
        try:
            outcome.placed.append(
                place_claim(
                    services, actor, organism, planned.claim_ref, planned.agency, on, why or planned.reason
                )
            )
        except (Refused, DomainError) as error:
            outcome.refused.append((planned.claim_ref, planned.agency, str(getattr(error, "reason", error))))
    return outcome


def handover(
    services: Services, actor: Actor, organism: str, agency: str, on: date
) -> list[agency_work.HandoverFile]:
    """The files placed with ``agency`` on ``on`` (the handover file, the agency's list)."""
    guard_agency(
        services, actor, "agencies.read" if actor.agency is None else "agencies.report", organism, agency
    )
    return agency_work.handover(services, organism, agency, on)


# The agency's portal: reports on its files, and the organism's decisions -----------------------------


def report(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    kind: str,
    on: date,
    data: dict[str, object],
    *,
    key: str,
    why: str = "",
) -> agency_reports.ReportView:
    """An agency reports on a file placed with it (authorised on the claim's placement today)."""
    if actor.agency is None:
        raise deny(
            services,
            actor,
            "agencies.report",
            organism,
            f"créance {claim_ref}",
            "seule une agence rend compte de ses dossiers",
        )
    agency = actor.agency
    return on_claim(
        services,
        actor,
        "agencies.report",
        organism,
        claim_ref,
        on,
        why,
        lambda: agency_reports.record_report(
            services, organism, claim_ref, agency, kind, on, data, by=actor.user, key=key
        ),
        lambda done: {"report": done.id, "kind": done.kind, "agency": done.agency, "status": done.status},
    )


def decide_report(
    services: Services,
    actor: Actor,
    organism: str,
    report_id: int,
    approve: bool,
    on: date,
    why: str = "",
) -> agency_reports.ReportView:
    """The organism approves or refuses an agency's proposal: an approved payment facility is
    agreed as an instalment plan; an approved write-off proposal becomes a write-off proposal
    of the maker-checker procedure (decided by another person)."""
    guard(services, actor, "agencies.decide", Subject(organism=organism))
    found = agency_reports.get_report(services, organism, report_id)
    if found.kind not in agency_reports.DECIDED_KINDS:
        raise DomainError("report", report_id, "ce compte rendu n'appelle pas de décision")

    def run() -> agency_reports.ReportView:
        decided = agency_reports.mark_decided(
            services, organism, report_id, approve, on, by=actor.user, why=why
        )
        if approve and found.kind == "facility":
            monthly = found.data["monthly"]
            assert isinstance(monthly, int)
            plans.agree_plan(
                services,
                organism,
                found.claim_ref,
                monthly,
                date.fromisoformat(str(found.data["first_due"])),
                on,
                key=f"agency-report:{report_id}",
                by=actor.user,
                why=why or f"facilité proposée par {found.agency}",
            )
        if approve and found.kind == "write_off":
            decisions.propose_write_off(
                services,
                organism,
                found.claim_ref,
                on,
                reasons=str(found.data["reasons"]),
                by=actor.user,
                why=why or f"proposition de {found.agency} : {found.data['evidence']}",
            )
        return decided

    return on_claim(
        services,
        actor,
        "agencies.decide",
        organism,
        found.claim_ref,
        on,
        why,
        run,
        lambda done: {"report": done.id, "kind": done.kind, "status": done.status},
    )


def list_reports(
    services: Services,
    actor: Actor,
    organism: str,
    *,
    claim_ref: str | None = None,
    status: str | None = None,
    kind: str | None = None,
) -> list[agency_reports.ReportView]:
    """The agencies' reports; an agency sees only its own, on the files placed with it today."""
    if actor.agency is None:
        guard(services, actor, "agencies.read", Subject(organism=organism))
        return agency_reports.list_reports(services, organism, claim_ref=claim_ref, status=status, kind=kind)
    if claim_ref is not None:
        door.guard_claim(services, actor, "agencies.report", organism, claim_ref)
    else:
        guard(services, actor, "agencies.report", Subject(organism=organism))
    visible = {
        item.claim_ref
        for item in agency_work.handover(services, organism, actor.agency, door.today(services))
    }
    return [
        item
        for item in agency_reports.list_reports(
            services, organism, claim_ref=claim_ref, agency=actor.agency, status=status, kind=kind
        )
        if item.claim_ref in visible
    ]


def agency_statements(
    services: Services, actor: Actor, organism: str, month: str, agency: str | None = None
) -> list[agency_reports.StatementLine]:
    """The monthly statements (an agency reads only its own)."""
    if actor.agency is not None:
        agency = actor.agency
        guard(services, actor, "agencies.report", Subject(organism=organism))
    else:
        guard(services, actor, "agencies.read", Subject(organism=organism))
    return agency_reports.statements(services, organism, month, agency)


def agency_league(
    services: Services, actor: Actor, organism: str, start: date, end: date
) -> list[agency_reports.LeagueRow]:
    """The agencies' league table (the organism's steering)."""
    guard(services, actor, "agencies.read", Subject(organism=organism))
    return agency_reports.league(services, organism, start, end)


def handover_titles(
    services: Services, actor: Actor, organism: str, agency: str, on: date
) -> list[tuple[str, int, bytes]]:
    """The PDFs of the enforceable titles of the files placed with a bailiff on ``on``:
    ``(claim, letter id, PDF)``, handed over with the file (issue 11, procedure 11)."""
    files = handover(services, actor, organism, agency, on)
    return [
        (item.claim_ref, letter, letters.render(services, letter))
        for item in files
        for letter in item.title_letters
    ]
