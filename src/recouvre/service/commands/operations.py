"""Operating the installation: readiness, backup and restore of the whole database.

A backup is a copy of every debtor's personal data: it is an act like any other, authorised
(``operations.backup``) and recorded in the audit trail with the file it wrote. A restore
replaces everything: its audit row is appended to the restored database, so that the trail of
the database in use says when and by whom it was brought back.
"""

from __future__ import annotations

from pathlib import Path

from recouvre.security.authorization import Actor, Subject
from recouvre.service import door
from recouvre.service.context import Services
from recouvre.storage import operations
from recouvre.storage.operations import OperationError, Readiness

__all__ = ["OperationError", "Readiness", "backup", "readiness", "restore", "table_digests"]


def readiness(services: Services) -> Readiness:
    """Whether the database answers and is migrated: no actor, it says nothing about the data."""
    return operations.readiness(services.db)


def table_digests(services: Services) -> dict[str, tuple[int, str]]:
    """Each table's row count and digest (comparing a restore, a rerun, two engines)."""
    return operations.table_digests(services.db)


def backup(services: Services, actor: Actor, target: Path) -> None:
    door.guard(services, actor, "operations.backup", Subject(organism=door.NETWORK))
    operations.backup(services.db, target)
    with door.act(services, actor, "operations.backup", organism=None, subject=target.name) as current:
        current.note(file=str(target), size=target.stat().st_size)


def restore(services: Services, actor: Actor, source: Path) -> None:
    door.guard(services, actor, "operations.restore", Subject(organism=door.NETWORK))
    operations.restore(services.db, source)
    with door.act(services, actor, "operations.restore", organism=None, subject=source.name) as current:
        current.note(file=str(source))
