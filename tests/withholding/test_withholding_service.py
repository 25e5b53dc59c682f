"""The withholding service: eligibility, idempotent runs, all or nothing, stored explanations."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from recouvre.domain.model import (
    Benefit,
    Country,
    Debtor,
    DebtorKind,
    DomainError,
    Organism,
    PaymentChannel,
    Responsibility,
)
from recouvre.domain.withholding import BenefitPayment, explain_in_french
from recouvre.service import BatchRejected, NotFound, Services
from recouvre.service.claims import view_claim
from recouvre.service.eligibility import recoverable_claims
from recouvre.service.payments import record_payment, reverse
from recouvre.service.registry import ensure_organism, register_debtors
from recouvre.service.withholding import WithholdingOutcome, apply_benefit_payments, explain
from recouvre.storage import repository
from recouvre.storage.tables import ClaimRow, ClaimStateRow

from .conftest import ORGANISM, add_claim, add_debtor, counts

PAID = date(2020, 3, 5)


def payment(debtor: str, regular: int, *, on: date = PAID) -> BenefitPayment:
    return BenefitPayment(debtor, on, {"AF": regular})


def run(services: Services, payments: list[BenefitPayment], run_id: str) -> list[WithholdingOutcome]:
    return apply_benefit_payments(services, ORGANISM, payments, run_id)


@pytest.fixture
def two_debtors(services: Services) -> Services:
    add_debtor(services, "D1", "700.00")
    add_debtor(services, "D2")
    add_claim(services, "C1", "D1", "1000.00", date(2020, 1, 10))
    add_claim(services, "C2", "D2", "1000.00", date(2020, 1, 10))
    return services


def test_withholding_books_movements_and_a_payment_row(two_debtors: Services) -> None:
    outcomes = run(two_debtors, [payment("D1", 50000), payment("D2", 30000)], "R1")
    assert [(o.debtor_ref, o.gross, o.withheld, o.net, o.already_done) for o in outcomes] == [
        ("D1", 50000, 19860, 30140, False),
        ("D2", 30000, 30000, 0, False),  # deemed RMP 1186.00 -> 476.40, capped by the 300.00 paid
    ]
    assert [(a.claim_ref, a.amount) for a in outcomes[0].allocations] == [("C1", 19860)]
    view = view_claim(two_debtors, ORGANISM, "C1", PAID)
    assert view.balance == 100000 - 19860
    [movement] = view.booked_on(PAID)
    assert movement.key == "CAF-TEST:C1:withholding:R1:D1"
    assert movement.sequence == 2 and movement.signed == -19860
    assert "R1" in movement.note
    assert counts(two_debtors) == (4, 2)


def test_the_same_run_id_twice_books_nothing_more(two_debtors: Services) -> None:
    batch = [payment("D1", 50000), payment("D2", 30000)]
    first = apply_benefit_payments(two_debtors, ORGANISM, batch, "2020-03")
    before = counts(two_debtors)
    again = apply_benefit_payments(two_debtors, ORGANISM, batch, "2020-03")
    assert counts(two_debtors) == before
    assert all(outcome.already_done for outcome in again)
    assert [(o.gross, o.withheld, o.net, o.allocations) for o in again] == [
        (o.gross, o.withheld, o.net, o.allocations) for o in first
    ]
    # a new debtor in a replayed run is applied; the others stay done
    add_debtor(two_debtors, "D3", "200.00")
    add_claim(two_debtors, "C3", "D3", "500.00", date(2020, 1, 10))
    mixed = apply_benefit_payments(two_debtors, ORGANISM, [*batch, payment("D3", 10000)], "2020-03")
    assert [o.already_done for o in mixed] == [True, True, False]
    assert mixed[2].withheld == 4900


def test_an_unknown_debtor_refuses_the_whole_batch(two_debtors: Services) -> None:
    with pytest.raises(BatchRejected) as caught:
        apply_benefit_payments(
            two_debtors, ORGANISM, [payment("D1", 50000), payment("NOBODY", 100), payment("D2", 1)], "R1"
        )
    [problem] = caught.value.problems
    assert (problem.index, problem.field, problem.value) == (1, "debtor", "NOBODY")
    assert counts(two_debtors) == (2, 0)


def test_batch_problems_name_the_item_and_field(two_debtors: Services) -> None:
    bad = [
        payment("D1", 100),
        BenefitPayment("D2", PAID, {"XX": 100}),
        payment("D1", 200),
        BenefitPayment("D2", PAID, {"AF": -5}),
    ]
    with pytest.raises(BatchRejected) as caught:
        apply_benefit_payments(two_debtors, ORGANISM, bad, "R1")
    found = {(p.index, p.field, p.value) for p in caught.value.problems}
    assert found == {
        (1, "regular.benefit", "XX"),
        (2, "debtor", "D1"),
        (3, "debtor", "D2"),
        (3, "regular.AF", -5),
    }
    with pytest.raises(BatchRejected) as caught:
        apply_benefit_payments(two_debtors, ORGANISM, [payment("D1", 100)], "has space")
    assert caught.value.problems[0].field == "run_id"
    assert counts(two_debtors) == (2, 0)


def test_explanation_is_stored_and_told_in_french(two_debtors: Services) -> None:
    apply_benefit_payments(two_debtors, ORGANISM, [payment("D1", 50000)], "R1")
    [stored] = explain(two_debtors, ORGANISM, "D1", PAID)
    assert (stored.run_id, stored.gross, stored.withheld, stored.net) == ("R1", 50000, 19860, 30140)
    assert stored.explanation["scale_from"] == "2020-01-01"
    assert stored.explanation["rmp"] == 70000 and stored.explanation["rmp_deemed"] is False
    text = "\n".join(explain_in_french(stored.explanation))
    assert "2020-01-01" in text  # the scale of 2020
    assert "700,00 €" in text  # the RMP
    assert "198,60 €" in text and "C1" in text
    assert explain(two_debtors, ORGANISM, "D1", date(2020, 3, 6)) == []
    with pytest.raises(NotFound):
        explain(two_debtors, ORGANISM, "NOBODY", PAID)


def test_deemed_rmp_is_explained(two_debtors: Services) -> None:
    apply_benefit_payments(two_debtors, ORGANISM, [payment("D2", 100000)], "R1")
    [stored] = explain(two_debtors, ORGANISM, "D2", PAID)
    assert stored.withheld == 47640
    text = "\n".join(explain_in_french(stored.explanation))
    assert "forfait de 1186,00 €" in text


def test_a_second_payment_of_the_month_takes_only_the_rest_of_the_prp(two_debtors: Services) -> None:
    apply_benefit_payments(two_debtors, ORGANISM, [payment("D1", 10000)], "R1")
    [second] = run(two_debtors, [payment("D1", 50000, on=date(2020, 3, 25))], "R2")
    assert second.withheld == 9860
    [april] = run(two_debtors, [payment("D1", 50000, on=date(2020, 4, 1))], "R3")
    assert april.withheld == 19860


def _set_state(services: Services, ref: str, reason: str | None, until: date | None) -> None:
    with services.db.unit_of_work() as session:
        claim_id = session.scalar(select(ClaimRow.id).where(ClaimRow.ref == ref))
        session.execute(
            update(ClaimStateRow)
            .where(ClaimStateRow.claim_id == claim_id)
            .values(suspended_reason=reason, suspended_until=until)
        )


def _eligible(services: Services, on: date) -> dict[str, list[tuple[str, int, int]]]:
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, ORGANISM)
        ids = repository.debtor_ids(session, organism_id, ["D1", "D2", "D3"])
        found = recoverable_claims(session, services, organism, organism_id, ids.values(), on)
    refs = {ident: ref for ref, ident in ids.items()}
    return {
        refs[debtor]: [(info.ref, info.balance, info.next_sequence) for info in infos]
        for debtor, infos in found.items()
    }


def test_eligibility_start_delay_suspension_minimum_child_death(services: Services) -> None:
    add_debtor(services, "D1", "700.00")
    add_claim(services, "OLD", "D1", "300.00", date(2020, 1, 10))
    add_claim(services, "NEW", "D1", "200.00", date(2020, 2, 20))
    add_claim(services, "RSA", "D1", "76.99", date(2020, 1, 10), benefit=Benefit.RSA)
    add_claim(services, "CHILD", "D1", "500.00", date(2020, 1, 10), responsibility=Responsibility.CHILD_DEATH)
    add_claim(services, "HELD", "D1", "100.00", date(2020, 1, 10))
    _set_state(services, "HELD", "appeal", None)
    on = date(2020, 3, 10)  # NEW is notified_on + 19 days
    assert _eligible(services, on) == {"D1": [("OLD", 30000, 2)]}
    assert _eligible(services, date(2020, 3, 11)) == {"D1": [("OLD", 30000, 2), ("NEW", 20000, 2)]}
    _set_state(services, "HELD", "appeal", date(2020, 3, 10))
    assert [ref for ref, _, _ in _eligible(services, on)["D1"]] == ["OLD"]  # suspended until that day
    _set_state(services, "HELD", "appeal", date(2020, 3, 9))
    assert [ref for ref, _, _ in _eligible(services, on)["D1"]] == ["OLD", "HELD"]


def test_eligibility_balance_at_the_date_and_next_sequence(services: Services) -> None:
    add_debtor(services, "D1", "700.00")
    add_claim(services, "C1", "D1", "300.00", date(2020, 1, 10))
    record_payment(services, ORGANISM, "C1", 10000, date(2020, 2, 1), PaymentChannel.CARD, "p1")
    record_payment(services, ORGANISM, "C1", 20000, date(2020, 4, 1), PaymentChannel.CARD, "p2")
    # on 2020-03-10 the April payment is not booked yet; the next sequence counts it anyway
    assert _eligible(services, date(2020, 3, 10)) == {"D1": [("C1", 20000, 4)]}
    assert _eligible(services, date(2020, 4, 1)) == {}


def test_withheld_reversal_restores_the_balance(two_debtors: Services) -> None:
    apply_benefit_payments(two_debtors, ORGANISM, [payment("D1", 50000)], "R1")
    reverse(two_debtors, ORGANISM, "C1", "CAF-TEST:C1:withholding:R1:D1", PAID, "erreur de passage")
    assert view_claim(two_debtors, ORGANISM, "C1", PAID).balance == 100000
    # the reversal does not give the PRP of the month back: the run stays recorded
    [again] = apply_benefit_payments(two_debtors, ORGANISM, [payment("D1", 50000)], "R1")
    assert again.already_done


def test_an_organism_without_withholding_policy_is_refused(services: Services) -> None:
    ensure_organism(services, Organism(code="CNSS-TEST", country=Country.MA))
    register_debtors(services, "CNSS-TEST", [Debtor(ref="E1", organism="CNSS-TEST", kind=DebtorKind.LEGAL)])
    with pytest.raises(DomainError) as caught:
        apply_benefit_payments(services, "CNSS-TEST", [BenefitPayment("E1", PAID, {"AF": 100})], "R1")
    assert "withholding.scale" in str(caught.value)
    with pytest.raises(NotFound):
        apply_benefit_payments(services, "NOPE", [payment("D1", 1)], "R1")


def test_on_every_backend(any_services: Services) -> None:
    """The grouped SQL of eligibility and the bulk inserts, on SQLite and PostgreSQL."""
    add_debtor(any_services, "D1", "1000.00")
    add_claim(any_services, "A", "D1", "100.00", date(2020, 1, 10))
    add_claim(any_services, "B", "D1", "500.00", date(2020, 1, 5))
    add_claim(any_services, "C", "D1", "50.00", date(2020, 1, 10))
    [outcome] = apply_benefit_payments(any_services, ORGANISM, [payment("D1", 90000)], "R1")
    assert [(a.claim_ref, a.amount) for a in outcome.allocations] == [("B", 36480)]
    [outcome] = run(any_services, [payment("D1", 90000, on=date(2020, 4, 5))], "R2")
    assert [(a.claim_ref, a.amount) for a in outcome.allocations] == [("B", 13520), ("C", 5000), ("A", 10000)]
    explained = explain(any_services, ORGANISM, "D1", date(2020, 4, 5))
    assert [item.net for item in explained] == [90000 - 28520]
