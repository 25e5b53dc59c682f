"""The project's own scenarios (tests/scenarios/*.yaml) pass, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recouvre.cli import app

SCENARIO_FILES = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))
PG_URL = os.environ.get("RECOUVRE_TEST_PG_URL")


def test_there_are_scenarios() -> None:
    assert len(SCENARIO_FILES) >= 7


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda path: path.name)
def test_scenario_passes_on_sqlite(path: Path) -> None:
    result = CliRunner().invoke(app, ["scenario", "run", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}: ok" in result.output
    assert "1 scenario: 1 passed, 0 failed" in result.output


@pytest.mark.postgres
@pytest.mark.skipif(PG_URL is None, reason="PostgreSQL not available (RECOUVRE_TEST_PG_URL unset)")
@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda path: path.name)
def test_scenario_passes_on_postgresql(path: Path) -> None:
    assert PG_URL is not None
    result = CliRunner().invoke(app, ["scenario", "run", str(path), "--db", PG_URL])
    assert result.exit_code == 0, result.output
    assert f"{path}: ok" in result.output
