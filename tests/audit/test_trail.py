"""The audit trail: append-only, chained by hashes; `recouvre audit verify` names the first broken row."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import typer
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

from recouvre.cli import audit as audit_cli
from recouvre.cli.common import CliState
from recouvre.domain.model import Benefit
from recouvre.service import Services, trail
from recouvre.storage.back_office_tables import AuditRow
from recouvre.storage.database import Database
from recouvre.storage.tables import Base

OURS = {"users", "api_tokens", "mandates", "claim_authors", "placements", "proposals", "audit_log"}


def fill(services: Services, count: int) -> None:
    for index in range(count):
        trail.record(
            services,
            trail.Entry(
                f"user{index % 3}",
                "payments.record",
                organism="CAF-TEST",
                subject=f"créance C{index}",
                on=date(2026, 3, 1),
                why="virement",
                before={"balance": "100.00"},
                after={
                    "balance": "90.00",
                    "amount": Decimal("10.00"),
                    "benefit": Benefit.AL,
                    "on": date(2026, 3, 1),
                },
            ),
        )


def drop_triggers(services: Services) -> None:
    """What a privileged user would do before tampering with the trail."""
    with services.db.engine.begin() as connection:
        if services.db.dialect == "sqlite":
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))


def test_an_intact_chain(any_services: Services) -> None:
    assert trail.verify(any_services) == trail.Verification(0, trail.GENESIS, None)
    fill(any_services, 5)
    found = trail.verify(any_services)
    assert found.ok and found.rows == 5
    rows = trail.show(any_services, 10)
    assert [row.seq for row in rows] == [5, 4, 3, 2, 1] and found.head == rows[0].hash
    assert rows[0].after == {"balance": "90.00", "amount": "10.00", "benefit": "AL", "on": "2026-03-01"}
    assert rows[0].recorded_at.tzinfo is not None


def test_the_table_refuses_edits_and_deletions(any_services: Services) -> None:
    fill(any_services, 2)
    for statement in ("UPDATE audit_log SET why = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), any_services.db.engine.begin() as connection:
            connection.execute(text(statement))
    assert trail.verify(any_services).ok


def test_an_edited_row_is_named(any_services: Services) -> None:
    fill(any_services, 6)
    drop_triggers(any_services)
    with any_services.db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET why = 'rien à signaler' WHERE seq = 4"))
    found = trail.verify(any_services)
    assert found.broken is not None and found.broken.seq == 4 and "contenu modifié" in found.broken.reason
    assert found.rows == 4


def test_a_deleted_row_is_named(any_services: Services) -> None:
    fill(any_services, 6)
    drop_triggers(any_services)
    with any_services.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    found = trail.verify(any_services)
    assert found.broken is not None and found.broken.seq == 4 and "3 absente" in found.broken.reason


def test_a_row_rewritten_with_its_hash_breaks_the_next(any_services: Services) -> None:
    fill(any_services, 6)
    drop_triggers(any_services)
    with any_services.db.unit_of_work() as session:
        row = session.scalars(select(AuditRow).where(AuditRow.seq == 2)).one()
        row.actor = "quelqu'un d'autre"
        row.hash = trail.content_hash(row, trail.chain_key(any_services))  # even with the key
    found = trail.verify(any_services)
    assert found.broken is not None and found.broken.seq == 3 and "prev_hash" in found.broken.reason


def test_concurrent_writers_never_fork_the_chain(any_services: Services) -> None:
    def write() -> None:
        fill(any_services, 10)

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    found = trail.verify(any_services)
    assert found.ok and found.rows == 60


def test_jsonable() -> None:
    assert trail.jsonable(
        {"d": date(2026, 1, 2), "t": datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "x": {1, 2}, "f": 0.5, "n": None}
    ) == {"d": "2026-01-02", "t": "2026-01-02T03:04:00+00:00", "x": [1, 2], "f": "0.5", "n": None}
    with pytest.raises(ValueError, match="outcome"):
        trail.Entry("a", "b", outcome="maybe")


# CLI ---------------------------------------------------------------------------------------------


def _cli(services: Services, *args: str) -> tuple[int, str]:
    app = typer.Typer()
    app.add_typer(audit_cli.app, name="audit")
    result = CliRunner().invoke(
        app, list(args), obj=CliState(db_url=None, policy_dir=None, _services=services)
    )
    return result.exit_code, " ".join(result.output.split())


def test_audit_verify_command(services: Services) -> None:
    fill(services, 4)
    code, out = _cli(services, "audit", "verify")
    assert code == 0 and "intègre : 4 ligne(s)" in out and trail.verify(services).head in out
    drop_triggers(services)
    with services.db.engine.begin() as connection:
        connection.execute(text('UPDATE audit_log SET after = \'{"balance": "0.00"}\' WHERE seq = 2'))
    code, out = _cli(services, "audit", "verify")
    assert code == 1 and "rompue à la ligne n° 2" in out and "contenu modifié" in out


def test_audit_show_command(services: Services) -> None:
    fill(services, 3)
    code, out = _cli(services, "audit", "show", "--limit", "2")
    assert code == 0 and "créance C2" in out and "créance C1" in out and "créance C0" not in out
    code, out = _cli(services, "audit", "show", "--user", "user0")
    assert code == 0 and "créance C0" in out and "créance C1" not in out


# Migration ---------------------------------------------------------------------------------------


def test_migration_0004_matches_the_tables(sqlite_db: Database) -> None:
    assert set(Base.metadata.tables) >= OURS
    with sqlite_db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in differences if any(f"'{name}'" in str(d) for name in OURS)] == []


def test_migration_0004_goes_down_and_up(sqlite_db: Database) -> None:
    config = sqlite_db.alembic_config()
    with sqlite_db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    with sqlite_db.engine.connect() as connection:
        names = {
            row[0] for row in connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        }
    assert not names & OURS
    sqlite_db.migrate()
    services = Services(sqlite_db)
    fill(services, 1)
    assert trail.verify(services).ok
