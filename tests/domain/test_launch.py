"""domain.launch: recovery mode, correction and appeal deadlines, appeal route, payment reference."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.iso11649 import is_valid as is_creditor_reference

from recouvre.domain.launch import (
    RecoveryMode,
    appeal_deadline,
    appeal_route,
    correction_deadline,
    payment_reference,
    recovery_mode,
)
from recouvre.domain.model import Benefit, Claim, Creditor, Responsibility, UndueLine


def claim(benefit: Benefit) -> Claim:
    return Claim(
        ref="C1",
        organism="CAF-TEST",
        debtor_ref="D1",
        benefit=benefit,
        creditor=Creditor.DEPARTEMENT if benefit is Benefit.RSA else Creditor.OWN,
        responsibility=Responsibility.DEBTOR_ERROR,
        lines=(UndueLine(date(2025, 9, 5), 10_000),),
        established_on=date(2026, 1, 2),
        notified_on=date(2026, 1, 10),
        detected_on=date(2026, 1, 2),
    )


def test_recovery_mode_is_withholding_only_for_a_debtor_receiving_benefits() -> None:
    assert recovery_mode(True) is RecoveryMode.WITHHOLDING
    assert recovery_mode(False) is RecoveryMode.PAYMENT


def test_correction_deadline_is_the_notification_plus_the_start_delay() -> None:
    assert correction_deadline(date(2026, 1, 10), 20) == date(2026, 1, 30)
    assert correction_deadline(date(2026, 2, 20), 20) == date(2026, 3, 12)  # across February


def test_appeal_deadline_is_two_calendar_months() -> None:
    assert appeal_deadline(date(2026, 1, 10), 2) == date(2026, 3, 10)
    assert appeal_deadline(date(2025, 12, 31), 2) == date(2026, 2, 28)  # no 31 February
    assert appeal_deadline(date(2026, 1, 10), 1) == date(2026, 2, 10)


@pytest.mark.parametrize(
    ("benefit", "route"),
    [
        (Benefit.RSA, "administrative"),
        (Benefit.APL, "administrative"),
        (Benefit.PPA, "administrative"),
        (Benefit.AL, "board"),
        (Benefit.AF, "board"),
        (Benefit.AAH, "board"),
    ],
)
def test_appeal_route_by_benefit(benefit: Benefit, route: str) -> None:
    assert appeal_route(claim(benefit)) == route


def test_payment_reference_is_an_iso_11649_reference() -> None:
    reference = payment_reference("CAF-44", "IND-001")
    assert reference.startswith("RF") and reference.endswith("CAF44IND001")
    assert is_creditor_reference(reference)
    assert payment_reference("CAF-44", "IND-001") == reference  # stable: printed on every letter
    assert payment_reference("CAF-44", "IND-002") != reference


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ /", min_size=1, max_size=64))
def test_every_claim_reference_gives_a_valid_creditor_reference(claim_ref: str) -> None:
    reference = payment_reference("CAF-TEST", claim_ref)
    assert is_creditor_reference(reference)
    assert len(reference) <= 25  # RF + 2 check digits + at most 21 characters
