"""CNSS late-payment surcharges (recouvre.domain.surcharges)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from recouvre.domain.surcharges import surcharge_owed, surcharge_rate, surcharge_rate_months, surcharges

from .cycle_facts import ON, RULES, RUN, claim

FIRST, MONTHLY = Decimal(3), Decimal(1)


def test_months_of_delay_count_each_month_started() -> None:
    assert surcharge_rate_months(date(2026, 1, 31), date(2026, 1, 31)) == 0
    assert surcharge_rate_months(date(2026, 1, 31), date(2026, 2, 1)) == 1
    assert surcharge_rate_months(date(2026, 1, 31), date(2026, 3, 1)) == 2


def test_rate_is_the_first_month_then_the_monthly_rate() -> None:
    assert surcharge_rate(FIRST, MONTHLY, 0) == 0
    assert surcharge_rate(FIRST, MONTHLY, 1) == 3
    assert surcharge_rate(FIRST, MONTHLY, 4) == 6


def test_owed_brings_the_total_surcharge_to_the_rate() -> None:
    owed = surcharge_owed(100_000, 3_000, 103_000, date(2026, 7, 31), ON, first=FIRST, monthly=MONTHLY)
    assert owed is not None and (owed.amount, owed.rate, owed.months) == (3_000, Decimal(6), 4)
    assert owed.note == "majoration 6 % (4 mois de retard)"
    # paid, not late yet, surcharged enough: nothing
    assert surcharge_owed(100_000, 0, 0, date(2026, 7, 31), ON, first=FIRST, monthly=MONTHLY) is None
    assert surcharge_owed(100_000, 0, 100_000, ON, ON, first=FIRST, monthly=MONTHLY) is None
    assert (
        surcharge_owed(100_000, 6_000, 106_000, date(2026, 7, 31), ON, first=FIRST, monthly=MONTHLY) is None
    )


def test_the_step_posts_on_late_contribution_claims_only() -> None:
    late = claim(1, benefit="CONTRIB", contribution_due=date(2026, 9, 30))
    no_date = claim(2, benefit="CONTRIB")
    not_contribution = claim(3, contribution_due=date(2026, 9, 30))
    rows = surcharges({1: late, 2: no_date, 3: not_contribution}, RULES, RUN)
    assert rows.postings == [
        (1, "ORG:C1:surcharge:2026-11", "surcharge", 4_000, "majoration 4 % (2 mois de retard)")
    ]
    assert late.total == 100_000  # the step only decides: run_steps applies its movements
