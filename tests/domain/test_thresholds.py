"""domain.thresholds: claims under their benefit's recovery minimum are not recovered (R-THRESH-1)."""

from __future__ import annotations

from datetime import date

import pytest

from recouvre.domain.thresholds import recovery_minimums, under_minimum
from recouvre.policy import national

ON = date(2026, 2, 2)


def test_the_national_minimum_is_77_euros_for_rsa_only() -> None:
    minimums = recovery_minimums(national("FR"), ON)
    assert dict(minimums) == {"RSA": 7_700}  # CASF R262-92


def test_an_organism_without_the_parameter_has_no_minimum() -> None:
    minimums = recovery_minimums(national("MA"), ON)
    assert dict(minimums) == {}
    assert not under_minimum(minimums, "CONTRIB", 1)


@pytest.mark.parametrize(
    ("benefit", "principal", "under"),
    [
        ("RSA", 7_699, True),
        ("RSA", 7_700, False),  # at the minimum: recovered (strictly below is not)
        ("RSA", 1, True),
        ("AL", 1, False),  # no minimum for AL
        ("AAH", 100, False),
    ],
)
def test_under_minimum_is_strictly_below(benefit: str, principal: int, under: bool) -> None:
    assert under_minimum({"RSA": 7_700}, benefit, principal) is under
