"""watch: the claims about to be time-barred, with one review task each (idempotent)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from recouvre.domain.model import Benefit, DomainError, PaymentChannel
from recouvre.service import Services
from recouvre.service.interruptions import registered_letter
from recouvre.service.payments import record_payment
from recouvre.service.prescription import REVIEW_TASK, watch
from recouvre.storage import repository
from recouvre.storage.tables import ClaimRow, TaskRow

from .conftest import ORGANISM, add_claim, add_debtor

ON = date(2026, 1, 10)


@pytest.fixture
def portfolio(services: Services) -> Services:
    add_debtor(services, "D1", name="Martin")
    add_debtor(services, "D2")
    # bar 2026-02-05: 26 days left
    add_claim(services, "SOON", "D1", [(date(2024, 2, 5), 40_000)], date(2024, 3, 1))
    # line 1 barred 2025-12-05, line 2 bar 2026-03-20: 69 days left, 100.00 already time-barred
    add_claim(
        services, "PART", "D2", [(date(2023, 12, 5), 10_000), (date(2024, 3, 20), 20_000)], date(2024, 4, 1)
    )
    # bar 2026-06-05: beyond 90 days
    add_claim(services, "LATER", "D1", [(date(2024, 6, 5), 30_000)], date(2024, 7, 1))
    # already prescribed (bar 2025-11-05)
    add_claim(services, "GONE", "D2", [(date(2023, 11, 5), 30_000)], date(2024, 1, 1))
    # settled: nothing to lose
    add_claim(services, "PAID", "D2", [(date(2024, 2, 5), 5_000)], date(2024, 3, 1))
    record_payment(services, ORGANISM, "PAID", 5_000, date(2024, 4, 1), PaymentChannel.CARD, key="x")
    # under the RSA recovery minimum (77.00): not recovered anyway
    add_claim(services, "SMALL", "D1", [(date(2024, 2, 5), 5_000)], date(2024, 3, 1), benefit=Benefit.RSA)
    # transferred to the département
    add_claim(services, "AWAY", "D1", [(date(2024, 2, 5), 50_000)], date(2024, 3, 1))
    with services.db.unit_of_work() as session:
        away = session.scalar(select(ClaimRow.id).where(ClaimRow.ref == "AWAY"))
        assert away is not None
        repository.add_claim_event(session, "t:AWAY", away, date(2025, 1, 1), "transferred", {})
    return services


def tasks(services: Services) -> list[tuple[str, str, date, date | None]]:
    with services.db.unit_of_work() as session:
        rows = session.execute(
            select(TaskRow.key, TaskRow.type, TaskRow.created_on, TaskRow.due_on).order_by(TaskRow.key)
        )
        return [(key, kind, created, due) for key, kind, created, due in rows]


def test_watch_lists_the_claims_within_the_horizon(portfolio: Services) -> None:
    items = watch(portfolio, ORGANISM, ON, 90)
    assert [item.claim_ref for item in items] == ["SOON", "PART"]
    soon, part = items
    assert (soon.debtor_ref, soon.debtor_name, soon.benefit) == ("D1", "Martin", "AF")
    assert (soon.balance, soon.time_barred, soon.at_risk) == (40_000, 0, 40_000)
    assert (soon.prescription_date, soon.days_left, soon.review_due_on) == (
        date(2026, 2, 5),
        26,
        date(2026, 1, 26),
    )
    assert (part.balance, part.time_barred, part.at_risk) == (30_000, 10_000, 20_000)
    assert (part.prescription_date, part.days_left) == (date(2026, 3, 20), 69)
    assert soon.task_queued and part.task_queued
    assert tasks(portfolio) == [
        (f"{ORGANISM}:PART:{REVIEW_TASK}:2026-03-20", REVIEW_TASK, ON, date(2026, 3, 10)),
        (f"{ORGANISM}:SOON:{REVIEW_TASK}:2026-02-05", REVIEW_TASK, ON, date(2026, 1, 26)),
    ]


def test_watch_is_idempotent(portfolio: Services) -> None:
    first = watch(portfolio, ORGANISM, ON, 90)
    again = watch(portfolio, ORGANISM, ON, 90)
    assert [item.claim_ref for item in again] == [item.claim_ref for item in first]
    assert not any(item.task_queued for item in again)
    assert len(tasks(portfolio)) == 2
    # a later run lists the same claims without queuing their tasks again
    later = watch(portfolio, ORGANISM, date(2026, 1, 20), 90)
    assert [(item.claim_ref, item.task_queued) for item in later] == [("SOON", False), ("PART", False)]


def test_an_interruption_moves_the_claim_out_and_a_new_date_gets_a_new_task(portfolio: Services) -> None:
    watch(portfolio, ORGANISM, ON, 90)
    registered_letter(portfolio, ORGANISM, "SOON", date(2026, 1, 12), "delivered")
    items = watch(portfolio, ORGANISM, date(2026, 1, 12), 90)
    assert [item.claim_ref for item in items] == ["PART"]
    far = watch(portfolio, ORGANISM, date(2026, 1, 12), 800)
    assert [(item.claim_ref, item.prescription_date, item.task_queued) for item in far] == [
        ("PART", date(2026, 3, 20), False),
        ("LATER", date(2026, 6, 5), True),
        ("SOON", date(2028, 1, 12), True),
    ]


def test_horizon_bounds_and_review_never_due_before_the_watch_date(portfolio: Services) -> None:
    # the horizon includes its last day; the watch date itself is excluded (already prescribed)
    assert [item.claim_ref for item in watch(portfolio, ORGANISM, ON, 26)] == ["SOON"]
    assert watch(portfolio, ORGANISM, ON, 25) == []
    assert watch(portfolio, ORGANISM, date(2026, 2, 5), 10) == []
    (item,) = watch(portfolio, ORGANISM, date(2026, 2, 1), 10)
    assert item.review_due_on == date(2026, 2, 1)
    with pytest.raises(DomainError):
        watch(portfolio, ORGANISM, ON, -1)
