"""Plans, promises, payments by debtor and the adjustments of procedure 8, at the service layer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from recouvre.domain.model import (
    Benefit,
    Claim,
    ClaimStatus,
    Creditor,
    Debtor,
    DebtorKind,
    DomainError,
    PaymentChannel,
    Responsibility,
    UndueLine,
)
from recouvre.service import Services
from recouvre.service.adjustments import (
    change_debtor,
    change_plan,
    consolidate,
    resume_recovery,
    set_withholding_amount,
    suspend_recovery,
    withholding_override,
)
from recouvre.service.claims import establish_claims, view_claim
from recouvre.service.cycle import run_cycle
from recouvre.service.plans import active_plan, agree_plan, pay_debtor, promise_to_pay
from recouvre.service.registry import register_debtors
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow, ClaimRow

ORG = "CAF-TEST"


def claim(ref: str, amount: int, notified: date, debtor: str = "D1") -> Claim:
    return Claim(
        ref=ref,
        organism=ORG,
        debtor_ref=debtor,
        benefit=Benefit.AF,
        creditor=Creditor.OWN,
        responsibility=Responsibility.DEBTOR_ERROR,
        lines=(UndueLine(date(2025, 6, 5), amount),),
        established_on=notified,
        notified_on=notified,
        detected_on=notified,
    )


@pytest.fixture
def portfolio(services: Services) -> Services:
    register_debtors(
        services,
        ORG,
        [
            Debtor(ref="D1", organism=ORG, kind=DebtorKind.PERSON),
            Debtor(ref="D2", organism=ORG, kind=DebtorKind.PERSON),
        ],
    )
    establish_claims(
        services,
        ORG,
        [
            claim("C1", 30_000, date(2026, 1, 10)),
            claim("C2", 10_000, date(2026, 2, 10)),
            claim("C3", 5_000, date(2026, 1, 10)),
        ],
    )
    return services


def test_payment_by_debtor_is_allocated_oldest_first_then_smallest(portfolio: Services) -> None:
    result = pay_debtor(portfolio, ORG, "D1", 40_000, date(2026, 3, 1), PaymentChannel.TRANSFER, "v1")
    # C3 and C1 were notified the same day: the smaller (C3) first, then C1, then C2.
    assert result.allocations == (("C3", 5_000), ("C1", 30_000), ("C2", 5_000))
    assert view_claim(portfolio, ORG, "C2", date(2026, 3, 1)).balance == 5_000
    again = pay_debtor(portfolio, ORG, "D1", 40_000, date(2026, 3, 1), PaymentChannel.TRANSFER, "v1")
    assert again.allocations == result.allocations
    assert view_claim(portfolio, ORG, "C2", date(2026, 3, 1)).balance == 5_000  # replay booked nothing


def test_excess_payment_by_debtor_is_kept_as_credit(portfolio: Services) -> None:
    result = pay_debtor(portfolio, ORG, "D1", 50_000, date(2026, 3, 1), PaymentChannel.CARD, "v2")
    assert result.credit == 5_000
    last = view_claim(portfolio, ORG, "C2", date(2026, 3, 1))
    assert (last.balance, last.credit, last.status) == (0, 5_000, ClaimStatus.SETTLED)


def test_plan_replaces_the_previous_one_and_launch_bounds(portfolio: Services) -> None:
    agree_plan(portfolio, ORG, "C1", 10_000, date(2026, 2, 5), date(2026, 1, 20), key="p1")
    change_plan(
        portfolio,
        ORG,
        "C1",
        5_000,
        date(2026, 3, 5),
        date(2026, 2, 20),
        by="agent.martin",
        why="baisse de revenus",
    )
    plan = active_plan(portfolio, ORG, "C1", date(2026, 2, 20))
    assert plan is not None and (plan.monthly, plan.months) == (5_000, 6)
    with pytest.raises(DomainError, match="plus que le maximum de 12"):
        change_plan(
            portfolio,
            ORG,
            "C1",
            2_000,
            date(2026, 3, 5),
            date(2026, 2, 21),
            by="a",
            why="b",
            within_launch_bounds=True,
        )
    with pytest.raises(DomainError, match="donne son motif"):
        change_plan(portfolio, ORG, "C1", 2_000, date(2026, 3, 5), date(2026, 2, 21), by="a", why=" ")


def test_suspension_stops_the_cycle_until_its_end(portfolio: Services) -> None:
    suspend_recovery(
        portfolio, ORG, "C1", date(2026, 2, 1), date(2026, 3, 31), by="agent", why="hospitalisation"
    )
    assert view_claim(portfolio, ORG, "C1", date(2026, 3, 1)).status is ClaimStatus.SUSPENDED
    run_cycle(portfolio, ORG, "2026-03", date(2026, 3, 2))
    with portfolio.db.unit_of_work() as session:
        organism_id, _ = portfolio.organism(session, ORG)
        covered = {
            ref
            for _, refs, _ in repository.letters_on(session, organism_id, date(2026, 3, 2))
            for ref in refs
        }
    assert "C1" not in covered and "C3" in covered
    assert view_claim(portfolio, ORG, "C1", date(2026, 4, 1)).status is ClaimStatus.OPEN
    resume_recovery(portfolio, ORG, "C1", date(2026, 3, 15), by="agent", why="sortie")
    assert view_claim(portfolio, ORG, "C1", date(2026, 3, 15)).status is ClaimStatus.OPEN


def test_consolidation_chains_the_plans(portfolio: Services) -> None:
    result = consolidate(
        portfolio,
        ORG,
        ["C1", "C2", "C3"],
        10_000,
        date(2026, 4, 5),
        date(2026, 3, 20),
        by="agent",
        why="un seul échéancier",
    )
    assert [(plan.claim_ref, plan.first_due) for plan in result.plans] == [
        ("C3", date(2026, 4, 5)),
        ("C1", date(2026, 5, 5)),
        ("C2", date(2026, 8, 5)),
    ]
    assert result.months == 5


def test_withholding_amount_bounds(portfolio: Services) -> None:
    with pytest.raises(DomainError, match="accord du débiteur"):
        set_withholding_amount(
            portfolio, ORG, "D1", 30_000, date(2026, 3, 1), scale_amount=19_860, by="agent", why="demande"
        )
    set_withholding_amount(
        portfolio, ORG, "D1", 5_000, date(2026, 3, 1), scale_amount=19_860, by="agent", why="charges"
    )
    with portfolio.db.unit_of_work() as session:
        organism_id, _ = portfolio.organism(session, ORG)
        debtor_id = repository.debtor_ids(session, organism_id, ["D1"])["D1"]
        assert withholding_override(session, debtor_id, date(2026, 2, 28)) is None
        assert withholding_override(session, debtor_id, date(2026, 3, 1)) == 5_000


def test_change_of_debtor_moves_the_claim_and_writes_to_the_new_debtor(portfolio: Services) -> None:
    change_debtor(portfolio, ORG, "C2", "D2", date(2026, 3, 3), by="agent", why="séparation")
    with portfolio.db.unit_of_work() as session:
        organism_id, _ = portfolio.organism(session, ORG)
        row = session.scalar(select(ClaimRow).where(ClaimRow.ref == "C2"))
        assert row is not None
        debtors = repository.debtor_ids(session, organism_id, ["D2"])
        assert row.debtor_id == debtors["D2"]
        letters = repository.letters_on(session, organism_id, date(2026, 3, 3))
        assert [(letter.type, refs, debtor) for letter, refs, debtor in letters] == [
            ("change_of_debtor", ["C2"], "D2")
        ]
        event = session.scalar(select(ClaimEventRow).where(ClaimEventRow.kind == "debtor_changed"))
        assert event is not None and event.data["why"] == "séparation" and event.data["by"] == "agent"


def test_promise_holds_reminders_then_is_found_broken(portfolio: Services) -> None:
    promise_to_pay(portfolio, ORG, "C1", 30_000, date(2026, 3, 15), date(2026, 2, 25), by="operator")
    run_cycle(portfolio, ORG, "2026-03", date(2026, 3, 2))
    assert view_claim(portfolio, ORG, "C1", date(2026, 3, 2)).balance == 30_000
    with portfolio.db.unit_of_work() as session:
        organism_id, _ = portfolio.organism(session, ORG)
        covered = {
            ref
            for _, refs, _ in repository.letters_on(session, organism_id, date(2026, 3, 2))
            for ref in refs
        }
    assert "C1" not in covered
    run_cycle(portfolio, ORG, "2026-04", date(2026, 4, 2))
    with portfolio.db.unit_of_work() as session:
        outcome = session.scalar(select(ClaimEventRow).where(ClaimEventRow.kind == "promise_outcome"))
        assert outcome is not None and outcome.data["kept"] is False


def test_plan_instalments_count_only_the_money_received_since_the_plan(portfolio: Services) -> None:
    # A promise, then a payment, then a plan on what is left: the earlier payment does not
    # pay the plan's first instalment.
    promise_to_pay(portfolio, ORG, "C3", 1_000, date(2026, 2, 10), date(2026, 2, 1), by="operator")
    from recouvre.service.payments import record_payment

    record_payment(portfolio, ORG, "C3", 1_000, date(2026, 2, 5), PaymentChannel.CARD, "early")
    agree_plan(portfolio, ORG, "C3", 1_000, date(2026, 3, 5), date(2026, 2, 20), key="p")
    run_cycle(portfolio, ORG, "2026-03", date(2026, 3, 6))
    with portfolio.db.unit_of_work() as session:
        organism_id, _ = portfolio.organism(session, ORG)
        issued = [
            (letter.type, refs)
            for letter, refs, _ in repository.letters_on(session, organism_id, date(2026, 3, 6))
        ]
    assert any(kind == "reminder_1" and "C3" in refs for kind, refs in issued), issued
