"""ADR 0008: on PostgreSQL, a unit of work of the batch steps reads its own rows through the
indexes: no sequential scan of a whole large table, with the planner free to choose one."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from conftest import PG_SKIP_REASON, PG_URL, load_bench
from recouvre.service.units_explain import explain_reads
from recouvre.storage.database import Database

BIG = 1_000
"""Rows from which a table counts as large here (the portfolio's have 10,000 to 20,000)."""


@pytest.mark.postgres
def test_a_units_reads_go_through_indexes() -> None:
    if PG_URL is None:
        pytest.skip(PG_SKIP_REASON)
    bench = load_bench("cycle")
    database = Database(PG_URL, schema=f"t_{uuid.uuid4().hex[:12]}")
    try:
        bench.build_postgresql(database, 20_000)
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW enable_seqscan").scalar() == "on"
            assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
        # A unit of 100 debtors of 10,000: the share of a 5,000-debtor unit in a million claims.
        units = explain_reads(database, bench.ORG, date(2026, 10, 5), date(2026, 11, 1), debtors=100)
        assert [unit.name for unit in units] == ["withholding", "cycle"]
        assert all(unit.reads for unit in units)
        whole = {
            (unit.name, read.sql.split("FROM", 1)[1][:60], table)
            for unit in units
            for read in unit.reads
            for table, rows in read.seq_scans.items()
            if rows >= BIG
        }
        assert whole == set()
    finally:
        database.drop_schema()
