"""The administrative penalty (CSS L114-17): a decision kept with the claim, not a movement of it."""

from __future__ import annotations

from datetime import date

import pytest

from recouvre.domain.model import DomainError, Responsibility
from recouvre.service import NotFound, Refused, Services
from recouvre.service.claims import view_claim
from recouvre.service.fraud import Penalty, penalties, record_penalty
from recouvre.service.prescription import prescription_state

from .conftest import ORGANISM, add_claim, add_debtor


@pytest.fixture
def fraud_claim(services: Services) -> Services:
    add_debtor(services, "D1")
    add_claim(
        services,
        "F1",
        "D1",
        [(date(2023, 1, 5), 100_000)],
        date(2024, 6, 3),
        responsibility=Responsibility.FRAUD,
        detected_on=date(2024, 5, 13),
    )
    return services


def test_a_penalty_is_recorded_once_and_changes_nothing_in_the_ledger(fraud_claim: Services) -> None:
    services = fraud_claim
    before = view_claim(services, ORGANISM, "F1", date(2024, 9, 1))
    assert record_penalty(services, ORGANISM, "F1", date(2024, 9, 1), 50_000, "PF-2024-017", "directeur")
    assert not record_penalty(services, ORGANISM, "F1", date(2024, 9, 1), 50_000, "PF-2024-017", "directeur")
    after = view_claim(services, ORGANISM, "F1", date(2024, 9, 1))
    assert (
        (after.balance, after.movements) == (before.balance, before.movements) == (110_000, before.movements)
    )
    # a separate debt: the claim's prescription is untouched (not an interruption)
    assert prescription_state(services, ORGANISM, "F1", date(2024, 9, 1)).prescription_date == date(
        2029, 5, 13
    )
    assert penalties(services, ORGANISM, "F1", date(2024, 12, 31)) == [
        Penalty("F1", date(2024, 9, 1), 50_000, "PF-2024-017", "directeur")
    ]
    assert penalties(services, ORGANISM, "F1", date(2024, 8, 31)) == []


def test_a_penalty_is_checked(fraud_claim: Services) -> None:
    services = fraud_claim
    record_penalty(services, ORGANISM, "F1", date(2024, 9, 1), 50_000, "PF-1", "directeur")
    with pytest.raises(DomainError, match="autre contenu"):
        record_penalty(services, ORGANISM, "F1", date(2024, 9, 1), 60_000, "PF-1", "directeur")
    with pytest.raises(DomainError):
        record_penalty(services, ORGANISM, "F1", date(2024, 9, 1), 0, "PF-2", "directeur")
    with pytest.raises(DomainError):
        record_penalty(services, ORGANISM, "F1", date(2024, 9, 1), 100, " ", "directeur")
    with pytest.raises(DomainError):
        record_penalty(services, ORGANISM, "F1", date(2024, 9, 1), 100, "PF-3", "")
    with pytest.raises(Refused):
        record_penalty(services, ORGANISM, "F1", date(2024, 1, 1), 100, "PF-4", "directeur")
    with pytest.raises(NotFound):
        record_penalty(services, ORGANISM, "NOPE", date(2024, 9, 1), 100, "PF-5", "directeur")
