"""Pure rules of money in (``domain.money_in``): references, IBAN, RUM, mandate lapse."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.iso11649 import is_valid

from recouvre.domain import money_in as rules
from recouvre.domain.model import DomainError


def test_candidates_are_valid_references_readable_first() -> None:
    candidates = rules.candidate_references("CAF-TEST", "C1")
    assert candidates[0] == "RF19CAFTESTC1"
    assert len(set(candidates)) == len(candidates)
    assert all(is_valid(reference) and len(reference) <= 25 for reference in candidates)


@given(st.text(min_size=1, max_size=64))
def test_every_claim_number_gets_valid_distinct_candidates(claim_ref: str) -> None:
    candidates = rules.candidate_references("CAF-TEST", claim_ref)
    assert all(rules.reference_problem(reference) is None for reference in candidates)
    assert len(set(candidates)) == len(candidates)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "absente"),
        ("CAF-TEST C1", "RF"),
        ("RF20CAFTESTC1", "chiffres de contrôle"),
        ("RF19CAFTESTC1XXXXXXXXXXXXXXXXXX", "longueur"),
        ("RF1XCAFTESTC1", "caractères"),
    ],
)
def test_reference_problems_say_why_in_french(text: str, reason: str) -> None:
    problem = rules.reference_problem(text)
    assert problem is not None and reason in problem


def test_a_reference_quoted_in_groups_of_four_is_valid() -> None:
    assert rules.reference_problem("rf19 caft estc 1") is None
    assert rules.compact_reference("rf19 caft estc 1") == "RF19CAFTESTC1"


def test_a_bad_iban_is_refused_naming_the_field() -> None:
    with pytest.raises(DomainError) as raised:
        rules.checked_iban("FR15 2004 1010 0505 0001 3M02 606")
    assert raised.value.field == "iban" and "clé de contrôle" in raised.value.reason
    assert rules.checked_iban("fr14 2004 1010 0505 0001 3m02 606") == "FR1420041010050500013M02606"
    assert rules.masked_iban("FR1420041010050500013M02606") == "FR14 **** **** 2606"


def test_rum_is_checked_and_defaults_fit_35_characters() -> None:
    assert len(rules.default_rum("CAF-TEST", "D" * 64, date(2026, 1, 2))) <= 35
    rules.checked_rum(rules.default_rum("CAF-TEST", "D1", date(2026, 1, 2)))
    with pytest.raises(DomainError):
        rules.checked_rum("x" * 36)
    with pytest.raises(DomainError):
        rules.checked_rum("RUM#1")


def test_a_mandate_lapses_36_months_after_its_last_collection() -> None:
    never_used = rules.MandateFacts(date(2023, 1, 10), None, None)
    assert rules.mandate_usable(never_used, date(2026, 1, 9))
    assert not rules.mandate_usable(never_used, date(2026, 1, 10))
    used = rules.MandateFacts(date(2023, 1, 10), date(2025, 6, 5), None)
    assert rules.mandate_lapses_on(used) == date(2028, 6, 5)
    revoked = rules.MandateFacts(date(2023, 1, 10), None, date(2024, 1, 1))
    assert not rules.mandate_usable(revoked, date(2024, 1, 1))
    assert not rules.mandate_usable(never_used, date(2023, 1, 9))


def test_instalments_fall_due_on_the_same_day_or_the_months_last() -> None:
    assert rules.instalment_due_on(date(2026, 1, 31), date(2026, 2, 28))
    assert rules.instalment_due_on(date(2026, 1, 5), date(2026, 3, 5))
    assert not rules.instalment_due_on(date(2026, 1, 5), date(2026, 3, 6))
    assert not rules.instalment_due_on(date(2026, 1, 5), date(2025, 12, 5))
    assert rules.collection_amount(10_000, 5_000) == 5_000
    assert rules.collection_amount(10_000, 0) == 0


def _cfonb_encode(cents: int) -> str:
    """The CFONB signed amount of ``cents`` (2 decimals), written independently of the parser."""
    digits = f"{abs(cents):014d}"
    last = int(digits[-1])
    sign = ("{ABCDEFGHI" if cents >= 0 else "}JKLMNOPQR")[last]
    return digits[:-1] + sign


@given(st.integers(min_value=-(10**13) + 1, max_value=10**13 - 1))
def test_cfonb_amounts_round_trip(cents: int) -> None:
    from recouvre.adapters.bank_statements import cfonb_amount

    assert cfonb_amount(_cfonb_encode(cents), 2) == cents


@given(st.integers(min_value=1, max_value=99_999_999_999_999))
def test_camt_amounts_are_exact_cents(cents: int) -> None:
    from recouvre.adapters.bank_statements import _decimal_amount

    assert _decimal_amount(f"{cents // 100}.{cents % 100:02d}") == cents
    assert _decimal_amount(f"{cents // 100}.{cents % 100:02d}1") is None
