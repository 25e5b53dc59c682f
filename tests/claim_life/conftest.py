"""Helpers for the claim-life tests: one organism, debtors and claims built in a line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from recouvre.domain.model import (
    Benefit,
    Claim,
    Creditor,
    DatedValue,
    Debtor,
    DebtorKind,
    Responsibility,
    UndueLine,
)
from recouvre.service import Services
from recouvre.service.claims import establish_claims
from recouvre.service.registry import register_debtors

ORG = "CAF-TEST"


def make_claim(
    ref: str,
    *,
    debtor: str = "D1",
    benefit: Benefit = Benefit.AL,
    responsibility: Responsibility = Responsibility.DEBTOR_ERROR,
    lines: tuple[tuple[date, int], ...] = ((date(2025, 9, 5), 40_000),),
    notified_on: date | None = date(2026, 1, 10),
    established_on: date | None = None,
    creditor: Creditor = Creditor.OWN,
) -> Claim:
    return Claim(
        ref=ref,
        organism=ORG,
        debtor_ref=debtor,
        benefit=benefit,
        creditor=creditor,
        responsibility=responsibility,
        lines=tuple(UndueLine(paid_on, amount) for paid_on, amount in lines),
        established_on=established_on or notified_on or date(2026, 1, 10),
        notified_on=notified_on,
        detected_on=established_on or notified_on or date(2026, 1, 10),
    )


Setup = Callable[..., None]


@pytest.fixture
def services(any_services: Services) -> Services:
    """Every claim-life service test runs on SQLite and on PostgreSQL (when available)."""
    return any_services


@pytest.fixture
def setup(services: Services) -> Setup:
    """``setup(claim, ..., quotient=70_000)``: register D1 and D2, then establish the claims."""

    def _setup(*claims: Claim, quotient: int | None = 70_000) -> None:
        quotients = () if quotient is None else (DatedValue(date(2020, 1, 1), quotient),)
        register_debtors(
            services,
            ORG,
            [
                Debtor(ref=ref, organism=ORG, kind=DebtorKind.PERSON, prp_quotients=quotients)
                for ref in ("D1", "D2")
            ],
        )
        establish_claims(services, ORG, list(claims))

    return _setup
