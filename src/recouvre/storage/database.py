"""Opening a database: URL resolution, SQLite pragmas, migrations, sessions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///recouvre.db"
MIGRATIONS = Path(__file__).parent / "migrations"
ACT_LOCK = 7_263_315
"""PostgreSQL advisory lock key an act holds from its first statement until it ends (``act``):
exclusively, or shared by the acts confined to one scope (see ``act``)."""
SCOPE_LOCKS = 7_263
"""PostgreSQL advisory lock class (the first of two 32-bit keys; the second is the scope's
hash) of the acts confined to one scope, e.g. one debtor's file."""
BUSY_MS = 30_000
BUSY_VARIABLE = "RECOUVRE_SQLITE_BUSY_MS"
"""How long a SQLite writer waits for another's lock before saying the base is locked."""
MAX_PAGES_VARIABLE = "RECOUVRE_SQLITE_MAX_PAGES"
"""An optional cap on a SQLite file's size, in pages (4 KiB): past it, writes fail as on a full disk."""
SQLITE_CACHE_KIB = 262_144
SQLITE_CHECKPOINT_PAGES = 16_384
"""Page cache per SQLite connection (256 MiB): the batch steps' index pages stay in memory on a
national portfolio, where the 2 MiB default makes every insert into a large index re-read pages."""

POSTGRESQL_SETTINGS = {"jit": "off", "random_page_cost": "1.1"}
"""Session settings of every PostgreSQL connection (ADR 0008, measured on a million claims):

* ``jit``: the batch units' statements are short (a few thousand rows each) and the JIT
  compiled them anyway, their estimated cost being above ``jit_above_cost``: compiling took
  longer than it saved (the reads of one withholding batch and one cycle shard: 1.36-1.55 s
  with the JIT, 0.88-0.94 s without);
* ``random_page_cost``: 1.1 instead of 4 (the default, for spinning disks): the tables of a
  national portfolio sit in memory or on SSDs, where an index probe costs about as much as a
  page read in sequence. With 4 the planner read whole tables (``debtors``, ``debtor_quotients``,
  ``movements``) to join them with a unit's few thousand rows; with 1.1 it goes through the
  indexes (0.34-0.39 s for the same reads).
"""


def resolve_url(url: str | None) -> str:
    """``--db`` wins, then ``RECOUVRE_DB``, then the embedded SQLite default."""
    return url or os.environ.get("RECOUVRE_DB") or DEFAULT_URL


