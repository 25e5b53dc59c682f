"""`recouvre policy show`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from recouvre.cli.policy import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"
runner = CliRunner()


def test_show_prints_every_national_row_with_unverified_marks(tmp_path: Path) -> None:
    result = runner.invoke(app, ["show", "--on", "2026-01-01", "--policy-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for key in ("withholding.scale", "remission.threshold", "prescription.years", "fraud.indemnity_rate"):
        assert key in result.stdout
    assert "56.00 + 25 % de 301.00 à 450.00" in result.stdout
    assert "711.56" in result.stdout
    assert "non vérifié" in result.stdout
    assert "national FR" in result.stdout


def test_show_marks_a_medium_confidence_value_and_the_unverified_cnss_reform(tmp_path: Path) -> None:
    """The 2025 scale rests on press pages (RULES.md [M]); the date of the CNSS reform is not
    verified; an amnesty grid shows its three options."""
    result = runner.invoke(app, ["show", "--on", "2025-06-01", "--policy-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    scale = next(line for line in result.stdout.splitlines() if "withholding.scale" in line)
    assert "2025-01-01" in scale and "confiance M" in scale
    assert "1345.00" in result.stdout
    ma = runner.invoke(app, ["show", "--on", "2025-06-01", "--country", "MA"])
    assert ma.exit_code == 0, ma.output
    reform = next(line for line in ma.stdout.splitlines() if "cnss.surcharge_monthly" in line)
    assert "0,5 %" in reform and "2025-03-14" in reform and "non vérifié" in reform
    amnesty = runner.invoke(app, ["show", "--on", "2024-06-01", "--country", "MA"])
    assert "full: 60 %, plan_24: 50 %, plan_more: 40 %" in amnesty.stdout
    closed = runner.invoke(app, ["show", "--on", "2025-06-01", "--country", "MA"])
    grid = next(line for line in closed.stdout.splitlines() if "cnss.amnesty" in line)
    assert "(aucun)" in grid


def test_show_with_an_organism_override_from_the_environment() -> None:
    result = runner.invoke(
        app,
        ["show", "--on", "2026-01-01", "--organism", "CAF-EXAMPLE"],
        env={"RECOUVRE_POLICY_DIR": str(EXAMPLES)},
    )
    assert result.exit_code == 0, result.output
    assert "800.00" in result.stdout
    assert "organism CAF-EXAMPLE" in result.stdout


def test_show_country_ma() -> None:
    result = runner.invoke(app, ["show", "--on", "2026-01-01", "--country", "MA"])
    assert result.exit_code == 0, result.output
    assert "MAD" in result.stdout
    assert "withholding.scale" not in result.stdout


def test_show_takes_the_country_from_the_override_file(tmp_path: Path) -> None:
    (tmp_path / "CNSS-X.yaml").write_text("organism: CNSS-X\ncountry: MA\nparameters: {}\n", encoding="utf-8")
    result = runner.invoke(
        app, ["show", "--on", "2026-01-01", "--organism", "CNSS-X", "--policy-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "MAD" in result.stdout


def test_show_refused_override_exits_1_with_the_message(tmp_path: Path) -> None:
    path = tmp_path / "CAF-44.yaml"
    path.write_text("organism: CAF-44\ncountry: FR\nparameters:\n  prescription.years: 3\n", encoding="utf-8")
    result = runner.invoke(
        app, ["show", "--on", "2026-01-01", "--organism", "CAF-44", "--policy-dir", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "prescription.years" in result.stderr
    assert str(path) in result.stderr
    assert result.stdout == ""


def test_show_refuses_a_bad_date() -> None:
    result = runner.invoke(app, ["show", "--on", "2026-02-30"])
    assert result.exit_code == 1  # a clear refusal, not a crash
    assert "--on '2026-02-30' : une date AAAA-MM-JJ" in result.stderr
    assert result.stdout == ""
