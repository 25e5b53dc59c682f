"""Migration 0012_money_in creates exactly the tables of ``storage.money_in_tables``."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import recouvre.storage.money_in_tables
from recouvre.storage.database import Database
from recouvre.storage.tables import Base


def test_migration_matches_the_tables(sqlite_db: Database) -> None:
    assert recouvre.storage.money_in_tables.BankCreditRow.__tablename__ in Base.metadata.tables
    with sqlite_db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    ours = {"payment_references", "bank_credits", "debit_mandates", "debit_notices"}
    assert [d for d in differences if any(name in str(d) for name in ours)] == []
