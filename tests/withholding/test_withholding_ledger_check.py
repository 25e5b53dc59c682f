"""The withholding run's movements pass the ledger's invariants on the batch path.

The run books thousands of movements at once, without ``Ledger.post``; ``check_postings`` (the
same checks) refuses a batch whose rows break an invariant, and nothing of the batch is written.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from recouvre.domain.ledger import PostingsRefused
from recouvre.domain.model import PaymentChannel
from recouvre.domain.withholding import BenefitPayment
from recouvre.service import Services, withholding
from recouvre.service.claims import view_claim
from recouvre.service.payments import record_payment
from recouvre.service.withholding import apply_benefit_payments
from recouvre.storage.tables import MovementRow

from .conftest import ORGANISM, add_claim, add_debtor, counts

PAID = date(2020, 3, 5)


def test_a_withholding_beyond_the_whole_ledgers_balance_is_refused(services: Services) -> None:
    """A payment booked after the payment date leaves less than the engine saw on that date:
    ``Ledger.post`` would refuse the withholding (invariant 4), so the batch path does too."""
    add_debtor(services, "D1", "700.00")
    add_claim(services, "C1", "D1", "1000.00", date(2020, 1, 10))
    record_payment(services, ORGANISM, "C1", 90_000, date(2020, 3, 20), PaymentChannel.TRANSFER, "late")
    before = counts(services)
    with pytest.raises(PostingsRefused) as caught:
        apply_benefit_payments(services, ORGANISM, [BenefitPayment("D1", PAID, {"AF": 50_000})], "R1")
    [problem] = caught.value.problems
    assert problem.field == "movement.amount" and problem.value == 19_860
    assert "dépasse le solde de 10000 centimes" in problem.reason
    assert counts(services) == before  # nothing half-written: no movement, no benefit payment
    assert view_claim(services, ORGANISM, "C1", date(2020, 3, 31)).balance == 10_000


def test_the_same_key_twice_in_a_batch_is_refused(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_debtor(services, "D1", "1000.00")
    add_claim(services, "A", "D1", "50.00", date(2020, 1, 10))
    add_claim(services, "B", "D1", "60.00", date(2020, 1, 10))
    monkeypatch.setattr(withholding, "withholding_key", lambda *parts: f"{ORGANISM}:SAME")
    before = counts(services)
    with pytest.raises(PostingsRefused) as caught:
        apply_benefit_payments(services, ORGANISM, [BenefitPayment("D1", PAID, {"AF": 90_000})], "R1")
    [problem] = caught.value.problems
    assert (problem.index, problem.key, problem.field) == (1, f"{ORGANISM}:SAME", "movement.key")
    assert "utilisée deux fois" in problem.reason
    assert counts(services) == before


def test_a_key_booked_already_is_refused(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """A key the ledger booked before (here the claim's ``established``) fails the write on the
    database's unique key; the run says which key, and nothing is written."""
    add_debtor(services, "D1", "700.00")
    add_claim(services, "C1", "D1", "1000.00", date(2020, 1, 10))
    with services.db.unit_of_work() as session:
        established = session.scalar(select(MovementRow.key).where(MovementRow.kind == "established"))
    assert established is not None
    monkeypatch.setattr(withholding, "withholding_key", lambda *parts: established)
    before = counts(services)
    with pytest.raises(PostingsRefused) as caught:
        apply_benefit_payments(services, ORGANISM, [BenefitPayment("D1", PAID, {"AF": 50_000})], "R1")
    assert [(problem.key, problem.reason) for problem in caught.value.problems] == [
        (established, "déjà enregistré")
    ]
    assert counts(services) == before


def test_a_good_run_still_books(services: Services) -> None:
    add_debtor(services, "D1", "700.00")
    add_claim(services, "C1", "D1", "1000.00", date(2020, 1, 10))
    [outcome] = apply_benefit_payments(services, ORGANISM, [BenefitPayment("D1", PAID, {"AF": 50_000})], "R1")
    assert outcome.withheld == 19_860
    assert view_claim(services, ORGANISM, "C1", PAID).balance == 100_000 - 19_860
