"""CNSS payment facilities: the conditions (current contributions paid, maximum length, down
payment) and the organism's own share of arrangements not honoured."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from recouvre.domain.errors import Refused
from recouvre.domain.facilities import PlanFacts, honoured_share
from recouvre.domain.model import (
    Benefit,
    Claim,
    Country,
    Creditor,
    Debtor,
    DebtorKind,
    Organism,
    PaymentChannel,
    Responsibility,
    UndueLine,
)
from recouvre.security.authorization import Actor
from recouvre.service import Services, commands, queries
from recouvre.service.claims import establish_claims
from recouvre.service.registry import ensure_organism, register_debtors
from recouvre.storage.database import Database

MA = "CNSS-F"
SYSTEM = Actor("cli:system", frozenset({"system"}))
AGENT = Actor("agent", frozenset({"case_worker"}), organism=MA)


def _claim(ref: str, debtor: str, cents: int, due: date) -> Claim:
    return Claim(
        ref=ref,
        organism=MA,
        debtor_ref=debtor,
        benefit=Benefit.CONTRIB,
        creditor=Creditor.OWN,
        responsibility=Responsibility.DEBTOR_ERROR,
        lines=(UndueLine(due, cents),),
        established_on=due,
        notified_on=due,
        detected_on=due,
    )


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    found = Services(Database(f"sqlite:///{tmp_path}/f.db"))
    ensure_organism(found, Organism(code=MA, country=Country.MA, name="CNSS"))
    register_debtors(
        found, MA, [Debtor(ref=ref, organism=MA, kind=DebtorKind.LEGAL, name=ref) for ref in ("E1", "E2")]
    )
    claims = [
        _claim("OLD", "E1", 1_200_000, date(2025, 10, 10)),
        _claim("NEW", "E1", 100_000, date(2026, 2, 10)),
        _claim("E2-OLD", "E2", 600_000, date(2025, 10, 10)),
    ]
    establish_claims(found, MA, claims)
    for claim in claims:
        commands.record_contribution_due(
            found, SYSTEM, MA, claim.ref, claim.lines[0].paid_on, claim.established_on
        )
    try:
        yield found
    finally:
        found.db.dispose()


def test_current_contributions_must_be_paid_first(services: Services) -> None:
    on = date(2026, 3, 1)
    with pytest.raises(Refused, match=r"cotisations courantes.*NEW"):
        commands.cnss.grant_facility(services, AGENT, MA, "OLD", 100_000, date(2026, 4, 1), on, key="f1")
    commands.record_payment(services, AGENT, MA, "NEW", 100_000, on, PaymentChannel.TRANSFER, key="p1")
    plan = commands.cnss.grant_facility(services, AGENT, MA, "OLD", 100_000, date(2026, 4, 1), on, key="f2")
    assert plan.months == 12


def test_maximum_length_and_down_payment(services: Services) -> None:
    on = date(2026, 3, 1)
    with pytest.raises(Refused, match="61 échéances"):  # 6 000.00 at 100.00 = 60, the max; 6 001 would be 61
        commands.cnss.grant_facility(services, AGENT, MA, "E2-OLD", 9_999, date(2026, 4, 1), on, key="f3")
    plan = commands.cnss.grant_facility(
        services, AGENT, MA, "E2-OLD", 50_000, date(2026, 4, 1), on, down_payment=100_000, key="f4"
    )
    assert plan.total == 500_000 and plan.months == 10
    assert queries.claim(services, MA, "E2-OLD", on).balance == "5000.00"


def test_honoured_share_counts_plans_with_an_uncovered_instalment() -> None:
    plans = [
        PlanFacts(date(2026, 1, 1), 10_000, 60_000, 30_000),  # 3 due, 3 covered
        PlanFacts(date(2026, 1, 1), 10_000, 60_000, 10_000),  # 3 due, 1 covered
        PlanFacts(date(2026, 5, 1), 10_000, 60_000, 0),  # nothing due yet: not counted
    ]
    share = honoured_share(plans, date(2026, 3, 15))
    assert (share.plans, share.not_honoured, share.instalments_due, share.instalments_unpaid) == (2, 1, 6, 2)
    assert share.share_not_honoured == Decimal("50.00")
    assert share.share_instalments_unpaid == Decimal("33.33")


def test_the_organism_share_next_to_rules_53(services: Services) -> None:
    on = date(2026, 3, 1)
    commands.record_payment(services, AGENT, MA, "NEW", 100_000, on, PaymentChannel.TRANSFER, key="p1")
    commands.cnss.grant_facility(services, AGENT, MA, "OLD", 100_000, date(2026, 4, 1), on, key="f5")
    commands.cnss.grant_facility(services, AGENT, MA, "E2-OLD", 100_000, date(2026, 4, 1), on, key="f6")
    commands.record_payment(
        services, AGENT, MA, "OLD", 100_000, date(2026, 4, 1), PaymentChannel.TRANSFER, key="p2"
    )
    stats = commands.cnss.facility_stats(services, SYSTEM, MA, date(2026, 4, 15))
    assert (stats.share.plans, stats.share.not_honoured, stats.facilities) == (2, 1, 2)
    assert stats.share.share_not_honoured == Decimal("50.00")
    assert stats.rules_share_not_honoured == 53


def test_a_down_payment_the_policy_asks_for_is_required() -> None:
    from recouvre.domain.facilities import down_payment_required, facility_refusal

    required = down_payment_required(1_000_000, Decimal(10))
    assert required == 100_000
    assert "acompte d'au moins 1000,00" in (facility_refusal("CONTRIB", 12, 60, 50_000, required, []) or "")
    assert facility_refusal("CONTRIB", 12, 60, 100_000, required, []) is None
    assert down_payment_required(1_000_000, Decimal(0)) == 0
    assert "CONTRIB" in (facility_refusal("AF", 12, 60, 0, 0, []) or "")
