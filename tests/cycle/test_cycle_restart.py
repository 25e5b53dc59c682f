"""The monthly cycle is idempotent and survives kill -9 (issue: recovery engine, item 4).

A portfolio is generated once, copied twice; one copy runs the cycle uninterrupted, the
other is killed (SIGKILL) in the middle of its run, several times, then run again to the
end. Both must end with exactly the same ledger, letters, tasks and claim states.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recouvre.adapters.generator import PortfolioSpec, load_portfolio
from recouvre.domain.model import Country
from recouvre.service import Services
from recouvre.storage.database import Database

MONTH = "2026-11"
ORG = "CAF-DEMO"


def snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    connection = sqlite3.connect(path)
    try:
        queries = {
            "movements": (
                "SELECT key, claim_id, sequence, kind, amount_cents, signed_cents, booked_on "
                "FROM movements ORDER BY key"
            ),
            "letters": "SELECT key, debtor_id, type, issued_on, cycle FROM letters ORDER BY key",
            "letter_claims": (
                "SELECT l.key, c.claim_id FROM letter_claims c "
                "JOIN letters l ON l.id = c.letter_id ORDER BY 1, 2"
            ),
            "tasks": "SELECT key, claim_id, type, created_on FROM tasks ORDER BY key",
            "claim_state": "SELECT * FROM claim_state ORDER BY claim_id",
            "claim_events": "SELECT key, claim_id, occurred_on, kind FROM claim_events ORDER BY key",
        }
        return {name: connection.execute(sql).fetchall() for name, sql in queries.items()}
    finally:
        connection.close()


def cycle_command(path: Path) -> list[str]:
    return [
        sys.executable, "-m", "recouvre.cli", "--db", f"sqlite:///{path}",
        "cycle", "run", "--month", MONTH, "--organism", ORG, "--date", "2026-12-01", "--shard-size", "40",
        "--without-payment-run",  # the portfolio has no benefit-payment run: the cycle alone is tested
    ]  # fmt: skip


def shards_done(path: Path) -> int:
    connection = sqlite3.connect(path, timeout=30)
    try:
        row = connection.execute("SELECT shards_done FROM cycle_runs").fetchone()
        return 0 if row is None else int(row[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        connection.close()


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cycle") / "base.db"
    database = Database(f"sqlite:///{path}")
    load_portfolio(Services(database), PortfolioSpec(ORG, Country.FR, seed=11), 1_500)
    database.dispose()
    return path


def copy(portfolio: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{portfolio}{suffix}")
        if source.exists():
            shutil.copy(source, f"{target}{suffix}")
    return target


def test_kill_9_then_rerun_gives_the_uninterrupted_result(portfolio: Path, tmp_path: Path) -> None:
    straight = copy(portfolio, tmp_path / "straight.db")
    subprocess.run(
        cycle_command(straight), check=True, capture_output=True, env=os.environ | {"COLUMNS": "120"}
    )
    expected = snapshot(straight)
    assert expected["letters"], "the cycle must decide letters for this test to mean anything"

    killed = copy(portfolio, tmp_path / "killed.db")
    kills = 0
    for wait_for in (2, 5, 9):
        process = subprocess.Popen(
            cycle_command(killed), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while shards_done(killed) < wait_for and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
    assert kills >= 1, "the run finished before it could be killed"
    partial = snapshot(killed)
    assert partial != expected, "the killed run must have stopped half-way"
    subprocess.run(cycle_command(killed), check=True, capture_output=True)
    assert snapshot(killed) == expected


def test_second_run_of_the_same_month_changes_nothing(portfolio: Path, tmp_path: Path) -> None:
    path = copy(portfolio, tmp_path / "twice.db")
    subprocess.run(cycle_command(path), check=True, capture_output=True)
    first = snapshot(path)
    result = subprocess.run(cycle_command(path), check=True, capture_output=True, text=True)
    assert "déjà été exécuté" in result.stdout
    assert snapshot(path) == first
