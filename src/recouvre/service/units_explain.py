"""The plans of the reads of one unit of work of each batch step (PostgreSQL): a measuring tool.

``explain_reads`` decides, without writing anything, one batch of debtors of a benefit-payment
withholding run and one shard of the monthly cycle, as the batch steps do; it records every
``SELECT`` they send and explains each one (``EXPLAIN (ANALYZE, BUFFERS)``) with its own
parameters, in the same transaction, which is then rolled back. Used by
``bench/explain_units.py`` and by the test that the units read their rows through indexes
(ADR 0008): a unit must never read a whole large table sequentially.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from recouvre.domain.withholding import BenefitPayment
from recouvre.service import cycle, withholding
from recouvre.service.context import Services
from recouvre.storage import repository
from recouvre.storage.database import Database
from recouvre.storage.tables import DebtorRow

UNIT_DEBTORS = 5_000


@dataclass
class ExplainedRead:
    sql: str
    plan: str
    ms: float
    buffers: int
    """Shared buffers hit or read by the statement (its top node)."""
    seq_scans: dict[str, int] = field(default_factory=dict)
    """Tables read by a ``Seq Scan``, with their estimated row counts (``pg_class.reltuples``)."""
    jit_ms: float = 0.0


@dataclass
class UnitReads:
    name: str
    reads: list[ExplainedRead]


def _recording(session: Session) -> tuple[list[tuple[str, Any]], Any]:
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, many: bool) -> None:
        if not many and sql.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((sql, parameters))

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", record)
    return statements, lambda: event.remove(connection, "before_cursor_execute", record)


def _explain(session: Session, statements: list[tuple[str, Any]]) -> list[ExplainedRead]:
    driver: Any = session.connection().connection.driver_connection
    sizes: dict[str, int] = {}
    explained: list[ExplainedRead] = []
    for sql, parameters in statements:
        with driver.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, parameters or None)
            plan = "\n".join(str(row[0]) for row in cursor.fetchall())
        timing = re.search(r"Execution Time: ([\d.]+) ms", plan)
        buffers = re.search(r"Buffers: shared((?: hit=\d+)?(?: read=\d+)?)", plan)
        jit = re.search(r"Timing: .*Total ([\d.]+) ms", plan)
        scans: dict[str, int] = {}
        for table in re.findall(r"Seq Scan on (\w+)", plan):
            if table not in sizes:
                sizes[table] = int(
                    session.scalar(
                        text(
                            "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass(:t)"
                        ),
                        {"t": table},
                    )
                    or 0
                )
            scans[table] = sizes[table]
        explained.append(
            ExplainedRead(
                sql=sql,
                plan=plan,
                ms=float(timing.group(1)) if timing else 0.0,
                buffers=sum(int(n) for n in re.findall(r"=(\d+)", buffers.group(1))) if buffers else 0,
                seq_scans=scans,
                jit_ms=float(jit.group(1)) if jit else 0.0,
            )
        )
    return explained


def explain_reads(
    database: Database, organism_code: str, paid_on: date, cycle_on: date, *, debtors: int = UNIT_DEBTORS
) -> list[UnitReads]:
    """Explain the reads of a withholding batch on ``paid_on`` and of a cycle shard on
    ``cycle_on``, each of ``debtors`` debtors in the middle of the organism's (nothing is written)."""
    services = Services(database)
    results: list[UnitReads] = []
    with Session(database.engine) as session, session.begin():
        organism_id, organism = services.organism(session, organism_code)
        refs = list(
            session.scalars(
                select(DebtorRow.ref)
                .where(DebtorRow.organism_id == organism_id, DebtorRow.receives_benefits.is_(True))
                .order_by(DebtorRow.id)
            )
        )
        middle = refs[len(refs) // 2 : len(refs) // 2 + debtors]
        payments = [BenefitPayment(ref, paid_on, {"AF": 25_000, "AL": 18_000}) for ref in middle]
        statements, stop = _recording(session)
        run_id = "EXPLAIN-UNITS"
        found = repository.debtor_ids(session, organism_id, middle)
        keys = [withholding.payment_key(organism_code, run_id, ref) for ref in middle]
        withholding._recorded(session, keys)
        todo = [(index, payment, found[payment.debtor_ref]) for index, payment in enumerate(payments)]
        decided = withholding._decide(session, services, organism, organism_id, todo)
        withholding._bookings(session, services, organism_code, organism_id, run_id, decided)
        stop()
        results.append(UnitReads("withholding", _explain(session, statements)))
        session.rollback()
    with Session(database.engine) as session, session.begin():
        organism_id, organism = services.organism(session, organism_code)
        ids = list(session.scalars(select(DebtorRow.id).where(DebtorRow.organism_id == organism_id)))
        low = sorted(ids)[len(ids) // 2] if ids else 0
        job = cycle._ShardJob(
            organism_code, organism_id, 0, cycle_on.strftime("%Y-%m"), cycle_on, UNIT_DEBTORS
        )
        statements, stop = _recording(session)
        plan = cycle._decide_shard(session, organism, services.policy(organism), job, low, low + debtors)
        cycle._prepare_writes(session, plan, services.clock(), "explain")
        stop()
        results.append(UnitReads("cycle", _explain(session, statements)))
        session.rollback()
    return results
