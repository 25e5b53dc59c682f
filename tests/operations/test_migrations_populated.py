"""Every migration runs on a populated database: from each earlier schema version, a database with
a row in every table is upgraded to the head, and keeps its rows (an operator upgrades a live
installation, never an empty one)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from recouvre.service import Services
from recouvre.service.commands import operations
from recouvre.storage.database import Database

SCRIPTS = ScriptDirectory.from_config(Database("sqlite://", migrate=False).alembic_config())
CHAIN = [revision.revision for revision in reversed(list(SCRIPTS.walk_revisions()))]


def _value(column: sa.Column[Any], number: int) -> Any:
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer | sa.BigInteger | sa.Numeric):
        return number
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 1, 2, 3, 4, 5)
    if isinstance(kind, sa.Date):
        return date(2026, 1, 2)
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.LargeBinary):
        return f"v{number}".encode()
    length = getattr(kind, "length", None) or 16
    return f"v{number}"[:length]


def _populate(database: Database) -> dict[str, int]:
    """One row in every table, parents first; every foreign key points at the parent's row 1."""
    metadata = sa.MetaData()
    metadata.reflect(database.engine)
    counts: dict[str, int] = {}
    with database.engine.begin() as connection:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            row: dict[str, Any] = {}
            for column in table.columns:
                integer_key = column.primary_key and isinstance(column.type, sa.Integer | sa.BigInteger)
                if column.foreign_keys or integer_key:
                    row[column.name] = 1
                elif column.nullable and column.server_default is None and not column.primary_key:
                    continue
                else:
                    row[column.name] = _value(column, 1)
            connection.execute(table.insert().values(**row))
            counts[table.name] = 1
    return counts


@pytest.mark.parametrize("start", CHAIN[:-1])
def test_upgrade_a_populated_database_to_the_head(start: str, tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'old.db'}", migrate=False)
    database.migrate(start)
    before = _populate(database)
    database.migrate("head")
    found = operations.readiness(Services(database))
    assert found.ready, found.problem
    after = operations.table_digests(Services(database))
    for table, count in before.items():
        if table in after:
            assert after[table][0] == count, f"{table}: rows lost by the migrations after {start}"
    database.dispose()


def test_the_chain_is_linear_and_complete() -> None:
    assert CHAIN[0].startswith("0001") and len(CHAIN) == len(set(CHAIN)) >= 7
