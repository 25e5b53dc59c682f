"""Shared fixtures: a private database per test, on SQLite and (when available) PostgreSQL."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from recouvre.domain.model import Country, Organism
from recouvre.service import Services
from recouvre.service.registry import ensure_organism
from recouvre.storage.database import Database

PG_URL = os.environ.get("RECOUVRE_TEST_PG_URL")
PG_SKIP_REASON = "PostgreSQL not available (RECOUVRE_TEST_PG_URL unset; scripts/test.sh starts one)"


def run_cli(url: str, *arguments: str) -> None:
    """``recouvre --db URL ARGUMENTS…`` in a process of its own, as an operator runs it; it must
    succeed (its output is shown when it does not)."""
    done = subprocess.run(
        [sys.executable, "-m", "recouvre.cli", "--db", url, *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def load_bench(name: str) -> ModuleType:
    """The benchmark script ``bench/NAME.py`` as a module (the tests reuse its portfolio builders)."""
    path = Path(__file__).parents[1] / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def open_database(kind: str, tmp_path: Path) -> Database:
    if kind == "sqlite":
        return Database(f"sqlite:///{tmp_path / 'test.db'}")
    if PG_URL is None:
        pytest.skip(PG_SKIP_REASON)
    return Database(PG_URL, schema=f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The same test on SQLite and on PostgreSQL."""
    database = open_database(request.param, tmp_path)
    try:
        yield database
    finally:
        database.drop_schema() if database.schema else database.dispose()


@pytest.fixture(autouse=True)
def audit_key_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit chain's key and heads of a PostgreSQL test database: in a private directory
    (a SQLite file keeps them beside it), never in the home directory."""
    monkeypatch.setenv("RECOUVRE_AUDIT_DIR", str(tmp_path_factory.mktemp("audit")))


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = open_database("sqlite", tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def services(sqlite_db: Database) -> Services:
    found = Services(sqlite_db)
    ensure_organism(found, Organism(code="CAF-TEST", country=Country.FR))
    return found


@pytest.fixture
def any_services(any_db: Database) -> Services:
    found = Services(any_db)
    ensure_organism(found, Organism(code="CAF-TEST", country=Country.FR))
    return found


@pytest.fixture(autouse=True)
def logging_left_as_found() -> Iterator[None]:
    """``recouvre serve`` configures the process's logging (``security.logs.configure``): a test
    that runs it must not change what the next tests print."""
    import logging

    names = ("", "uvicorn", "uvicorn.error", "uvicorn.access")
    saved = [
        (logging.getLogger(name), list(logging.getLogger(name).handlers), logging.getLogger(name).level,
         logging.getLogger(name).propagate)
        for name in names
    ]  # fmt: skip
    yield
    for logger, handlers, level, propagate in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
