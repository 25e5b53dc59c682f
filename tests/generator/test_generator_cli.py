"""`recouvre generate` then `recouvre summary`, end to end through the CLI."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from recouvre.cli import app

runner = CliRunner()


def test_generate_then_summary(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    result = runner.invoke(app, ["--db", db, "generate", "--debtors", "150", "--seed", "42"])
    assert result.exit_code == 0, result.output
    assert "CAF-DEMO" in result.output and "150 créés" in result.output
    again = runner.invoke(app, ["--db", db, "generate", "--debtors", "150", "--seed", "42"])
    assert again.exit_code == 0, again.output
    assert "(0 créés)" in again.output and "(0 créées)" in again.output
    summary = runner.invoke(app, ["--db", db, "summary"])
    assert summary.exit_code == 0, summary.output
    for title in ("Par prestation", "Par responsabilité", "Par statut", "Total", "RSA", "€"):
        assert title in summary.output
    on = runner.invoke(app, ["--db", db, "summary", "--organism", "CAF-DEMO", "--on", "2025-12-31"])
    assert on.exit_code == 0, on.output
    assert "31 décembre 2025" in on.output  # a date in a sentence, in French (issue 13)


def test_ma_portfolio_and_organism_choice(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    result = runner.invoke(app, ["--db", db, "generate", "--debtors", "50", "--seed", "1", "--country", "MA"])
    assert result.exit_code == 0, result.output
    assert "CNSS-DEMO" in result.output
    runner.invoke(app, ["--db", db, "generate", "--debtors", "20", "--seed", "1"])
    ambiguous = runner.invoke(app, ["--db", db, "summary"])
    assert ambiguous.exit_code == 1
    summary = runner.invoke(app, ["--db", db, "summary", "--organism", "CNSS-DEMO"])
    assert summary.exit_code == 0, summary.output
    assert "Cotisations" in summary.output and "MAD" in summary.output


def test_bad_dates_and_conflicting_content_are_refused(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    bad = runner.invoke(
        app, ["--db", db, "generate", "--debtors", "5", "--seed", "1", "--as-of", "2026-13-01"]
    )
    assert bad.exit_code == 1 and "--as-of '2026-13-01' : une date AAAA-MM-JJ" in bad.output
    assert runner.invoke(app, ["--db", db, "generate", "--debtors", "5", "--seed", "1"]).exit_code == 0
    moved = runner.invoke(
        app, ["--db", db, "generate", "--debtors", "5", "--seed", "1", "--as-of", "2026-06-01"]
    )
    assert moved.exit_code == 1
    unknown = runner.invoke(app, ["--db", db, "summary", "--organism", "NOPE"])
    assert unknown.exit_code == 1
