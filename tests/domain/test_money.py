from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvre.domain.money import AmountError, format_amount, format_eur, parse_amount, percent_of


@pytest.mark.parametrize(
    ("text", "cents"),
    [("120.50", 12050), ("0.01", 1), ("77", 7700), (77, 7700), ("1 234.5", 123450), (120.5, 12050)],
)
def test_parse_amount(text: object, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("bad", ["12.345", "abc", "", None, True, "NaN", "-1.00", "1e400"])
def test_parse_amount_refuses(bad: object) -> None:
    with pytest.raises(AmountError) as error:
        parse_amount(bad, field="lines[0].amount")
    assert "lines[0].amount" in str(error.value)


def test_percent_rounds_half_up_once() -> None:
    assert percent_of(5, 10) == 1  # 0.5 cent -> 1
    assert percent_of(4, 10) == 0
    assert percent_of(123456, Decimal("12.5")) == 15432


def test_format() -> None:
    assert format_amount(12050) == "120.50"
    assert format_amount(-5) == "-0.05"
    assert format_eur(123456789) == "1\u202f234\u202f567,89 €"


@given(st.integers(min_value=0, max_value=10**13))
def test_parse_format_round_trip(cents: int) -> None:
    assert parse_amount(format_amount(cents)) == cents


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=100))
def test_percent_never_exceeds_whole(cents: int, rate: int) -> None:
    assert 0 <= percent_of(cents, rate) <= cents
