"""domain.over_indebtedness: what personal recovery (rétablissement personnel) erases (R-SUR-2)."""

from __future__ import annotations

from datetime import date

from recouvre.domain.model import Benefit, Creditor, Responsibility, UndueLine
from recouvre.domain.over_indebtedness import DischargeFacts, discharge


def _facts(
    responsibility: Responsibility, benefit: Benefit = Benefit.AL, **changes: object
) -> DischargeFacts:
    values: dict[str, object] = {
        "claim_ref": "C1",
        "benefit": benefit,
        "creditor": Creditor.DEPARTEMENT if benefit is Benefit.RSA else Creditor.OWN,
        "responsibility": responsibility,
        "lines": (UndueLine(date(2025, 12, 5), 10_000), UndueLine(date(2026, 3, 10), 10_000)),
        "balance": 17_000,
    }
    values.update(changes)
    return DischargeFacts(**values)  # type: ignore[arg-type]


def test_discharge_erases_lines_paid_before_the_order() -> None:
    decision = discharge(_facts(Responsibility.DEBTOR_ERROR), date(2026, 3, 10))
    assert (decision.erased, decision.kept) == (7_000, 10_000)
    everything = discharge(_facts(Responsibility.DEBTOR_ERROR), date(2026, 3, 11))
    assert (everything.erased, everything.kept) == (17_000, 0)


def test_discharge_keeps_social_protection_fraud_and_erases_rsa_fraud() -> None:
    on = date(2026, 4, 1)
    kept = discharge(_facts(Responsibility.FRAUD, balance=22_000), on)
    assert (kept.erased, kept.kept) == (0, 22_000)
    erased = discharge(_facts(Responsibility.FRAUD, Benefit.RSA, balance=22_000), on)
    assert (erased.erased, erased.kept) == (22_000, 0)
    assert "461606" in erased.rule


def test_discharge_keeps_accessories_born_after() -> None:
    facts = _facts(Responsibility.DEBTOR_ERROR, balance=21_000, increases_since=1_000)
    decision = discharge(facts, date(2026, 3, 10))
    # 20,000 of principal remain (10,000 kept: paid on the day), 1,000 of accessories booked since.
    assert (decision.erased, decision.kept) == (10_000, 11_000)
