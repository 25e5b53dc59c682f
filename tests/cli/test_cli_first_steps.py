"""First steps and nothing silently wrong at the command line (issue 13): `cycle run` refuses a
month whose benefit-payment run is not booked (unless `--without-payment-run`), in French;
`serve` on a database without users says so; `summary` says which claims it does not count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from recouvre.cli import app

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = runner.invoke(
        app, ["--db", url, "generate", "--debtors", "80", "--seed", "7", "--as-of", "2026-11-01"]
    )
    assert result.exit_code == 0, result.output
    return url


def test_cycle_refused_before_the_payment_run_then_confirmed(db: str) -> None:
    refused = runner.invoke(app, ["--db", db, "cycle", "run", "--month", "2026-10"])
    assert refused.exit_code == 1, refused.output
    assert "paiement des prestations d'octobre 2026" in refused.output or "octobre 2026" in refused.output
    done = runner.invoke(app, ["--db", db, "cycle", "run", "--month", "2026-10", "--without-payment-run"])
    assert done.exit_code == 0, done.output
    assert "sans le paiement des prestations" in done.output
    assert "formal_notice" not in done.output and "reminder_1" not in done.output


def test_serve_on_a_database_without_users_says_so(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    result = runner.invoke(app, ["--db", db, "serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "aucun utilisateur" in result.output and "users add" in result.output
    assert seen["port"] == 8123


def test_summary_says_which_claims_it_does_not_count(db: str) -> None:
    result = runner.invoke(app, ["--db", db, "summary", "--on", "2026-01-31"])
    assert result.exit_code == 0, result.output
    assert "constatée" in result.output and "ne sont pas comptées" in result.output
