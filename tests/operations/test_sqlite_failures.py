"""SQLite locked by another program, or full: the command says so in plain words, exits with a
distinct code, and nothing of the interrupted transaction is written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recouvre.cli import app, main
from recouvre.storage.database import Database
from recouvre.storage.operations import table_digests


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    monkeypatch.setattr("sys.argv", ["recouvre", *argv])
    with pytest.raises(SystemExit) as ended:
        main()
    code = ended.value.code
    return (code if isinstance(code, int) else 1), " ".join(capsys.readouterr().err.split())


@pytest.fixture
def base(tmp_path: Path) -> Path:
    path = tmp_path / "base.db"
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{path}", "organisms", "add", "CAF-A"])
    assert result.exit_code == 0, result.output
    return path


def test_a_locked_database_is_said_locked_and_left_unchanged(
    base: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = table_digests(Database(f"sqlite:///{base}"))
    monkeypatch.setenv("RECOUVRE_SQLITE_BUSY_MS", "200")
    holder = sqlite3.connect(base)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code, said = _run(monkeypatch, capsys, "--db", f"sqlite:///{base}", "organisms", "add", "CAF-B")
    finally:
        holder.rollback()
        holder.close()
    assert code == 75
    assert "base verrouillée par un autre programme" in said and "rien n'en est écrit" in said
    assert "Traceback" not in said
    monkeypatch.delenv("RECOUVRE_SQLITE_BUSY_MS")
    assert table_digests(Database(f"sqlite:///{base}")) == before


def test_a_full_disk_is_said_full_and_nothing_half_written(
    base: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = Database(f"sqlite:///{base}")
    with database.engine.connect() as connection:
        pages = int(connection.exec_driver_sql("PRAGMA page_count").scalar_one())
    before = table_digests(database)
    database.dispose()
    monkeypatch.setenv("RECOUVRE_SQLITE_MAX_PAGES", str(pages))  # not one page more
    code, said = _run(
        monkeypatch, capsys, "--db", f"sqlite:///{base}", "generate", "--debtors", "300", "--seed", "1",
        "--organism", "CAF-A",
    )  # fmt: skip
    assert code == 74, said
    assert "disque plein" in said and "rien n'en est écrit" in said
    monkeypatch.delenv("RECOUVRE_SQLITE_MAX_PAGES")
    after = table_digests(Database(f"sqlite:///{base}"))
    assert {name: after[name] for name in before if name != "audit_log"} == {
        name: before[name] for name in before if name != "audit_log"
    }
