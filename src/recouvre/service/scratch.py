"""Fresh private databases for one replay (the scenario runner) or one trial: an interface asks
for one here, and never opens storage itself."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from recouvre.storage.database import Database


class DatabaseRefused(ValueError):
    """``--db`` names a database a scenario must not use."""


def check_db_url(url: str | None, files: int = 1) -> None:
    """Refuse a ``--db`` that is not a fresh SQLite file or a PostgreSQL server."""
    if url is None:
        return
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseRefused(f"--db {url!r}: not a database URL") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return
    if backend != "sqlite":
        raise DatabaseRefused(f"--db {backend}: only SQLite or PostgreSQL")
    database = parsed.database or ""
    if database in ("", ":memory:"):
        return
    if files > 1:
        raise DatabaseRefused("--db: a SQLite file holds one scenario; run one file, or give PostgreSQL")
    if Path(database).exists():
        raise DatabaseRefused(f"--db: {database} exists; a scenario runs on a fresh database")


@contextmanager
def private_database(url: str | None) -> Iterator[Database]:
    """A fresh database for one replay.

    No URL: SQLite in a temporary folder, removed afterwards. A PostgreSQL URL: a
    private schema ``scn_<random>``, dropped afterwards. A SQLite URL: that file,
    which must not exist yet (kept, to be inspected).
    """
    if url is None:
        with tempfile.TemporaryDirectory(prefix="recouvre-scenario-") as folder:
            database = Database(f"sqlite:///{Path(folder) / 'scenario.db'}")
            try:
                yield database
            finally:
                database.dispose()
        return
    check_db_url(url)
    if make_url(url).get_backend_name() == "postgresql":
        database = Database(url, schema=f"scn_{secrets.token_hex(6)}")
        try:
            yield database
        finally:
            database.drop_schema()
        return
    database = Database(url)
    try:
        yield database
    finally:
        database.dispose()
