"""Log lines are JSON when asked, and never carry a NIR, an IBAN or an e-mail address."""

from __future__ import annotations

import json
import logging

import pytest

from recouvre.security.logs import Redact, configure, redact


@pytest.mark.parametrize(
    "personal",
    [
        "285077512345655",
        "1850775123456",
        "185072A12345678",
        "FR7630006000011234567890189",
        "FR76 3000 6000 0112 3456 7890 189",
        "jean.dupont@example.fr",
    ],
)
def test_personal_data_is_masked(personal: str) -> None:
    line = f"GET /recherche?q={personal} 200"
    assert personal not in redact(line)
    assert "[masqué]" in redact(line)


def test_ordinary_figures_are_kept() -> None:
    line = "cycle 2026-03: 1040 lettres, 31 tâches, montant 12345.67, créance C2026000123"
    assert redact(line) == line


def test_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure("info", json_lines=True)
    try:
        logging.getLogger("recouvre.api").info("recherche %s", "285077512345655")
        line = capsys.readouterr().err.strip().splitlines()[-1]
    finally:
        logging.getLogger().handlers[:] = []
    record = json.loads(line)
    assert record["level"] == "INFO" and record["logger"] == "recouvre.api"
    assert record["message"] == "recherche [masqué]"
    assert isinstance(Redact(), logging.Filter)
