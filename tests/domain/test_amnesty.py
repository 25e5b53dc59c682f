"""CNSS amnesty rules (SCENARIOS.md "CNSS amnesty"): refusals, plan lengths, the remission."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from recouvre.domain.amnesty import application_refusal, instalments, principal_paid, remission_owed

GRID = {"full": Decimal(60), "plan_24": Decimal(50), "plan_more": Decimal(40)}


def test_refusals_name_their_reason() -> None:
    assert application_refusal("CONTRIB", "full", GRID, None, 0) is None
    assert "cotisations" in (application_refusal("AF", "full", GRID, None, 0) or "")
    assert "aucune campagne" in (application_refusal("CONTRIB", "full", None, None, 0) or "")
    assert "échéancier" in (application_refusal("CONTRIB", "plan_24", GRID, None, 0) or "")
    assert application_refusal("CONTRIB", "plan_24", GRID, 24, 0) is None
    assert "plan_more" in (application_refusal("CONTRIB", "plan_24", GRID, 25, 0) or "")
    assert "plan_24" in (application_refusal("CONTRIB", "plan_more", GRID, 24, 0) or "")
    assert application_refusal("CONTRIB", "plan_more", GRID, 42, 42) is None
    assert "42" in (application_refusal("CONTRIB", "plan_more", GRID, 43, 42) or "")
    closed_plans = {"full": Decimal(100), "plan_24": Decimal(0), "plan_more": Decimal(0)}
    assert "n'offre pas" in (application_refusal("CONTRIB", "plan_24", closed_plans, 12, 0) or "")


def test_instalments_round_up() -> None:
    assert instalments(240_000, 10_000) == 24
    assert instalments(240_001, 10_000) == 25
    assert instalments(100, 10_000) == 1


def test_remission_is_rounded_once_half_up() -> None:
    # 60 % of 812.35 = 487.41; 40 % of 0.05 = 0.02
    assert remission_owed(Decimal(60), 81_235, 1_000_000) == 48_741
    assert remission_owed(Decimal(40), 5, 100) == 2


@given(
    rate=st.decimals(min_value=0, max_value=100, places=2),
    base=st.integers(min_value=0, max_value=10**9),
    balance=st.integers(min_value=-(10**6), max_value=10**9),
)
def test_remission_never_exceeds_the_base_nor_the_balance(rate: Decimal, base: int, balance: int) -> None:
    owed = remission_owed(rate, base, balance)
    assert 0 <= owed <= base
    assert owed <= max(balance, 0)


def test_principal_reached() -> None:
    assert principal_paid(1_000, 1_000) and not principal_paid(999, 1_000)