def _normalise(url: str) -> str:
    # "postgresql://" would pick psycopg2, which we do not ship: use psycopg 3.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def json_text(value: Any) -> str:
    """A JSON column's text: orjson, several times faster than ``json`` on the batch steps' rows."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(os.environ.get(BUSY_VARIABLE) or BUSY_MS)}")
    max_pages = os.environ.get(MAX_PAGES_VARIABLE)
    if max_pages:
        cursor.execute(f"PRAGMA max_page_count={int(max_pages)}")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute("PRAGMA temp_store=MEMORY")
    # Checkpoint every 64 MiB of log instead of 4: a batch step rewrites the same index pages
    # many times between two checkpoints, and copies them back once. Not more: readers look a
    # page up in every 16 MiB segment of the log, and a GiB of log made the cycle slower.
    cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
    cursor.close()


_ACT: ContextVar[tuple[Database, Session] | None] = ContextVar("recouvre_act", default=None)
"""The unit of work of the act in progress in this thread or task, if any (``Database.act``)."""


class Database:
    """One database: its engine, its migrations and its sessions (the unit of work)."""

    def __init__(self, url: str | None = None, *, schema: str | None = None, migrate: bool = True) -> None:
        """Open ``url``; with ``schema`` (PostgreSQL only), work in that schema, created if missing.

        A schema gives tests and scenario runs a private, disposable database on a shared server.
        """
        self.url = _normalise(resolve_url(url))
        self.schema = schema
        connect_args: dict[str, Any] = {}
        options = [f"-c{name}={value}" for name, value in POSTGRESQL_SETTINGS.items()]
        if schema is not None:
            if not schema.isidentifier():
                raise ValueError(f"schema={schema!r}: not a plain identifier")
            options.append(f"-csearch_path={schema}")
        if self.url.startswith("postgresql"):
            connect_args["options"] = " ".join(options)
        # SQL parameters (NIR, IBAN…) never reach the logs, even with SQL logging switched on.
        self.engine: Engine = create_engine(
            self.url,
            connect_args=connect_args,
            hide_parameters=True,
            json_serializer=json_text,
            json_deserializer=orjson.loads,
        )
        if self.engine.dialect.name == "sqlite":
            if schema is not None:
                raise ValueError("schema: only for PostgreSQL")
            event.listen(self.engine, "connect", _sqlite_pragmas)
        elif schema is not None:
            with self.engine.begin() as connection:
                connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    def alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return config

    def migrate(self, revision: str = "head") -> None:
        config = self.alembic_config()
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A transaction: everything inside is committed together or not at all.

        Inside an act (``act``), it is the act's own transaction: a service command opens its
        units of work as it always did, and they all commit with the act (its audit row
        included) or not at all.
        """
        current = _ACT.get()
        if current is not None and current[0] is self:
            yield current[1]
            return
        session = self._sessions()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    @contextmanager
    def act(self, scope: str | None = None) -> Iterator[Session]:
        """The one transaction of an act: every ``unit_of_work`` opened inside joins it.

        ``scope`` names what the act reads and writes when it is confined to it (one debtor's
        file): on PostgreSQL, acts of different scopes then run side by side (``_serialise``)."""
        if self.in_act():
            raise RuntimeError("an act is already in progress: acts do not nest")
        session = self._sessions()
        token = _ACT.set((self, session))
        try:
            with session.begin():
                self._serialise(session, scope)
                yield session
        finally:
            _ACT.reset(token)
            session.close()

    def _serialise(self, session: Session, scope: str | None = None) -> None:
        """Acts are done one at a time, each reading what the previous one committed.

        An act reads (a claim's ledger, the audit chain's head) and then writes what it computed
        from it (the next movement's sequence, the next audit row): two acts on the same claim
        interleaved in other processes would read the same head and collide on
        ``(claim_id, sequence)``. So an act takes the write lock before its first read:

        * SQLite: ``BEGIN IMMEDIATE`` (pysqlite would otherwise begin lazily, at the first
          write, after the reads); a writer holding the lock is waited for (``busy_timeout``);
        * PostgreSQL: an advisory lock held until the act's transaction ends; under READ
          COMMITTED every statement after it sees what the previous act committed. An act
          confined to a ``scope`` holds ``ACT_LOCK`` shared and its scope's lock exclusively:
          two acts on the same debtor's file still run one after the other, acts on two files
          run side by side, and an act with no scope still waits for all of them (and they for
          it). The audit chain, which every act appends to, keeps its own lock
          (``trail.CHAIN_LOCK``), taken at the append and held to the commit.

        Units of work outside acts (the batch steps, each on its own shard) are unchanged."""
        connection = session.connection()
        if self.dialect == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif self.dialect == "postgresql" and scope is None:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ACT_LOCK})
        elif self.dialect == "postgresql":
            connection.execute(
                text(
                    "SELECT pg_advisory_xact_lock_shared(:key),"
                    " pg_advisory_xact_lock(:scopes, hashtext(:scope))"
                ),
                {"key": ACT_LOCK, "scopes": SCOPE_LOCKS, "scope": scope},
            )

    def in_act(self) -> bool:
        current = _ACT.get()
        return current is not None and current[0] is self

    def drop_schema(self) -> None:
        """Drop this database's private schema (PostgreSQL) with everything in it."""
        if self.schema is not None:
            with self.engine.begin() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        self.engine.dispose()

    def dispose(self) -> None:
        self.engine.dispose()
