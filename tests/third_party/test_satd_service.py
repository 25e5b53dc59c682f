"""The SATD received, at the service layer: the seizable share set aside at each benefit-payment
run, after the organism's own withholding, payable within 30 days; ranking; release; payment."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from recouvre.domain.model import Benefit, Creditor
from recouvre.domain.satd import DebtKind
from recouvre.domain.satd import explain_in_french as satd_in_french
from recouvre.domain.withholding import BenefitPayment
from recouvre.service import Refused, Services, satd
from recouvre.service.withholding import apply_benefit_payments, explain

from .conftest import ORG, Setup, make_claim

PAID = date(2027, 3, 5)


def _run(
    services: Services, run_id: str, on: date, regular: dict[str, int], debtor: str = "D1"
) -> tuple[int, int]:
    [outcome] = apply_benefit_payments(services, ORG, [BenefitPayment(debtor, on, regular)], run_id)
    return outcome.withheld, outcome.net


def test_share_after_own_withholding_due_in_30_days(services: Services, setup: Setup) -> None:
    setup(
        make_claim(
            "C1", benefit=Benefit.AF, creditor=Creditor.OWN, amount=5_000, notified_on=date(2027, 1, 4)
        )
    )
    notice = satd.record_notice(
        services,
        ORG,
        "D1",
        creditor="SIP Nantes",
        reference="SATD-1",
        kind=DebtKind.FRAUD,
        amount=100_000,
        received_on=date(2027, 2, 20),
    )
    withheld, net = _run(services, "R1", PAID, {"AF": 30_000, "RSA": 50_000})
    assert withheld == 5_000  # the organism's own claim first
    # AF 30 000 − 5 000 withheld = 25 000 seizable; RSA never.
    assert net == 80_000 - 5_000 - 25_000
    [explained] = explain(services, ORG, "D1", PAID)
    [line] = satd_in_french(explained.explanation)
    assert "SIP Nantes" in line and "250,00" in line and "04/04/2027" in line
    [payable] = satd.payables(services, ORG)
    assert (payable.amount, payable.benefit, payable.due_on) == (25_000, "AF", date(2027, 4, 4))
    assert satd.notices(services, ORG, "D1")[0].remaining == 75_000
    # A replay of the run sets nothing more aside.
    _run(services, "R1", PAID, {"AF": 30_000, "RSA": 50_000})
    assert len(satd.payables(services, ORG)) == 1
    paid = satd.pay(services, ORG, payable.id, date(2027, 3, 20))
    assert paid.status == "paid"
    with pytest.raises(Refused):
        satd.pay(services, ORG, payable.id, date(2027, 3, 21))
    assert satd.notices(services, ORG, "D1")[0].paid == 25_000
    assert notice.id == satd.notices(services, ORG, "D1")[0].id


def test_competing_notices_ranked_then_release(services: Services, setup: Setup) -> None:
    setup()
    later = satd.record_notice(
        services,
        ORG,
        "D1",
        creditor="Trésorerie B",
        reference="B",
        kind=DebtKind.FRAUD,
        amount=10_000,
        received_on=date(2027, 2, 20),
        received_at=datetime(2027, 2, 20, 15, 0, tzinfo=UTC),
    )
    earlier = satd.record_notice(
        services,
        ORG,
        "D1",
        creditor="Trésorerie A",
        reference="A",
        kind=DebtKind.FRAUD,
        amount=20_000,
        received_on=date(2027, 2, 20),
        received_at=datetime(2027, 2, 20, 9, 0, tzinfo=UTC),
    )
    other = satd.record_notice(
        services,
        ORG,
        "D1",
        creditor="Amendes",
        reference="C",
        kind=DebtKind.OTHER,
        amount=10_000,
        received_on=date(2027, 2, 1),
    )
    _, net = _run(services, "R1", PAID, {"AAH": 25_000})
    assert net == 0
    amounts = {p.notice_id: p.amount for p in satd.payables(services, ORG)}
    assert amounts == {earlier.id: 20_000, later.id: 5_000}  # the "other" debt seizes nothing
    assert other.id not in amounts
    satd.release(services, ORG, later.id, date(2027, 3, 10))
    with pytest.raises(Refused):
        satd.release(services, ORG, later.id, date(2027, 3, 11))
    _, net = _run(services, "R2", date(2027, 4, 5), {"AAH": 25_000})
    assert net == 25_000  # A is paid in full, B released
