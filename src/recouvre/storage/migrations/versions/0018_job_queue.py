"""job queue: procrastinate's tables, types and functions (PostgreSQL only), and the staging
table of the payment runs' queued batches (``queued_payment_batches``, both engines)

The schema is procrastinate's own ``schema.sql`` of the version pinned in ``pyproject.toml``,
copied into ``storage/migrations/procrastinate/`` so that this migration builds the same
objects whatever procrastinate is installed later. Upgrading procrastinate to a version whose
schema changes takes a new migration that applies the files of its ``sql/migrations`` folder
between the two versions (copied next to this one), in order (ADR 0009).

Revision ID: 0018_job_queue
Revises: 0012_money_in
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0018_job_queue"
down_revision = "0012_money_in"
branch_labels = None
depends_on = None

SCHEMA = Path(__file__).parents[1] / "procrastinate" / "schema-3.10.0.sql"
TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)
TYPES = ("procrastinate_job_to_defer_v1", "procrastinate_job_event_type", "procrastinate_job_status")


def _run(sql: str) -> None:
    # The driver's own cursor, without parameters: the file's '%' stay as they are and its
    # statements run in the migration's transaction.
    cursor = op.get_bind().connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "queued_payment_batches",
        sa.Column("id", ID, nullable=False),
        sa.Column("organism_id", ID, nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("payments", sa.JSON(), nullable=False),
        sa.Column("fresh", sa.JSON(), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organism_id"], ["organisms.id"], name=op.f("fk_queued_payment_batches_organism_id_organisms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queued_payment_batches")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite runs the batch steps on its in-process pool: no job queue
    _run(SCHEMA.read_text(encoding="utf-8"))


def downgrade() -> None:
    op.drop_table("queued_payment_batches")
    if op.get_bind().dialect.name != "postgresql":
        return
    _run(f"DROP TABLE IF EXISTS {', '.join(TABLES)} CASCADE")
    functions = op.get_bind().exec_driver_sql(
        "SELECT p.oid::regprocedure::text FROM pg_proc p "
        "WHERE left(p.proname, 14) = 'procrastinate_' AND p.pronamespace = current_schema()::regnamespace"
    )
    for (signature,) in list(functions):
        _run(f"DROP FUNCTION IF EXISTS {signature} CASCADE")
    _run(f"DROP TYPE IF EXISTS {', '.join(TYPES)} CASCADE")
