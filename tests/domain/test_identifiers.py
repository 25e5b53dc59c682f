from __future__ import annotations

import pytest

from recouvre.domain import identifiers
from recouvre.domain.model import DomainError


def test_valid_identifiers_are_compacted() -> None:
    assert identifiers.nir("2 85 07 75 123 456 55") == "285077512345655"
    assert identifiers.siren("732 829 320") == "732829320"
    assert identifiers.siret("73282932000074") == "73282932000074"
    assert identifiers.iban("FR14 2004 1010 0505 0001 3M02 606") == "FR1420041010050500013M02606"
    assert identifiers.ice("00 15 61 19 10 00 066") == "001561191000066"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nir", "285077512345600"),
        ("siren", "732829321"),
        ("siret", "73282932000075"),
        ("iban", "FR1420041010050500013M02607"),
        ("ice", "12345"),
    ],
)
def test_invalid_identifiers_name_the_field(field: str, value: str) -> None:
    with pytest.raises(DomainError) as error:
        identifiers.VALIDATORS[field](value)
    assert error.value.field == field


def test_personal_identifiers_are_masked_in_errors() -> None:
    with pytest.raises(DomainError) as error:
        identifiers.nir("285077512345600")
    assert "285077512345600" not in str(error.value)
    with pytest.raises(DomainError) as error:
        identifiers.iban("FR1420041010050500013M02607")
    assert "FR1420041010050500013M02607" not in str(error.value)
