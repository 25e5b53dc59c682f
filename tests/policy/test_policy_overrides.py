"""Organism overrides (bounds checked) and scenario values (not)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from recouvre.policy import ALWAYS, PolicyError, for_organism, national

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"


def _override(tmp_path: Path, body: str, organism: str = "CAF-44", country: str = "FR") -> Path:
    path = tmp_path / f"{organism}.yaml"
    path.write_text(f"organism: {organism}\ncountry: {country}\nparameters:\n{body}", encoding="utf-8")
    return path


def test_raised_threshold_from_a_date_keeps_national_values_before(tmp_path: Path) -> None:
    path = _override(
        tmp_path,
        '  remission.threshold:\n    - {from: 2026-01-01, value: "800.00", reference: "CA du 04/12/2025"}\n',
    )
    policy = for_organism("FR", "CAF-44", tmp_path)
    assert policy.organism == "CAF-44"
    assert policy.amount("remission.threshold", date(2025, 12, 31)) == 69966
    version = policy.version("remission.threshold", date(2026, 1, 1))
    assert version.value == 80000
    assert version.raw == "800.00"
    assert version.reference == "CA du 04/12/2025"
    assert version.origin == f"organism CAF-44 ({path})"
    assert policy.version("bmaf", date(2026, 1, 1)).origin == "national FR"


def test_threshold_below_national_is_refused_naming_file_key_and_value(tmp_path: Path) -> None:
    path = _override(tmp_path, '  remission.threshold:\n    - {from: 2026-01-01, value: "500.00"}\n')
    with pytest.raises(PolicyError) as caught:
        for_organism("FR", "CAF-44", tmp_path)
    message = str(caught.value)
    assert str(path) in message
    assert "remission.threshold[0].value" in message
    assert "'500.00'" in message
    assert "711.56" in message


def test_plain_threshold_is_checked_at_every_national_change(tmp_path: Path) -> None:
    # above every threshold up to 2022 (622.22) but below 2023's 658.76
    _override(tmp_path, '  remission.threshold: "650.00"\n')
    with pytest.raises(PolicyError, match=r"below the national value 658\.76 in force on 2023-01-01"):
        for_organism("FR", "CAF-44", tmp_path)


def test_a_later_national_change_above_the_override_is_caught() -> None:
    policy = national("FR")
    with pytest.raises(PolicyError, match="in force on 2026-01-01"):
        policy.with_values(
            {"remission.threshold": [{"from": date(2025, 1, 1), "value": "700.00"}]},
            origin="organism X",
            check_bounds=True,
        )


def test_prescription_cannot_be_overridden_by_an_organism(tmp_path: Path) -> None:
    path = _override(tmp_path, "  prescription.years: 3\n")
    with pytest.raises(PolicyError) as caught:
        for_organism("FR", "CAF-44", tmp_path)
    assert str(path) in str(caught.value)
    assert "prescription.years" in str(caught.value)
    assert "cannot be overridden" in str(caught.value)


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    _override(tmp_path, "  remission.treshold: '800.00'\n")
    with pytest.raises(PolicyError, match=r"remission\.treshold.*unknown parameter"):
        for_organism("FR", "CAF-44", tmp_path)


def test_maximum_bound_is_enforced(tmp_path: Path) -> None:
    _override(tmp_path, "  recovery.max_plan_months: 18\n")
    with pytest.raises(PolicyError, match=r"recovery\.max_plan_months.*above the national value 12 mois"):
        for_organism("FR", "CAF-44", tmp_path)
    _override(tmp_path, "  recovery.max_plan_months: 6\n  recovery.start_delay_days: 30\n")
    policy = for_organism("FR", "CAF-44", tmp_path)
    assert policy.whole("recovery.max_plan_months", date(2026, 1, 1)) == 6
    assert policy.whole("recovery.start_delay_days", date(2026, 1, 1)) == 30


def test_every_problem_of_an_override_is_reported(tmp_path: Path) -> None:
    _override(
        tmp_path,
        "  prescription.fraud_years: 10\n"
        "  no.such.key: 1\n"
        "  withholding.arrears_rate: 150\n"
        "  recovery.min_amount: {RSA: '-5'}\n",
    )
    with pytest.raises(PolicyError) as caught:
        for_organism("FR", "CAF-44", tmp_path)
    keys = [problem.key for problem in caught.value.problems]
    assert keys == [
        "prescription.fraud_years",
        "no.such.key",
        "withholding.arrears_rate",
        "recovery.min_amount.RSA",
    ]


@pytest.mark.parametrize(
    ("organism", "country", "fragment"),
    [("CAF-33", "FR", "named for organism 'CAF-44'"), ("CAF-44", "MA", "asked for country FR")],
)
def test_mismatched_override_file_is_refused(
    tmp_path: Path, organism: str, country: str, fragment: str
) -> None:
    path = tmp_path / "CAF-44.yaml"
    path.write_text(f"organism: {organism}\ncountry: {country}\nparameters: {{}}\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=fragment):
        for_organism("FR", "CAF-44", tmp_path)


def test_broken_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "CAF-44.yaml"
    path.write_text("organism: CAF-44\nparameters: [\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid YAML") as caught:
        for_organism("FR", "CAF-44", tmp_path)
    assert str(path) in str(caught.value)


def test_no_file_or_no_folder_means_national_values(tmp_path: Path) -> None:
    for folder in (tmp_path, None):
        policy = for_organism("FR", "CAF-99", folder)
        assert policy.organism == "CAF-99"
        assert policy.version("remission.threshold", date(2026, 1, 1)).origin == "national FR"


def test_the_shipped_example_is_a_valid_override() -> None:
    policy = for_organism("FR", "CAF-EXAMPLE", EXAMPLES)
    on = date(2026, 1, 1)
    assert policy.amount("remission.threshold", on) == 80000
    scale = policy.remission_scale(on)
    assert scale.rate(45000, "debtor_error") == Decimal(80)
    assert policy.remission_scale(date(2025, 12, 31)) == national("FR").remission_scale(date(2025, 12, 31))


def test_scenario_values_skip_bounds_and_replace_plain_values() -> None:
    policy = national("FR").with_values(
        {
            "remission.threshold": [{"from": date(2026, 1, 1), "value": "500.00"}],
            "prescription.years": 3,
            "withholding.scale": {"flat": "10.00", "bands": [{"from": "100.00", "to": None, "rate": 50}]},
            "fraud.indemnity_rate": [
                {"from": "2020-01-01", "value": 10},
                {"from": "2019-01-01", "value": 40},
            ],
        },
        origin="scenario",
        check_bounds=False,
    )
    on = date(2026, 1, 1)
    assert policy.amount("remission.threshold", on) == 50000
    assert policy.whole("prescription.years", date(1990, 1, 1)) == 3
    version = policy.version("withholding.scale", date(2000, 1, 1))
    assert version.valid_from == ALWAYS
    assert version.origin == "scenario"
    assert version.value.monthly(30000) == 1000 + 10000
    assert policy.percent("fraud.indemnity_rate", date(2019, 6, 1)) == 40
    assert policy.percent("fraud.indemnity_rate", date(2018, 6, 1)) == 0  # national before the first date
    # the national policy itself is unchanged
    assert national("FR").whole("prescription.years", on) == 2


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        (
            {
                "withholding.scale": {
                    "flat": "49.00",
                    "bands": [{"from": "266.00", "to": None, "rate": "abc"}],
                }
            },
            "withholding.scale.bands[0].rate: 'abc': not a percent",
        ),
        ({"withholding.scale": {"flat": "49.00"}}, "missing bands"),
        ({"remission.scale": {"bands": [{"to": None}], "rates": {"fraud": [0]}}}, "fraud is never remitted"),
        ({"remission.threshold": [{"from": "2026-13-01", "value": "1.00"}]}, "remission.threshold[0].from"),
        (
            {"remission.threshold": [{"from": "2026-01-01", "value": "1.00", "colour": 1}]},
            "unknown field(s) colour",
        ),
        (
            {
                "remission.threshold": [
                    {"from": "2026-01-01", "value": "1.00"},
                    {"from": "2026-01-01", "value": "2.00"},
                ]
            },
            "the same date appears twice",
        ),
        ({"appeal.suspends": ["RSA", "RSA"]}, "appears twice"),
        (
            {"default.steps": [{"defaults": 2, "letter": "a"}, {"defaults": 1, "letter": "b"}]},
            "increasing order",
        ),
        ({"recovery.start_delay_days": -1}, "cannot be negative"),
        ({"recovery.start_delay_days": True}, "not a whole number"),
    ],
)
def test_invalid_scenario_values_are_refused_with_their_place(
    values: dict[str, object], fragment: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        national("FR").with_values(values, origin="scenario", check_bounds=False)
    assert fragment in str(caught.value)
    assert str(caught.value).startswith("scenario: ")


def test_unknown_key_is_refused_for_scenarios_too() -> None:
    with pytest.raises(PolicyError, match=r"withholding\.scale.*unknown parameter for country MA"):
        national("MA").with_values({"withholding.scale": {}}, origin="scenario", check_bounds=False)


def test_cnss_reform_date_set_by_organism_override(tmp_path: Path) -> None:
    """The national effective date of loi 02.24 is unverified: a CNSS organism that knows the
    exact date restates the rate from a date before the national one."""
    _override(
        tmp_path,
        "  cnss.surcharge_monthly:\n"
        '    - {from: 2025-01-01, value: 1, reference: "dahir 1-72-184 art. 26"}\n'
        '    - {from: 2025-06-01, value: 0.5, reference: "loi n° 02.24"}\n',
        organism="CNSS-CASA",
        country="MA",
    )
    policy = for_organism("MA", "CNSS-CASA", tmp_path)
    assert policy.percent("cnss.surcharge_monthly", date(2024, 12, 31)) == 1
    assert policy.percent("cnss.surcharge_monthly", date(2025, 5, 31)) == 1
    assert policy.percent("cnss.surcharge_monthly", date(2025, 6, 1)) == Decimal("0.5")
    assert national("MA").percent("cnss.surcharge_monthly", date(2025, 5, 31)) == Decimal("0.5")


def test_policy_errors_survive_pickling() -> None:
    import pickle

    with pytest.raises(PolicyError) as caught:
        national("FR").with_values({"prescription.years": 3, "x.y": 1}, origin="o", check_bounds=True)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert str(copy) == str(caught.value)
    assert [problem.key for problem in copy.problems] == ["prescription.years", "x.y"]


def test_an_amnesty_grid_is_complete_or_null() -> None:
    base = national("MA")
    closed = base.with_values({"cnss.amnesty": None}, origin="scenario", check_bounds=False)
    assert closed.rates("cnss.amnesty", date(2024, 1, 1)) is None
    grid = {"full": 70, "plan_24": 60, "plan_more": "55.5"}
    opened = base.with_values(
        {"cnss.amnesty": [{"from": "2026-01-01", "value": grid}]}, origin="scenario", check_bounds=False
    )
    assert opened.rates("cnss.amnesty", date(2026, 1, 1)) == {
        "full": Decimal(70),
        "plan_24": Decimal(60),
        "plan_more": Decimal("55.5"),
    }
    assert opened.rates("cnss.amnesty", date(2025, 12, 31)) is None
    with pytest.raises(PolicyError, match="missing plan_more"):
        base.with_values({"cnss.amnesty": {"full": 70, "plan_24": 60}}, origin="s", check_bounds=False)
    with pytest.raises(PolicyError, match="not a known amnesty_option"):
        base.with_values(
            {"cnss.amnesty": {"full": 1, "plan_24": 1, "plan_more": 1, "plan_12": 1}},
            origin="s",
            check_bounds=False,
        )
