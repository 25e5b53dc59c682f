"""What an operator does to a database as a whole: is it reachable and migrated, copy it, bring a
copy back, and tell whether two databases hold the same rows.

* SQLite copies go through SQLite's online backup API (a consistent copy while others write);
* PostgreSQL copies go through ``pg_dump`` in its custom format and ``pg_restore``, the server's
  own tools (Debian's ``postgresql-client``), which keep types, sequences and indexes exactly.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, func, select, text
from sqlalchemy.engine import make_url

from recouvre.storage.database import Database
from recouvre.storage.tables import CycleRunRow, OrganismRow, TaskRow


class OperationError(RuntimeError):
    """An operation that could not be done, with the reason in French for the operator."""


@dataclass(frozen=True)
class Readiness:
    reachable: bool
    revision: str | None
    head: str
    problem: str = ""

    @property
    def ready(self) -> bool:
        return self.reachable and self.revision == self.head


def head_revision(database: Database) -> str:
    head = ScriptDirectory.from_config(database.alembic_config()).get_current_head()
    assert head is not None, "the migrations have a head"
    return head


def readiness(database: Database) -> Readiness:
    """Whether the database answers and is at the migrations' head (else ``problem`` says why)."""
    head = head_revision(database)
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            revision = MigrationContext.configure(connection).get_current_revision()
    except Exception as error:  # any driver error: the answer is "not ready", with its class
        return Readiness(False, None, head, f"base injoignable ({type(error).__name__})")
    if revision != head:
        return Readiness(True, revision, head, f"schéma en version {revision}, attendu {head}")
    return Readiness(True, revision, head)


def _libpq_url(database: Database) -> str:
    url = make_url(database.url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise OperationError(f"{name} introuvable : installez le paquet postgresql-client")
    return found


def _run(arguments: list[str]) -> None:
    # The connection URL (and its password) is an argument of the child only, never logged.
    done = subprocess.run(arguments, capture_output=True, text=True, check=False, env=os.environ.copy())
    if done.returncode != 0:
        raise OperationError(f"{Path(arguments[0]).name} a échoué : {done.stderr.strip()[:500]}")


def backup(database: Database, target: Path) -> None:
    """Write a consistent copy of ``database`` to ``target`` (which must not exist)."""
    if target.exists():
        raise OperationError(f"fichier={target} : existe déjà, choisissez un autre nom")
    if database.dialect == "sqlite":
        raw = database.engine.raw_connection()
        try:
            source = raw.driver_connection
            assert isinstance(source, sqlite3.Connection)
            with sqlite3.connect(target) as copy:
                source.backup(copy)
            copy.close()
        finally:
            raw.close()
        return
    arguments = [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}"]
    if database.schema is not None:
        arguments.append(f"--schema={database.schema}")
    _run([*arguments, _libpq_url(database)])


def restore(database: Database, source: Path) -> None:
    """Replace the content of ``database`` by the copy ``source`` made by ``backup``."""
    if not source.is_file():
        raise OperationError(f"fichier={source} : introuvable")
    if database.dialect == "sqlite":
        database.dispose()
        raw = database.engine.raw_connection()
        try:
            target = raw.driver_connection
            assert isinstance(target, sqlite3.Connection)
            with sqlite3.connect(source) as copy:
                copy.backup(target)
            copy.close()
        finally:
            raw.close()
        database.dispose()
        return
    database.dispose()
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_libpq_url(database)}",
            str(source),
        ]
    )


def table_digests(database: Database) -> dict[str, tuple[int, str]]:
    """Each table's row count and a SHA-256 of its rows in primary-key order: two databases with
    the same digests hold the same rows (what a restore, a rerun or another engine must give)."""
    metadata = MetaData()
    metadata.reflect(database.engine)
    digests: dict[str, tuple[int, str]] = {}
    with database.engine.connect() as connection:
        for name in sorted(metadata.tables):
            table = metadata.tables[name]
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            count = 0
            for row in connection.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
                count += 1
            digests[name] = (count, digest.hexdigest())
    return digests


@dataclass(frozen=True)
class CycleProgress:
    organism: str
    month: str
    shards_done: int
    shards: int


