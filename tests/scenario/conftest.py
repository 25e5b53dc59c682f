"""Helpers for the scenario runner tests: the project's scenario files, a writer for ad-hoc ones."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

VALID = """\
scenario: "one AL claim, one payment"
debtors:
  - {id: D1, kind: person, nir: "285077512345655"}
claims:
  - id: C1
    debtor: D1
    benefit: AL
    responsibility: debtor_error
    lines:
      - {paid_on: 2026-01-05, amount: "120.00"}
    notified_on: 2026-02-02
timeline:
  - {date: 2026-03-01, payment: {claim: C1, amount: "20.00", channel: transfer}}
expect:
  - date: 2026-03-01
    balance: {C1: "100.00"}
    status: {C1: open}
"""


@pytest.fixture
def valid() -> str:
    """A small valid scenario that passes; tests derive broken variants from it."""
    return VALID


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a scenario file in a temporary folder and return its path."""

    def _write(text: str, name: str = "case.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
