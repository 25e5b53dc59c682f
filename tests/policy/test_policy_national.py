"""The national parameter files: dates, values, sources, loading errors."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from recouvre.domain.model import Benefit
from recouvre.policy import PolicyError, national, show_rows
from recouvre.policy.core import load_parameters

FR = national("FR")
MA = national("MA")


def test_value_changes_on_its_start_date_not_the_day_before() -> None:
    assert FR.withholding_scale(date(2019, 12, 31)).flat == 4800
    assert FR.withholding_scale(date(2020, 1, 1)).flat == 4900
    assert FR.amount("withholding.deemed_rmp", date(2019, 12, 31)) == 116700
    assert FR.amount("withholding.deemed_rmp", date(2020, 1, 1)) == 118600
    assert FR.get("recovery.start_delay_days", date(2021, 3, 24)) == 20
    assert FR.version("recovery.start_delay_days", date(2021, 3, 24)).unverified
    assert not FR.version("recovery.start_delay_days", date(2021, 3, 25)).unverified


def test_a_date_before_the_first_value_is_an_error() -> None:
    with pytest.raises(PolicyError, match=r"withholding\.scale.*2013-12-31.*before 2014-01-01"):
        FR.get("withholding.scale", date(2013, 12, 31))
    assert FR.withholding_scale(date(2014, 1, 1)).bands[0].lower == 25500


def test_scales_2021_to_2024_and_2026_are_carried_forward_and_unverified() -> None:
    for key in ("withholding.scale", "withholding.deemed_rmp"):
        sourced_2020 = FR.version(key, date(2020, 12, 31))
        carried_2024 = FR.version(key, date(2024, 12, 31))
        sourced_2025 = FR.version(key, date(2025, 12, 31))
        carried_2026 = FR.version(key, date(2026, 6, 1))
        assert not sourced_2020.unverified and not sourced_2025.unverified
        assert carried_2024.unverified and carried_2026.unverified
        assert carried_2024.valid_from == date(2021, 1, 1)
        assert carried_2024.value == sourced_2020.value
        assert "not retrieved" in carried_2024.reference
        assert sourced_2025.valid_from == date(2025, 1, 1) and sourced_2025.confidence == "M"
        assert carried_2026.valid_from == date(2026, 1, 1)
        assert carried_2026.value == sourced_2025.value


def test_the_2025_scale_and_deemed_rmp() -> None:
    on = date(2025, 1, 1)
    scale = FR.withholding_scale(on)
    assert scale.flat == 5600
    assert [(band.lower, band.upper, band.rate) for band in scale.bands] == [
        (30100, 45000, Decimal(25)),
        (45000, 67200, Decimal(35)),
        (67200, 89800, Decimal(45)),
        (89800, None, Decimal(60)),
    ]
    assert FR.amount("withholding.deemed_rmp", on) == 134500
    assert FR.amount("withholding.deemed_rmp", date(2024, 12, 31)) == 118600
    # RULES.md §1.4 worked examples on the 2025 scale
    assert [scale.monthly(rmp) for rmp in (20000, 70000, 134500)] == [5600, 18355, 54085]


def test_no_revaluation_on_1_january_2017() -> None:
    """ash.tm.fr n° 2987: the 2016 value (itself not retrieved) holds through 2017."""
    for key in ("withholding.scale", "withholding.deemed_rmp"):
        frozen = FR.version(key, date(2017, 6, 1))
        assert frozen.valid_from == date(2017, 1, 1)
        assert frozen.value == FR.get(key, date(2016, 12, 31))
        assert "2987" in frozen.reference
        assert frozen.unverified
        assert FR.version(key, date(2016, 6, 1)).unverified
        assert not FR.version(key, date(2018, 1, 1)).unverified


def test_bmaf_2025_official_source_and_2026_derived_unverified() -> None:
    april_2025 = FR.version("bmaf", date(2025, 4, 1))
    assert april_2025.value == 47437 and not april_2025.unverified
    assert "solidarites.gouv.fr" in april_2025.reference
    april_2026 = FR.version("bmaf", date(2026, 4, 1))
    assert april_2026.value == 47864 and april_2026.unverified and april_2026.confidence == "L"
    # the 1 January threshold follows the BMAF of the previous April
    assert FR.amount("remission.threshold", date(2026, 12, 31)) == 71156
    assert FR.amount("remission.threshold", date(2027, 1, 1)) == 71796
    assert FR.version("remission.threshold", date(2027, 1, 1)).unverified


def test_remission_threshold_is_1_5_bmaf_at_1_january() -> None:
    assert FR.amount("remission.threshold", date(2025, 6, 1)) == 69966
    assert FR.amount("remission.threshold", date(2025, 12, 31)) == 69966
    assert FR.amount("remission.threshold", date(2026, 1, 1)) == 71156
    for year in range(2015, 2028):
        january = date(year, 1, 1)
        bmaf = Decimal(FR.amount("bmaf", january))
        expected = int((bmaf * Decimal("1.5")).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        assert FR.amount("remission.threshold", january) == expected, year


def test_fraud_indemnity_rate_by_date() -> None:
    """L553-2's 10 % indemnity on the debt from 2020; nothing on the debt in 2019 (D553-5 raised
    the withholding instead, read literally: RULES.md §2.3, §8)."""
    assert FR.percent("fraud.indemnity_rate", date(2019, 4, 4)) == 0
    assert FR.percent("fraud.indemnity_rate", date(2019, 4, 5)) == 0
    assert FR.percent("fraud.indemnity_rate", date(2019, 12, 31)) == 0
    assert FR.percent("fraud.indemnity_rate", date(2020, 1, 1)) == 10


def test_fraud_raise_of_the_withholding_in_2019_only() -> None:
    rate = "withholding.fraud_raise_rate"
    assert FR.percent(rate, date(2019, 4, 4)) == 0
    assert FR.percent(rate, date(2019, 4, 5)) == 50
    assert FR.percent(rate, date(2019, 12, 31)) == 50
    assert FR.percent(rate, date(2020, 1, 1)) == 0
    assert "LEGIARTI000038338718" in FR.version(rate, date(2019, 6, 1)).reference
    assert not FR.definition(rate).overridable


def test_appeal_delays_are_dated_parameters() -> None:
    """CSS R142-1 and R142-6: the implicit rejection took one month before 2019, two since."""
    assert FR.whole("appeal.board_months", date(2026, 1, 1)) == 2
    assert FR.whole("appeal.implicit_rejection_months", date(2018, 12, 31)) == 1
    assert FR.whole("appeal.implicit_rejection_months", date(2019, 1, 1)) == 2
    assert FR.whole("appeal.court_months", date(2026, 1, 1)) == 2
    assert FR.whole("contrainte.opposition_days", date(2026, 1, 1)) == 15
    assert FR.whole("injunction.opposition_months", date(2026, 1, 1)) == 1
    for key in ("appeal.board_months", "appeal.implicit_rejection_months", "contrainte.opposition_days"):
        assert not FR.definition(key).overridable
        assert key not in MA


def test_cnss_parameters_and_the_2025_reform() -> None:
    assert MA.percent("cnss.surcharge_monthly", date(2025, 3, 13)) == 1
    reform = MA.version("cnss.surcharge_monthly", date(2025, 3, 14))
    assert reform.value == Decimal("0.5") and reform.unverified and "02.24" in reform.reference
    assert MA.whole("cnss.last_notice_days", date(2026, 1, 1)) == 20
    assert MA.percent("cnss.commandement_costs", date(2026, 1, 1)) == 2
    # The 2023 campaign opens with the minister's decision 005/2023 of 17 October 2023 (its
    # board decision of 22/09/2023 needed it); 002/2020 closed on 31/12/2022.
    assert MA.rates("cnss.amnesty", date(2023, 10, 16)) is None
    assert MA.rates("cnss.amnesty", date(2023, 10, 17)) == {
        "full": Decimal(60),
        "plan_24": Decimal(50),
        "plan_more": Decimal(40),
    }
    assert MA.rates("cnss.amnesty", date(2025, 1, 15)) is not None
    assert MA.rates("cnss.amnesty", date(2025, 1, 16)) is None
    assert MA.rates("cnss.amnesty", date(2015, 3, 17)) == {
        "full": Decimal(100),
        "plan_24": Decimal(0),
        "plan_more": Decimal(0),
    }
    assert MA.rates("cnss.amnesty", date(2016, 3, 18)) is None
    assert MA.rates("cnss.amnesty", date(2022, 12, 31)) == {
        "full": Decimal(90),
        "plan_24": Decimal(90),
        "plan_more": Decimal(60),
    }
    assert MA.whole("cnss.amnesty_max_plan_months", date(2022, 12, 31)) == 42


def test_other_national_defaults() -> None:
    on = date(2026, 1, 1)
    assert FR.percent("withholding.arrears_rate", on) == 100
    assert FR.names("withholding.arrears_exempt", on) == ("RSA", "AAH")
    assert FR.names("withholding.arrears_exempt_after_rent_debt_clearance", on) == ("AL", "APL")
    assert FR.amounts("recovery.min_amount", on) == {"RSA": 7700}
    assert FR.whole("recovery.start_delay_days", on) == 20
    assert FR.whole("recovery.max_plan_months", on) == 12
    assert FR.whole("prescription.years", on) == 2
    assert FR.whole("prescription.fraud_years", on) == 5
    assert set(FR.names("appeal.suspends", on)) == {benefit.value for benefit in Benefit}
    assert FR.whole("default.formal_notice_months", on) == 1
    assert FR.whole("default.repeat_window_months", on) == 12
    assert FR.percent("cnss.surcharge_first", on) == 3
    assert FR.percent("cnss.surcharge_monthly", on) == Decimal("0.5")
    assert FR.text("currency", on) == "EUR"
    assert not FR.definition("prescription.years").overridable
    assert not FR.definition("prescription.fraud_years").overridable


def test_typed_accessors_check_the_unit() -> None:
    with pytest.raises(PolicyError, match="not a"):
        FR.amount("prescription.years", date(2026, 1, 1))


def test_morocco_has_its_own_currency_and_cnss_keys_but_no_prp() -> None:
    on = date(2026, 1, 1)
    assert MA.text("currency", on) == "MAD"
    assert MA.percent("cnss.surcharge_first", on) == 3
    assert MA.percent("cnss.surcharge_monthly", on) == Decimal("0.5")
    assert MA.default_steps(on)[0].letter == "reminder_1"
    assert not MA.has("withholding.scale")
    with pytest.raises(PolicyError) as caught:
        MA.get("withholding.scale", on)
    assert "withholding.scale" in str(caught.value)
    assert "MA" in str(caught.value)
    for key in ("bmaf", "remission.threshold"):
        assert key not in MA


def test_every_national_value_has_a_reference_and_an_origin() -> None:
    for policy in (FR, MA):
        for key in policy:
            definition = policy.definition(key)
            assert definition.description
            assert definition.source.endswith(f"/{key}.yaml")
            for version in policy.versions(key):
                assert version.reference, (key, version.valid_from)
                assert version.origin == f"national {policy.country}"


def test_show_rows_are_sorted_and_skip_keys_without_value_yet() -> None:
    rows = show_rows(FR, date(2026, 1, 1))
    assert [row.key for row in rows] == sorted(FR.keys())
    early = show_rows(FR, date(2010, 1, 1))
    assert "withholding.scale" not in {row.key for row in early}
    assert "prescription.years" in {row.key for row in early}


def test_unknown_country_is_refused() -> None:
    with pytest.raises(PolicyError, match="country"):
        national("BE")


def _write(root: Path, folder: str, name: str, text: str) -> Path:
    path = root / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
description: A test amount.
unit: currency
values:
  2020-01-01: {value: "10.00", reference: "test", unverified: false}
"""


