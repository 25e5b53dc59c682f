"""A backup restored gives back every row: on SQLite (online backup API) and PostgreSQL
(pg_dump / pg_restore), compared table by table; the backup and the restore are audited acts,
refused to a role without the right."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from recouvre.adapters.generator import PortfolioSpec, load_portfolio
from recouvre.domain.model import Country, Organism
from recouvre.security.authorization import Actor, Forbidden
from recouvre.service import Services
from recouvre.service.commands import operations
from recouvre.service.registry import ensure_organism
from recouvre.storage.database import Database

SYSTEM = Actor("system", frozenset({"system"}))
AUDIT = "audit_log"


def _portfolio(services: Services) -> None:
    spec = PortfolioSpec(organism="CAF-OPS", country=Country.FR, seed=7, as_of=date(2026, 1, 31))
    load_portfolio(services, spec, 40, lambda done: None)


def _without_audit(digests: dict[str, tuple[int, str]]) -> dict[str, tuple[int, str]]:
    return {name: value for name, value in digests.items() if not name.startswith("audit")}


def test_backup_then_restore_gives_back_every_row(any_db: Database, tmp_path: Path) -> None:
    if any_db.dialect == "postgresql" and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump not installed")
    services = Services(any_db)
    ensure_organism(services, Organism(code="CAF-OPS", country=Country.FR))
    _portfolio(services)
    saved = operations.table_digests(services)
    assert saved["claims"][0] > 0
    copy = tmp_path / "copy.backup"
    operations.backup(services, SYSTEM, copy)
    assert copy.stat().st_size > 0

    ensure_organism(services, Organism(code="CAF-LATER", country=Country.FR))
    assert operations.table_digests(services)["organisms"] != saved["organisms"]

    operations.restore(services, SYSTEM, copy)
    restored = operations.table_digests(services)
    assert _without_audit(restored) == _without_audit(saved)
    # the backup's own audit row was written after the copy; the restore appends its own
    assert restored[AUDIT][0] == saved[AUDIT][0] + 1
    assert operations.readiness(services).ready


def test_backup_refuses_an_existing_file_and_a_role_without_the_right(
    services: Services, tmp_path: Path
) -> None:
    existing = tmp_path / "there.db"
    existing.write_bytes(b"x")
    with pytest.raises(operations.OperationError, match="existe déjà"):
        operations.backup(services, SYSTEM, existing)
    with pytest.raises(Forbidden):
        operations.backup(services, Actor("agent", frozenset({"case_worker"})), tmp_path / "new.db")
    assert not (tmp_path / "new.db").exists()


def test_readiness_names_a_schema_behind_its_head(tmp_path: Path) -> None:
    behind = Database(f"sqlite:///{tmp_path / 'old.db'}", migrate=False)
    behind.migrate("0006")
    found = operations.readiness(Services(behind))
    assert not found.ready
    assert "0006" in found.problem and found.head in found.problem
