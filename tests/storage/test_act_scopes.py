"""Acts confined to one debtor's file run side by side on PostgreSQL; acts on the same file, and
acts with no scope, still run one at a time (``Database.act``, ``service.door.DEBTOR_CONFINED``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import open_database
from recouvre.storage.database import Database

HOLD = 1.0
"""How long the first act keeps its transaction open."""


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[Database]:
    database = open_database("postgres", tmp_path)
    database.migrate()
    try:
        yield database
    finally:
        database.drop_schema()


def _waited(database: Database, first: str | None, second: str | None) -> float:
    """Seconds the act of scope ``second`` waited while an act of scope ``first`` was open."""
    inside = threading.Event()

    def hold() -> None:
        with database.act(first):
            inside.set()
            time.sleep(HOLD)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(10)
    started = time.monotonic()
    with database.act(second):
        waited = time.monotonic() - started
    holder.join()
    return waited


@pytest.mark.postgres
def test_acts_on_two_files_run_side_by_side(pg: Database) -> None:
    assert _waited(pg, "debtor:CAF:A", "debtor:CAF:B") < HOLD / 2


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("first", "second"),
    [("debtor:CAF:A", "debtor:CAF:A"), ("debtor:CAF:A", None), (None, "debtor:CAF:A"), (None, None)],
)
def test_acts_on_one_file_or_with_no_scope_wait(pg: Database, first: str | None, second: str | None) -> None:
    assert _waited(pg, first, second) > HOLD * 0.8