def test_a_broken_parameter_tree_reports_every_file_and_problem(tmp_path: Path) -> None:
    _write(tmp_path, "common", "good.amount.yaml", GOOD)
    _write(
        tmp_path,
        "FR",
        "bad.rate.yaml",
        """
description: A rate.
unit: percent
values:
  2020-01-01: {value: "abc", reference: "x"}
  2021-01-01: {value: 10}
""",
    )
    _write(
        tmp_path, "FR", "bad.unit.yaml", "description: x\nunit: furlongs\nvalues: {2020-01-01: {value: 1}}\n"
    )
    with pytest.raises(PolicyError) as caught:
        load_parameters(tmp_path, "params")
    message = str(caught.value)
    assert "params/FR/bad.rate.yaml" in message
    assert "bad.rate.values[2020-01-01].value" in message
    assert "'abc'" in message
    assert "bad.rate.values[2021-01-01].reference" in message
    assert "params/FR/bad.unit.yaml" in message
    assert "furlongs" in message
    assert len(caught.value.problems) == 3


def test_a_country_file_replaces_the_common_file(tmp_path: Path) -> None:
    _write(tmp_path, "common", "x.amount.yaml", GOOD)
    _write(tmp_path, "MA", "x.amount.yaml", GOOD.replace('"10.00"', '"20.00"'))
    loaded = load_parameters(tmp_path, "params")
    assert loaded["FR"]["x.amount"].versions[0].value == 1000
    assert loaded["MA"]["x.amount"].versions[0].value == 2000


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (GOOD + "  2020-01-01: {value: '11.00', reference: x}\n", "duplicate key"),
        (GOOD + "colour: blue\n", "unknown field(s) colour"),
        (GOOD.replace("unit: currency", "unit: scale"), "kind"),
        (GOOD.replace('"10.00"', '"10.001"'), "at most two decimals"),
        (GOOD + "bounds: {min: '20.00'}\n", "outside the file's own bounds"),
        (
            "description: x\nunit: list\nitems: benefit\n"
            "values: {2020-01-01: {value: [RSA, XYZ], reference: r}}\n",
            "XYZ",
        ),
    ],
)
def test_invalid_files_name_the_problem(tmp_path: Path, text: str, fragment: str) -> None:
    path = _write(tmp_path, "FR", "some.key.yaml", text)
    with pytest.raises(PolicyError) as caught:
        load_parameters(tmp_path, str(tmp_path))
    assert str(path) in str(caught.value)
    assert fragment in str(caught.value)


def test_yearly_scales_are_contiguous_marginal_bands() -> None:
    versions = FR.versions("withholding.scale")
    starts = [version.valid_from for version in versions]
    assert starts[0] == date(2014, 1, 1) and starts == sorted(set(starts)) and len(starts) >= 6
    assert all(start.month == start.day == 1 for start in starts)  # revalued each 1 January
    for version in versions:
        bands = version.value.bands
        assert all(bands[i].upper == bands[i + 1].lower for i in range(len(bands) - 1))
        assert bands[-1].upper is None
        assert [band.rate for band in bands] == [25, 35, 45, 60]
