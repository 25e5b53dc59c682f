"""The PRP scale arithmetic (CSS D553-1; RULES.md §1.4 worked examples), as pure domain code."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvre.domain.money import format_amount, parse_amount
from recouvre.domain.scales import WithholdingBand, WithholdingScale, monthly_withholding


def _scale(flat: str, limits: tuple[str, str, str, str]) -> WithholdingScale:
    """A metropolitan scale: ``flat`` below the first limit, then 25/35/45/60 % marginal bands."""
    first, second, third, fourth = (parse_amount(limit) for limit in limits)
    return WithholdingScale(
        flat=parse_amount(flat),
        bands=(
            WithholdingBand(first, second, Decimal(25)),
            WithholdingBand(second, third, Decimal(35)),
            WithholdingBand(third, fourth, Decimal(45)),
            WithholdingBand(fourth, None, Decimal(60)),
        ),
    )


SCALE_2020 = _scale("49.00", ("266.00", "396.00", "593.00", "792.00"))
"""Arrêté du 20/12/2019 art. 5 (RULES.md §1.4)."""
SCALE_2025 = _scale("56.00", ("301.00", "450.00", "672.00", "898.00"))
"""Three concordant press pages on the 2025 arrêté (RULES.md §1.4, [M])."""


@pytest.mark.parametrize(
    ("scale", "rmp", "expected"),
    [
        (SCALE_2020, "200.00", "49.00"),
        (SCALE_2020, "500.00", "117.90"),
        (SCALE_2020, "700.00", "198.60"),
        (SCALE_2020, "1000.00", "364.80"),
        (SCALE_2020, "1186.00", "476.40"),  # the 2020 deemed RMP
        (SCALE_2025, "200.00", "56.00"),
        (SCALE_2025, "700.00", "183.55"),
        (SCALE_2025, "1345.00", "540.85"),  # the 2025 deemed RMP
    ],
)
def test_worked_examples_of_rules_1_4(scale: WithholdingScale, rmp: str, expected: str) -> None:
    assert format_amount(scale.monthly(parse_amount(rmp))) == expected
    assert format_amount(monthly_withholding(scale.flat, scale.bands, parse_amount(rmp))) == expected


def test_the_2025_scale_withholds_less_at_700_and_more_when_resources_are_unknown() -> None:
    """RULES.md §1.4: a system still on the 2020 scale in 2025 withholds 198.60 instead of
    183.55 at RMP 700, and 476.40 instead of 540.85 when resources are unknown."""
    assert SCALE_2020.monthly(70000) - SCALE_2025.monthly(70000) == 1505
    assert SCALE_2025.monthly(134500) - SCALE_2020.monthly(118600) == 6445


def test_flat_amount_up_to_the_first_limit_then_rounded_once_half_up() -> None:
    assert SCALE_2025.monthly(0) == 5600
    assert SCALE_2025.monthly(30100) == 5600
    assert SCALE_2025.monthly(30101) == 5600  # 25 % of one cent rounds to 0
    assert SCALE_2025.monthly(30102) == 5601  # half a cent rounds up


def test_a_negative_rmp_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        monthly_withholding(SCALE_2025.flat, SCALE_2025.bands, -1)


@st.composite
def scales(draw: st.DrawFn) -> WithholdingScale:
    flat = draw(st.integers(min_value=0, max_value=20_000))
    limits = sorted(draw(st.sets(st.integers(min_value=0, max_value=500_000), min_size=1, max_size=6)))
    bands = []
    for index, lower in enumerate(limits):
        last = draw(st.one_of(st.none(), st.just(lower + 1)))
        upper = limits[index + 1] if index + 1 < len(limits) else last
        bands.append(WithholdingBand(lower, upper, draw(st.decimals(min_value=0, max_value=100, places=2))))
    return WithholdingScale(flat=flat, bands=tuple(bands))


@given(
    scale=st.one_of(st.just(SCALE_2020), st.just(SCALE_2025), scales()),
    rmp=st.integers(min_value=0, max_value=2_000_000),
    step=st.integers(min_value=0, max_value=200_000),
)
def test_monthly_is_never_negative_and_non_decreasing_in_the_rmp(
    scale: WithholdingScale, rmp: int, step: int
) -> None:
    low = monthly_withholding(scale.flat, scale.bands, rmp)
    high = monthly_withholding(scale.flat, scale.bands, rmp + step)
    assert 0 <= scale.flat <= low <= high
