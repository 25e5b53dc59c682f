"""domain.model: the facts the rules work on refuse what breaks a domain rule, naming the field."""

from __future__ import annotations

import pickle
from datetime import date

import pytest

from recouvre.domain.model import (
    Benefit,
    Claim,
    Country,
    Creditor,
    DatedValue,
    Debtor,
    DebtorKind,
    DomainError,
    Organism,
    Responsibility,
    UndueLine,
    value_on,
)


def claim(**changes: object) -> Claim:
    values: dict[str, object] = {
        "ref": "C1",
        "organism": "CAF-TEST",
        "debtor_ref": "D1",
        "benefit": Benefit.AL,
        "creditor": Creditor.OWN,
        "responsibility": Responsibility.DEBTOR_ERROR,
        "lines": (UndueLine(date(2025, 3, 5), 12_000), UndueLine(date(2025, 4, 5), 12_050)),
        "established_on": date(2026, 1, 2),
        "notified_on": date(2026, 1, 10),
        "detected_on": date(2026, 1, 2),
    }
    values.update(changes)
    return Claim(**values)  # type: ignore[arg-type]


def test_the_principal_is_the_sum_of_the_lines() -> None:
    assert claim().principal == 24_050
    assert not claim().is_fraud
    assert claim(responsibility=Responsibility.FRAUD).is_fraud


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ref": ""}, "claim.ref"),
        ({"ref": "C" * 65}, "claim.ref"),
        ({"lines": ()}, "claim.lines"),
        ({"notified_on": None}, "claim.notified_on"),
        ({"notified_on": date(2026, 1, 1)}, "claim.notified_on"),  # before established_on
        ({"lines": (UndueLine(date(2026, 1, 3), 100),)}, "claim.lines[0].paid_on"),  # after established_on
    ],
)
def test_a_claim_names_what_is_wrong(changes: dict[str, object], field: str) -> None:
    with pytest.raises(DomainError) as caught:
        claim(**changes)
    assert caught.value.field == field


def test_only_a_child_death_claim_has_no_notification() -> None:
    found = claim(responsibility=Responsibility.CHILD_DEATH, notified_on=None)
    assert found.notified_on is None


@pytest.mark.parametrize("amount", [0, -1])
def test_an_undue_line_is_positive(amount: int) -> None:
    with pytest.raises(DomainError) as caught:
        UndueLine(date(2025, 3, 5), amount)
    assert (caught.value.field, caught.value.value) == ("line.amount", amount)


def test_a_natural_person_has_no_company_identifiers_and_a_legal_person_no_nir() -> None:
    with pytest.raises(DomainError) as person:
        Debtor(ref="D1", organism="CAF-TEST", kind=DebtorKind.PERSON, siren="732829320")
    assert person.value.field == "debtor.kind"
    with pytest.raises(DomainError) as legal:
        Debtor(ref="D1", organism="CAF-TEST", kind=DebtorKind.LEGAL, nir="285077512345655")
    assert legal.value.field == "debtor.nir"
    assert "285077512345655" not in str(legal.value)  # the NIR is personal data: never echoed
    with pytest.raises(DomainError) as ref:
        Debtor(ref="", organism="CAF-TEST", kind=DebtorKind.PERSON)
    assert ref.value.field == "debtor.ref"


def test_the_prp_quotient_in_force_is_the_latest_not_after_the_date() -> None:
    debtor = Debtor(
        ref="D1",
        organism="CAF-TEST",
        kind=DebtorKind.PERSON,
        # given out of order on purpose
        prp_quotients=(DatedValue(date(2026, 1, 1), 65_000), DatedValue(date(2025, 1, 1), 70_000)),
    )
    assert debtor.prp_quotient_on(date(2024, 12, 31)) is None
    assert debtor.prp_quotient_on(date(2025, 1, 1)) == 70_000
    assert debtor.prp_quotient_on(date(2025, 12, 31)) == 70_000
    assert debtor.prp_quotient_on(date(2026, 1, 1)) == 65_000
    assert value_on((), date(2026, 1, 1)) is None


@pytest.mark.parametrize("code", ["", "A" * 33, "CAF 44", "CAF/44"])
def test_an_organism_code_is_letters_digits_dash_or_underscore(code: str) -> None:
    with pytest.raises(DomainError) as caught:
        Organism(code=code, country=Country.FR)
    assert caught.value.field == "organism.code"


def test_a_domain_error_crosses_process_boundaries_whole() -> None:
    error = DomainError("claim.ref", "", "required")
    back = pickle.loads(pickle.dumps(error))
    assert (type(back), back.field, back.value, back.reason) == (DomainError, "claim.ref", "", "required")
    assert str(back) == "claim.ref='': required"
