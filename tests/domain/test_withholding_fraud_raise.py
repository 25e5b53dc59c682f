"""D553-5 (2019) read literally: the monthly PRP withholding is raised while a fraud claim is
recoverable; the debt itself is not increased (RULES.md §2.3, §8)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recouvre.domain.withholding import (
    BenefitPayment,
    RecoverableClaim,
    WithholdingParameters,
    decide_withholding,
    explain_in_french,
)
from recouvre.policy import national

ON = date(2019, 7, 5)
FR = national("FR")


def _parameters(rate: Decimal) -> WithholdingParameters:
    return WithholdingParameters(
        scale=FR.withholding_scale(ON),
        scale_from=FR.version("withholding.scale", ON).valid_from,
        deemed_rmp=FR.amount("withholding.deemed_rmp", ON),
        arrears_rate=Decimal(100),
        arrears_exempt=frozenset(),
        exempt_after_rent_debt_clearance=frozenset(),
        fraud_raise_rate=rate,
    )


PAYMENT = BenefitPayment("D1", ON, {"PPA": 80_000})
FRAUD = RecoverableClaim("F1", date(2019, 5, 6), 100_000, fraud=True)
OTHER = RecoverableClaim("E1", date(2019, 5, 1), 100_000)


def test_a_recoverable_fraud_claim_raises_the_scale_amount_by_the_rate() -> None:
    decision = decide_withholding(PAYMENT, [FRAUD], _parameters(Decimal(50)), rmp=70_000)
    assert (decision.prp, decision.fraud_raise, decision.withheld) == (30_015, 10_005, 30_015)
    lines = explain_in_french(decision.explanation(_parameters(Decimal(50))))
    assert any("= 200,10 € par mois" in line for line in lines)
    assert any("D553-5" in line and "300,15 € par mois" in line for line in lines)


def test_no_raise_without_a_fraud_claim_at_a_zero_rate_or_under_an_override() -> None:
    plain = decide_withholding(PAYMENT, [OTHER], _parameters(Decimal(50)), rmp=70_000)
    assert (plain.prp, plain.fraud_raise) == (20_010, 0)
    after_2019 = decide_withholding(PAYMENT, [FRAUD], _parameters(Decimal(0)), rmp=70_000)
    assert after_2019.prp == 20_010
    overridden = decide_withholding(
        PAYMENT, [FRAUD], _parameters(Decimal(50)), rmp=70_000, monthly_override=5_000
    )
    assert (overridden.prp, overridden.fraud_raise) == (5_000, 0)


def test_the_raised_amount_is_shared_oldest_first_and_capped_by_the_benefits_paid() -> None:
    both = decide_withholding(PAYMENT, [FRAUD, OTHER], _parameters(Decimal(50)), rmp=70_000)
    assert [(a.claim_ref, a.amount) for a in both.allocations] == [("E1", 30_015)]
    small = BenefitPayment("D1", ON, {"PPA": 25_000})
    capped = decide_withholding(small, [FRAUD], _parameters(Decimal(50)), rmp=70_000)
    assert (capped.prp, capped.withheld) == (30_015, 25_000)
