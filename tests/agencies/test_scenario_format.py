"""The scenario format's ``agencies`` key and the agency names of events and checks."""

from __future__ import annotations

import pytest

from recouvre.scenario.fields import Invalid
from recouvre.scenario.schema import parse

HEAD = """
scenario: t
debtors: [{id: D1}]
claims:
  - {id: C1, debtor: D1, benefit: AF, lines: [{paid_on: 2025-10-05, amount: "10"}], notified_on: 2026-01-10}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(Invalid) as raised:
        parse(HEAD + text)
    return [f"{error.path}: {error.reason}" for error in raised.value.errors]


def test_agencies_are_read() -> None:
    scenario = parse(
        HEAD
        + """
agencies: [{id: A1, kind: amicable, commission_rate: "8.00"}, {id: H1, kind: bailiff, commission_rate: 5}]
timeline: [{date: 2026-02-01, placement: {claim: C1, agency: A1, action: placed}}]
expect: [{date: 2026-02-01, placement: {C1: {agency: A1, status: placed}}, commission: {A1: "0.00"}}]
"""
    )
    assert [(a.id, a.kind.value, str(a.commission_rate)) for a in scenario.agencies] == [
        ("A1", "amicable", "8.00"),
        ("H1", "bailiff", "5"),
    ]


def test_bad_agencies() -> None:
    found = problems(
        """
agencies: [{id: A1, kind: lawyer, commission_rate: "8.00"}, {id: A2, kind: amicable, commission_rate: "101"}]
timeline: [{date: 2026-02-01, agency_payment: {claim: C1, agency: ZZ, amount: "1.00"}}]
expect: [{date: 2026-02-01, commission: {YY: "0.00"}, placement: {C1: {agency: XX}}}]
"""
    )
    assert any(line.startswith("agencies[0].kind") for line in found), found
    assert any(line.startswith("agencies[1].commission_rate") for line in found), found
    assert not any("ZZ" in line or "YY" in line or "XX" in line for line in found), found


def test_duplicate_agency_id() -> None:
    found = problems(
        """
agencies: [{id: A1, kind: amicable}, {id: A1, kind: bailiff}]
expect: [{at_end: true, balance: {C1: "10.00"}}]
"""
    )
    assert any(line.startswith("agencies[1].id") for line in found), found
