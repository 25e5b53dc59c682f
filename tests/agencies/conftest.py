"""An organism with two agencies under contract, debtors and claims; a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from argon2 import PasswordHasher

from recouvre.domain.model import Benefit, Claim, Creditor, Debtor, DebtorKind, Responsibility, UndueLine
from recouvre.security.authorization import Actor
from recouvre.service import Services, accounts, placements
from recouvre.service.claims import establish_claims
from recouvre.service.registry import register_debtors

ORG = "CAF-TEST"
PASSWORD = "un mot de passe assez long"
NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
ON = date(2026, 3, 15)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def claim(ref: str, debtor: str, cents: int, benefit: Benefit = Benefit.AL) -> Claim:
    return Claim(
        ref=ref,
        organism=ORG,
        debtor_ref=debtor,
        benefit=benefit,
        creditor=Creditor.OWN,
        responsibility=Responsibility.DEBTOR_ERROR,
        lines=(UndueLine(date(2025, 9, 5), cents),),
        established_on=date(2026, 1, 10),
        notified_on=date(2026, 1, 10),
        detected_on=date(2026, 1, 10),
    )


def staff(role: str) -> Actor:
    return Actor(f"t:{role}", frozenset({role}), organism=ORG)


def agent(agency: str) -> Actor:
    return Actor(f"agent-{agency}", frozenset({accounts.AGENCY_ROLE}), organism=ORG, agency=agency)


@pytest.fixture
def cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "hasher", lambda: hasher)


@pytest.fixture
def portfolio(services: Services) -> Services:
    services.clock = Clock(NOW)
    register_debtors(
        services,
        ORG,
        [Debtor(ref=ref, organism=ORG, kind=DebtorKind.PERSON) for ref in ("D1", "D2", "D3", "D4")]
        + [Debtor(ref="E1", organism=ORG, kind=DebtorKind.LEGAL)],
    )
    establish_claims(
        services,
        ORG,
        [
            claim("C1", "D1", 40_000),
            claim("C2", "D2", 25_000),
            claim("C3", "D3", 900_000),
            claim("C4", "D4", 5_000),
            claim("C5", "E1", 120_000, Benefit.AF),
        ],
    )
    for spec in (
        placements.AgencySpec("acme", "amicable", Decimal("8.00"), name="Acme Recouvrement"),
        placements.AgencySpec("beta", "amicable", Decimal("10.00"), capacity=2),
        placements.AgencySpec("huissier", "bailiff", Decimal("5.00")),
    ):
        placements.save_agency(services, ORG, spec)
    return services