def open_tasks(database: Database) -> list[tuple[str, str, int]]:
    """Open tasks per organism and queue (task type): the queues' depth, one grouped read."""
    with database.engine.connect() as connection:
        rows = connection.execute(
            select(OrganismRow.code, TaskRow.type, func.count())
            .join(OrganismRow, OrganismRow.id == TaskRow.organism_id)
            .where(TaskRow.status == "open")
            .group_by(OrganismRow.code, TaskRow.type)
            .order_by(OrganismRow.code, TaskRow.type)
        )
        return [(code, kind, int(count)) for code, kind, count in rows]


def running_cycles(database: Database) -> list[CycleProgress]:
    """The monthly cycles under way, with their finished and total shards (batch progress seen
    from the database, whichever process or machine runs the shards)."""
    with database.engine.connect() as connection:
        rows = connection.execute(
            select(
                OrganismRow.code,
                CycleRunRow.month,
                CycleRunRow.shards_done,
                CycleRunRow.first_debtor,
                CycleRunRow.last_debtor,
                CycleRunRow.shard_debtors,
            )
            .join(OrganismRow, OrganismRow.id == CycleRunRow.organism_id)
            .where(CycleRunRow.status == "running")
            .order_by(OrganismRow.code, CycleRunRow.month)
        )
        found: list[CycleProgress] = []
        for code, month, done, first, last, size in rows:
            shards = 0 if first is None or last is None or not size else (last - first) // size + 1
            found.append(CycleProgress(code, month, int(done or 0), shards))
        return found


VOLATILE_TABLES: Final = frozenset(
    {
        "alembic_version",
        "audit_log",
        "idempotent_requests",
        # The job queue (PostgreSQL): which worker ran what, when; not what was decided.
        "procrastinate_events",
        "procrastinate_jobs",
        "procrastinate_periodic_defers",
        "procrastinate_workers",
    }
)
"""Tables whose rows say when and by whom, not what: the audit trail is compared by its own
verification (``recouvre audit verify``), not with another run's; the job queue's tables
say how a run was carried out."""


def _volatile(column: Column[Any]) -> bool:
    # Surrogate ids depend on the order rows were written (and PostgreSQL's sequences skip what
    # a killed transaction took); wall-clock stamps on when they were written.
    return bool(column.primary_key and column.name == "id") or column.name.endswith("_at")


def content_digests(database: Database) -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of what its rows *say*, independent of the order in
    which they were written: surrogate ids and wall-clock stamps left out, a reference to a row
    that has a natural ``key`` replaced by that key, rows sorted. Two runs of the same batch step
    — one killed and resumed, one on another engine — must give the same digests."""
    metadata = MetaData()
    metadata.reflect(database.engine)
    digests: dict[str, tuple[int, str]] = {}
    with database.engine.connect() as connection:
        for name in sorted(metadata.tables):
            if name in VOLATILE_TABLES:
                continue
            table = metadata.tables[name]
            selected: list[Any] = []
            joins: list[tuple[Any, Any]] = []
            for column in table.columns:
                if _volatile(column):
                    continue
                target = next(iter(column.foreign_keys)).column if column.foreign_keys else None
                if target is not None and "key" in target.table.columns and target.table is not table:
                    alias = target.table.alias(f"{column.name}_target")
                    joins.append((alias, alias.c[target.name] == column))
                    selected.append(alias.c.key)
                else:
                    selected.append(column)
            query = select(*selected).select_from(table)
            for alias, condition in joins:
                query = query.outerjoin(alias, condition)
            rows = sorted(repr(tuple(_plain(value) for value in row)) for row in connection.execute(query))
            digest = hashlib.sha256("\n".join(rows).encode())
            digests[name] = (len(rows), digest.hexdigest())
    return digests


def _plain(value: Any) -> Any:
    """One representation per value whatever the engine (JSON read back as text or objects,
    timestamps with or without a zone)."""
    if isinstance(value, dict):
        return tuple(sorted((str(key), _plain(item)) for key, item in value.items()))
    if isinstance(value, list):
        return tuple(_plain(item) for item in value)
    if isinstance(value, memoryview):
        return bytes(value)
    return value
