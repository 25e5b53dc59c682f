"""CNSS amnesty campaigns: applications, the simulation of a campaign on the current portfolio,
and the letters offering it (SCENARIOS.md "CNSS amnesty"; rules in ``recouvre.domain.amnesty``;
grids in the dated policy ``cnss.amnesty`` and ``cnss.amnesty_max_plan_months``).

The remission itself is booked by ``service.amnesty_settlement`` on the day the credits reach
the principal; the lapse on the plan's default is written by the monthly cycle.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from recouvre.domain.amnesty import OPTIONS, application_refusal, instalments, remission_owed
from recouvre.domain.ledger import MovementKind
from recouvre.domain.model import Benefit
from recouvre.domain.money import Cents
from recouvre.policy import Policy
from recouvre.service import amnesty_settlement
from recouvre.service.amnesty_settlement import AMNESTY, AmnestyState, amnesty_state
from recouvre.service.claims import find_claim, movement_key
from recouvre.service.context import Services, refuse
from recouvre.service.plans import plan_rows_for
from recouvre.storage import repository
from recouvre.storage.repository import LetterDraft
from recouvre.storage.tables import ClaimEventRow, ClaimRow, DebtorRow, MovementRow

GRID_KEY = "cnss.amnesty"
MAX_PLAN_KEY = "cnss.amnesty_max_plan_months"
CONTRIBUTION = Benefit.CONTRIB.value
OFFER = "amnesty_offer"


def grid(policy: Policy, on: date) -> dict[str, Decimal] | None:
    """The campaign's grid in force on ``on`` (``None``: no campaign open)."""
    found = policy.rates(GRID_KEY, on) if GRID_KEY in policy else None
    return None if found is None else dict(found)


def max_plan_months(policy: Policy, on: date) -> int:
    return policy.whole(MAX_PLAN_KEY, on) if MAX_PLAN_KEY in policy else 0


def apply_amnesty(
    services: Services, organism_code: str, claim_ref: str, option: str, on: date
) -> AmnestyState:
    """Record an employer's application for the campaign in force on ``on`` (refused otherwise);
    when the principal is already paid, the remission is booked at once."""
    subject = f"claim {claim_ref}"
    with services.db.unit_of_work() as session:
        organism, row = find_claim(services, session, organism_code, claim_ref)
        policy = services.policy(organism)
        rates = grid(policy, on)
        plan = plan_rows_for(session, [row.id], on).get(row.id)
        count = None if plan is None else instalments(plan.total_cents, plan.monthly_cents)
        why = application_refusal(row.benefit, option, rates, count, max_plan_months(policy, on))
        if why is None:
            earlier = amnesty_state(session, row.id, on)
            if earlier is not None and earlier.status != "lapsed":
                why = (
                    f"une demande d'amnistie est déjà enregistrée sur cette créance (le {earlier.applied_on})"
                )
    if why is not None:
        raise refuse(services, organism_code, on, AMNESTY, subject, why)
    assert rates is not None
    rate = rates[option]
    with services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        repository.add_claim_event(
            session,
            movement_key(organism_code, claim_ref, AMNESTY, on.isoformat()),
            row.id,
            on,
            AMNESTY,
            {"option": option, "rate": str(rate), "instalments": count},
        )
        session.flush()
        amnesty_settlement.settle(session, services, row, on)
        state = amnesty_state(session, row.id, on)
    assert state is not None
    return state


def state_of(services: Services, organism_code: str, claim_ref: str, on: date) -> AmnestyState | None:
    with services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        return amnesty_state(session, row.id, on)


# -- simulation ----------------------------------------------------------------------------------


@dataclass
class OptionOutcome:
    """What a campaign would do if every eligible claim took one option."""

    option: str
    rate: Decimal
    remitted: Cents = 0
    """Surcharges and costs given up (the campaign's cost)."""
    principal_to_collect: Cents = 0
    """The principal still owed on those claims: what the campaign would bring in if paid."""


@dataclass
class Simulation:
    organism: str
    on: date
    grid: dict[str, Decimal]
    grid_source: str
    claims: int = 0
    employers: int = 0
    principal_due: Cents = 0
    surcharges_and_costs: Cents = 0
    outcomes: list[OptionOutcome] = field(default_factory=list)


@dataclass(frozen=True)
class EligibleClaim:
    claim_id: int
    ref: str
    debtor_id: int
    principal: Cents
    balance: Cents
    credits: Cents
    base: Cents
    """Surcharges and costs booked."""

    @property
    def principal_owed(self) -> Cents:
        return max(0, self.principal - self.credits)


