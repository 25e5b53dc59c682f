"""Fixtures for the import tests: a private SQLite database, its organism, the CLI runner."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from recouvre.domain.model import Country, Organism
from recouvre.service import Services
from recouvre.service.registry import ensure_organism
from recouvre.storage.database import Database
from recouvre.storage.tables import (
    ClaimLineRow,
    ClaimRow,
    DebtorQuotientRow,
    DebtorRow,
    MovementRow,
)

DATA = Path(__file__).parent / "data"
ORGANISM = "CAF-44"
CLAIMS_HEADER = (
    "ref,debtor,benefit,creditor,responsibility,paid_on,amount,established_on,notified_on,detected_on"
)
TABLES = {
    "debtors": DebtorRow,
    "quotients": DebtorQuotientRow,
    "claims": ClaimRow,
    "lines": ClaimLineRow,
    "movements": MovementRow,
}


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/t.db"


@pytest.fixture
def services(db_url: str) -> Services:
    found = Services(Database(db_url))
    ensure_organism(found, Organism(code=ORGANISM, country=Country.FR))
    return found


def counts(services: Services) -> dict[str, int]:
    with services.db.unit_of_work() as session:
        return {
            name: session.scalar(select(func.count()).select_from(row)) or 0 for name, row in TABLES.items()
        }


Invoke = Callable[..., Result]


@pytest.fixture
def invoke(db_url: str, services: Services) -> Invoke:
    """Run ``recouvre --db <db> ARGS`` (the organism already exists)."""
    from recouvre.cli import app

    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, ["--db", db_url, *args], env={"COLUMNS": "200"})

    return run


def problems(result: Result) -> list[tuple[str, str, str, str]]:
    """(line, column, value, reason) of each problem in the Rich table printed on stderr.

    A cell that wraps continues on the table's next row, whose first cell is empty.
    """
    rows: list[list[str]] = []
    for text in result.stderr.splitlines():
        cells = [cell.strip() for cell in re.split(r"[│┃]", text)[1:-1]]
        if len(cells) != 4 or cells[0] == "ligne":
            continue
        if cells[0]:
            rows.append(cells)
        elif rows:
            rows[-1] = [f"{before} {after}".strip() for before, after in zip(rows[-1], cells, strict=True)]
    return [(line, column, value, reason) for line, column, value, reason in rows]


def report(result: Result) -> list[tuple[str, str, str]]:
    """(line, column, value) of each problem in the Rich table printed on stderr."""
    return [(line, column, value) for line, column, value, _ in problems(result)]


def flat(text: str) -> str:
    """``text`` with its line breaks and runs of spaces as single spaces (Rich wraps)."""
    return " ".join(text.split())


def write(folder: Path, name: str, text: str, *, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path
