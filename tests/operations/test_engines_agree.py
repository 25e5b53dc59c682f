"""The same portfolio, payment run and monthly cycle on SQLite and on PostgreSQL write the same
rows, table by table (content digests: surrogate stamps left out, rows in any write order)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import PG_SKIP_REASON, PG_URL
from recouvre.storage.operations import content_digests

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
import faults


@pytest.mark.postgres
def test_sqlite_and_postgresql_write_the_same_rows(tmp_path: Path) -> None:
    if PG_URL is None:
        pytest.skip(PG_SKIP_REASON)
    digests = []
    for folder, server in ((tmp_path / "sqlite", None), (tmp_path / "postgresql", PG_URL)):
        folder.mkdir()
        bench = faults.Bench(folder, debtors=250, seed=9, server=server)
        target = bench.fresh(with_payments=True)
        faults.run(faults.cycle_command(target, workers=2), check=True)
        database = target.open()
        digests.append(content_digests(database))
        database.dispose()
        bench.drop(target)
    sqlite, postgresql = digests
    assert sqlite["movements"][0] > 0 and sqlite["letters"][0] > 0
    assert {name for name in sqlite if sqlite[name] != postgresql.get(name)} == set()
