"""Amounts are shown in the organism's currency (policy ``currency``): MAD for a Moroccan
organism, € for a Caf, in every command that prints amounts."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from recouvre.cli import app

runner = CliRunner()
BELOW = ("--below", "100000")


def _generate(db: str, *country: str) -> None:
    result = runner.invoke(app, ["--db", db, "generate", "--debtors", "30", "--seed", "1", *country])
    assert result.exit_code == 0, result.output


def test_write_off_propose_and_simulate_print_mad_for_a_moroccan_organism(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ma.db'}"
    _generate(db, "--country", "MA")
    proposed = runner.invoke(
        app,
        ["--db", db, "write-off", "propose", "--organism", "CNSS-DEMO", "--date", "2026-03-01", *BELOW],
    )
    assert proposed.exit_code == 0, proposed.output
    assert "MAD" in proposed.output and "€" not in proposed.output
    simulated = runner.invoke(
        app, ["--db", db, "simulate", "--start", "2026-01", "--months", "1", "--seed", "1"]
    )
    assert simulated.exit_code == 0, simulated.output
    assert "MAD" in simulated.output and "€" not in simulated.output
    watched = runner.invoke(
        app, ["--db", db, "prescription", "watch", "--date", "2026-03-01", "--horizon", "100000"]
    )
    assert watched.exit_code == 0, watched.output
    assert "€" not in watched.output


def test_a_caf_still_prints_euros(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'fr.db'}"
    _generate(db)
    proposed = runner.invoke(
        app,
        ["--db", db, "write-off", "propose", "--organism", "CAF-DEMO", "--date", "2026-03-01", *BELOW],
    )
    assert proposed.exit_code == 0, proposed.output
    assert "€" in proposed.output and "MAD" not in proposed.output
    simulated = runner.invoke(
        app, ["--db", db, "simulate", "--start", "2026-01", "--months", "1", "--seed", "1"]
    )
    assert simulated.exit_code == 0, simulated.output
    assert "€" in simulated.output and "MAD" not in simulated.output
