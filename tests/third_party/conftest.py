"""Helpers for the third-party tests: one Caf, two debtors (D1 still paid benefits, D2 not)."""

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
    benefit: Benefit = Benefit.RSA,
    creditor: Creditor = Creditor.DEPARTEMENT,
    amount: int = 60_000,
    notified_on: date = date(2026, 1, 10),
    responsibility: Responsibility = Responsibility.DEBTOR_ERROR,
) -> Claim:
    return Claim(
        ref=ref,
        organism=ORG,
        debtor_ref=debtor,
        benefit=benefit,
        creditor=creditor,
        responsibility=responsibility,
        lines=(UndueLine(date(2025, 9, 5), amount),),
        established_on=notified_on,
        notified_on=notified_on,
        detected_on=notified_on,
    )


Setup = Callable[..., None]


@pytest.fixture
def services(any_services: Services) -> Services:
    """Every third-party service test runs on SQLite and on PostgreSQL (when available)."""
    return any_services


@pytest.fixture
def setup(services: Services) -> Setup:
    def _setup(*claims: Claim) -> None:
        register_debtors(
            services,
            ORG,
            [
                Debtor(
                    ref=ref,
                    organism=ORG,
                    kind=DebtorKind.PERSON,
                    name=f"Débiteur {ref}",
                    address="1 rue de la Paix, 44000 Nantes",
                    prp_quotients=(DatedValue(date(2020, 1, 1), 70_000),),
                    receives_benefits=ref == "D1",
                )
                for ref in ("D1", "D2")
            ],
        )
        establish_claims(services, ORG, list(claims))

    return _setup
