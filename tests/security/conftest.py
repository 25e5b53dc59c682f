"""Services with a fixed clock, an organism, two debtors and claims; cheap argon2 on demand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from recouvre.domain.model import Benefit, Claim, Creditor, Debtor, DebtorKind, Responsibility, UndueLine
from recouvre.service import Services, accounts
from recouvre.service.claims import establish_claims
from recouvre.service.registry import register_debtors

ORG = "CAF-TEST"
PASSWORD = "un mot de passe assez long"
NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with test-sized costs (production costs take 0.25 s per hash)."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "hasher", lambda: hasher)


@pytest.fixture
def clock(services: Services) -> Clock:
    found = Clock(NOW)
    services.clock = found
    return found


def claim(ref: str, debtor: str = "D1", cents: int = 40_000) -> Claim:
    return Claim(
        ref=ref,
        organism=ORG,
        debtor_ref=debtor,
        benefit=Benefit.AL,
        creditor=Creditor.OWN,
        responsibility=Responsibility.DEBTOR_ERROR,
        lines=(UndueLine(date(2025, 9, 5), cents),),
        established_on=date(2026, 1, 10),
        notified_on=date(2026, 1, 10),
        detected_on=date(2026, 1, 10),
    )


@pytest.fixture
def portfolio(services: Services, clock: Clock) -> Services:
    register_debtors(
        services, ORG, [Debtor(ref=ref, organism=ORG, kind=DebtorKind.PERSON) for ref in ("D1", "D2")]
    )
    establish_claims(services, ORG, [claim("C1"), claim("C2", "D2", 25_000)])
    return services