def eligible_claims(services: Services, organism_code: str, on: date) -> list[EligibleClaim]:
    """Contribution claims with a balance on ``on``, not already remitted under an amnesty, with
    their principal, credits, and surcharges and costs (one grouped statement)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        credit = MovementRow.kind.in_([MovementKind.PAYMENT.value, MovementKind.WITHHOLDING.value])
        extra = MovementRow.kind.in_([MovementKind.SURCHARGE.value, MovementKind.COSTS.value])
        query = (
            select(
                ClaimRow.id,
                ClaimRow.ref,
                ClaimRow.debtor_id,
                ClaimRow.principal_cents,
                func.sum(MovementRow.signed_cents),
                func.sum(MovementRow.signed_cents).filter(credit),
                func.sum(MovementRow.signed_cents).filter(extra),
            )
            .join(MovementRow, MovementRow.claim_id == ClaimRow.id)
            .where(
                ClaimRow.organism_id == organism_id,
                ClaimRow.benefit == CONTRIBUTION,
                MovementRow.booked_on <= on,
            )
            .group_by(ClaimRow.id, ClaimRow.ref, ClaimRow.debtor_id, ClaimRow.principal_cents)
            .order_by(ClaimRow.ref)
        )
        found = [
            EligibleClaim(ident, ref, debtor, principal, int(total or 0), -int(credits or 0), int(base or 0))
            for ident, ref, debtor, principal, total, credits, base in session.execute(query)
            if int(total or 0) > 0
        ]
        done = set(
            session.scalars(
                select(ClaimEventRow.claim_id)
                .join(ClaimRow, ClaimRow.id == ClaimEventRow.claim_id)
                .where(
                    ClaimRow.organism_id == organism_id,
                    ClaimEventRow.kind == amnesty_settlement.REMITTED,
                    ClaimEventRow.occurred_on <= on,
                )
            )
        )
    return [claim for claim in found if claim.claim_id not in done]


def simulate(services: Services, organism_code: str, on: date, policy: Policy) -> Simulation:
    """What the campaign in force on ``on`` (or, outside campaigns, the last one encoded) would
    cost and bring in on the current portfolio, option by option: the surcharges and costs it
    would remit, and the principal it would bring in if every eligible employer paid it."""
    rates = grid(policy, on)
    source = policy.version(GRID_KEY, on).reference if rates is not None else ""
    if rates is None:  # outside campaigns: the latest grid encoded, to weigh a new campaign
        for version in reversed(policy.versions(GRID_KEY)):
            if version.value is not None:
                rates, source = (
                    dict(version.value),
                    f"(aucune campagne ouverte ; grille du {version.valid_from}) {version.reference}",
                )
                break
    simulation = Simulation(organism_code, on, rates or {}, source)
    claims = eligible_claims(services, organism_code, on)
    simulation.claims = len(claims)
    simulation.employers = len({claim.debtor_id for claim in claims})
    simulation.principal_due = sum(claim.principal_owed for claim in claims)
    simulation.surcharges_and_costs = sum(claim.base for claim in claims)
    for option in OPTIONS:
        rate = (rates or {}).get(option, Decimal(0))
        outcome = OptionOutcome(option, rate)
        for claim in claims:
            balance_when_paid = claim.balance - claim.principal_owed
            outcome.remitted += remission_owed(rate, claim.base, balance_when_paid) if rate else 0
            outcome.principal_to_collect += claim.principal_owed if rate else 0
        simulation.outcomes.append(outcome)
    return simulation


# -- letters offering the campaign ---------------------------------------------------------------


def offer_letters(services: Services, organism_code: str, on: date) -> int:
    """Issue one ``amnesty_offer`` letter per employer with eligible claims (surcharges or costs
    booked, no amnesty applied) while a campaign is open on ``on``; returns how many were new."""
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        policy = services.policy(organism)
    rates = grid(policy, on)
    if rates is None:
        raise refuse(
            services,
            organism_code,
            on,
            OFFER,
            organism_code,
            "aucune campagne d'amnistie ouverte à cette date",
        )
    claims = [claim for claim in eligible_claims(services, organism_code, on) if claim.base > 0]
    by_debtor: dict[int, list[EligibleClaim]] = defaultdict(list)
    with services.db.unit_of_work() as session:
        applied = set(
            session.scalars(
                select(ClaimEventRow.claim_id)
                .join(ClaimRow, ClaimRow.id == ClaimEventRow.claim_id)
                .where(
                    ClaimRow.organism_id == organism_id,
                    ClaimEventRow.kind == AMNESTY,
                    ClaimEventRow.occurred_on <= on,
                )
            )
        )
        for claim in claims:
            if claim.claim_id not in applied:  # an employer who applied is not offered it again
                by_debtor[claim.debtor_id].append(claim)
        refs: dict[int, str] = {}
        if by_debtor:
            query = select(DebtorRow.id, DebtorRow.ref).where(DebtorRow.id.in_(list(by_debtor)))
            refs = {ident: ref for ident, ref in session.execute(query)}
        campaign = policy.version(GRID_KEY, on).valid_from.isoformat()
        drafts = [
            LetterDraft(
                f"{organism_code}:{refs[debtor]}:{OFFER}:{campaign}",
                organism_id,
                debtor,
                OFFER,
                on,
                tuple(claim.claim_id for claim in covered),
                None,
                {
                    "claims": [claim.ref for claim in covered],
                    "rates": {option: str(rate) for option, rate in rates.items()},
                    "max_plan_months": max_plan_months(policy, on),
                    "campaign": campaign,
                },
            )
            for debtor, covered in sorted(by_debtor.items())
        ]
        return repository.insert_letters(session, drafts) if drafts else 0
