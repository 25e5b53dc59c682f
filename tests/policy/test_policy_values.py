"""Typed values: the PRP scale, the remission matrix, default steps, display."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recouvre.domain.money import format_amount, parse_amount
from recouvre.policy import (
    DefaultStep,
    RemissionScale,
    Unit,
    WithholdingBand,
    WithholdingScale,
    format_value,
    national,
)

SCALE_2020 = national("FR").withholding_scale(date(2020, 6, 1))


@pytest.mark.parametrize(
    ("rmp", "expected"),
    [
        ("200.00", "49.00"),
        ("500.00", "117.90"),
        ("700.00", "198.60"),
        ("1000.00", "364.80"),
        ("1186.00", "476.40"),
    ],
)
def test_worked_examples_of_the_2020_scale(rmp: str, expected: str) -> None:
    assert format_amount(SCALE_2020.monthly(parse_amount(rmp))) == expected


@pytest.mark.parametrize(("rmp", "expected"), [("200.00", "56.00"), ("700.00", "183.55")])
def test_worked_examples_of_the_2025_scale(rmp: str, expected: str) -> None:
    on = date(2025, 6, 1)
    policy = national("FR")
    assert format_amount(policy.withholding_scale(on).monthly(parse_amount(rmp))) == expected
    assert policy.amount("withholding.deemed_rmp", on) == 134_500


def test_deemed_rmp_2020_gives_the_worked_example() -> None:
    policy = national("FR")
    on = date(2020, 6, 1)
    assert format_amount(SCALE_2020.monthly(policy.amount("withholding.deemed_rmp", on))) == "476.40"


def test_flat_only_at_and_below_the_first_band() -> None:
    assert SCALE_2020.monthly(0) == 4900
    assert SCALE_2020.monthly(26600) == 4900
    assert SCALE_2020.monthly(26601) == 4900  # 25 % of one cent rounds to 0
    assert SCALE_2020.monthly(26602) == 4901  # 0.5 cent rounds half up


def test_explain_lists_the_bands_used_and_adds_up() -> None:
    rmp = parse_amount("700.00")
    rows = SCALE_2020.explain(rmp)
    assert [row["band"] for row in rows] == ["de 266.00 à 396.00", "de 396.00 à 593.00", "de 593.00 à 792.00"]
    assert [row["base"] for row in rows] == [13000, 19700, 10700]
    assert [row["rate"] for row in rows] == [Decimal(25), Decimal(35), Decimal(45)]
    assert SCALE_2020.flat + sum(row["amount"] for row in rows) == SCALE_2020.monthly(rmp)
    assert SCALE_2020.explain(10000) == []


def test_scale_refuses_overlapping_bands_and_negative_rmp() -> None:
    with pytest.raises(ValueError, match="overlap"):
        WithholdingScale(
            flat=0,
            bands=(WithholdingBand(100, 300, Decimal(10)), WithholdingBand(200, None, Decimal(20))),
        )
    with pytest.raises(ValueError, match="not the last"):
        WithholdingScale(
            flat=0, bands=(WithholdingBand(100, None, Decimal(10)), WithholdingBand(200, None, Decimal(20)))
        )
    with pytest.raises(ValueError):
        WithholdingBand(100, 100, Decimal(10))
    with pytest.raises(ValueError):
        WithholdingBand(100, None, Decimal(101))
    with pytest.raises(ValueError):
        SCALE_2020.monthly(-1)


@st.composite
def scales(draw: st.DrawFn) -> WithholdingScale:
    flat = draw(st.integers(min_value=0, max_value=20_000))
    limits = sorted(draw(st.sets(st.integers(min_value=0, max_value=500_000), min_size=1, max_size=6)))
    bands = []
    for index, lower in enumerate(limits):
        upper = (
            limits[index + 1] if index + 1 < len(limits) else draw(st.one_of(st.none(), st.just(lower + 1)))
        )
        rate = draw(st.decimals(min_value=0, max_value=100, places=2))
        bands.append(WithholdingBand(lower, upper, rate))
    return WithholdingScale(flat=flat, bands=tuple(bands))


@given(scale=scales(), first=st.integers(min_value=0, max_value=1_000_000), step=st.integers(0, 100_000))
def test_monthly_is_non_decreasing_and_never_below_flat(
    scale: WithholdingScale, first: int, step: int
) -> None:
    low, high = scale.monthly(first), scale.monthly(first + step)
    assert scale.flat <= low <= high


@given(rmp=st.integers(min_value=0, max_value=1_000_000), step=st.integers(0, 100_000))
def test_every_national_scale_is_non_decreasing(rmp: int, step: int) -> None:
    for version in national("FR").versions("withholding.scale"):
        scale: WithholdingScale = version.value
        assert scale.flat <= scale.monthly(rmp) <= scale.monthly(rmp + step)


def test_remission_scale_bands_and_responsibilities() -> None:
    scale = RemissionScale(
        uppers=(40000, 60000, None),
        rates={
            "organism_error": (Decimal(100), Decimal(80), Decimal(50)),
            "debtor_error": (Decimal(50),) * 3,
        },
    )
    assert scale.rate(40000, "organism_error") == Decimal(100)  # upper limit is inclusive
    assert scale.rate(40001, "organism_error") == Decimal(80)
    assert scale.rate(10**9, "organism_error") == Decimal(50)
    assert scale.rate(None, "organism_error") == Decimal(50)  # unknown quotient: last band
    assert scale.rate(0, "fraud") is None
    assert scale.rate(0, "third_party_error") is None


def test_remission_scale_invariants() -> None:
    with pytest.raises(ValueError, match="last band"):
        RemissionScale(uppers=(40000,), rates={"debtor_error": (Decimal(1),)})
    with pytest.raises(ValueError, match="increase"):
        RemissionScale(uppers=(40000, 30000, None), rates={})
    with pytest.raises(ValueError, match="3 bands"):
        RemissionScale(uppers=(40000, 60000, None), rates={"debtor_error": (Decimal(1),)})


def test_national_remission_scale_is_a_decreasing_project_default() -> None:
    policy = national("FR")
    version = policy.version("remission.scale", date(2026, 1, 1))
    assert version.unverified
    scale: RemissionScale = version.value
    assert "fraud" not in scale.rates
    assert set(scale.rates) == {
        "organism_error",
        "third_party_error",
        "debtor_error",
        "debtor_serious_error",
        "child_death",
    }
    assert all(rate == 100 for rate in scale.rates["child_death"])
    for row in scale.rates.values():
        assert list(row) == sorted(row, reverse=True)
    assert scale.rate(None, "debtor_error") == scale.rates["debtor_error"][-1]


def test_default_steps_and_invariants() -> None:
    steps = national("FR").default_steps(date(2026, 1, 1))
    assert steps == (
        DefaultStep(1, "reminder_1", None),
        DefaultStep(2, "reminder_2", "phone_call"),
        DefaultStep(3, "formal_notice", None),
    )
    with pytest.raises(ValueError):
        DefaultStep(0, "reminder_1")


def test_format_value_is_readable() -> None:
    assert format_value(Unit.SCALE, SCALE_2020) == (
        "49.00 + 25 % de 266.00 à 396.00 + 35 % de 396.00 à 593.00"
        " + 45 % de 593.00 à 792.00 + 60 % au-delà de 792.00"
    )
    assert format_value(Unit.CURRENCY, 71156) == "711.56"
    assert format_value(Unit.PERCENT, Decimal("0.5")) == "0,5 %"
    assert format_value(Unit.YEARS, 2) == "2 ans"
    assert format_value(Unit.MONTHS, 12) == "12 mois"
    assert format_value(Unit.DAYS, 20) == "20 jours"
    assert format_value(Unit.LIST, ("RSA", "AAH")) == "RSA, AAH"
    assert format_value(Unit.MAPPING, {"RSA": 7700}) == "RSA: 77.00"


def test_the_court_directory_is_checked_field_by_field_and_the_longest_prefix_serves() -> None:
    from recouvre.policy import core

    national = core.national("FR")
    assert national.courts(date(2026, 1, 1)) == ()  # no national list: each organism keeps its own
    for court, where in (
        ({"kind": "civil", "postcodes": ["44"], "name": "N", "address": "A"}, "[0].kind"),
        ({"kind": "judicial", "postcodes": [44], "name": "N", "address": "A"}, "[0].postcodes[0]"),
        ({"kind": "judicial", "postcodes": [], "name": "N", "address": "A"}, "[0].postcodes"),
        ({"kind": "judicial", "postcodes": ["44"], "name": " ", "address": "A"}, "[0].name"),
        ({"kind": "judicial", "postcodes": ["44"], "name": "N"}, "[0]"),
    ):
        with pytest.raises(core.PolicyError, match=re.escape(f"enforcement.courts{where}")):
            national.with_values({"enforcement.courts": [court]}, origin="t", check_bounds=False)
    local = national.with_values(
        {
            "enforcement.courts": [
                {"kind": "judicial", "postcodes": ["44"], "name": "Nantes", "address": "A"},
                {"kind": "judicial", "postcodes": ["44600"], "name": "Saint-Nazaire", "address": "B"},
            ]
        },
        origin="t",
        check_bounds=False,
    )
    nantes, saint_nazaire = local.courts(date(2026, 1, 1))
    assert (nantes.serves("44600"), saint_nazaire.serves("44600")) == (2, 5)
    assert saint_nazaire.serves("44000") == 0
