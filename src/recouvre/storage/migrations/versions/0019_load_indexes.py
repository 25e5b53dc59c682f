"""load indexes: the back office's debtor search through indexes on PostgreSQL

Measured with 50 case workers on a 1,000,000-claim database (``bench/load``, docs/operations.md
"Load"): the search by name (``lower(name) LIKE '%…%'``) and by reference (``ref = … OR ref LIKE
'…%'``) read the whole ``debtors`` table at every search (a parallel sequential scan, 0.1 to
0.4 s), because a B-tree index serves neither a "contains" pattern nor, under a database
collation other than ``C`` (``C.UTF-8`` included), a prefix pattern. On PostgreSQL:

* ``ix_debtors_name_trgm``: a trigram GIN index (``pg_trgm``) on ``lower(name)``, for the
  "contains" search (created only when the extension can be had; without it the search stays
  a sequential scan, correct but slower);
* ``ix_debtors_organism_ref_pattern``: ``(organism_id, ref text_pattern_ops)`` for the prefix.

SQLite: nothing of these (its ``LIKE`` is case-insensitive and has no such operator classes).

On both engines, ``ix_tasks_debtor``: a debtor file reads its debtor's tasks, which read the
whole ``tasks`` table without it (40,881 tasks at 1,000,000 claims: 10 ms alone, up to 0.2 s
under load, at every debtor file opened).

Revision ID: 0019_load_indexes
Revises: 0018_job_queue
"""

from __future__ import annotations

from alembic import op

revision = "0019_load_indexes"
down_revision = "0018_job_queue"
branch_labels = None
depends_on = None


def _trigram_schema() -> str | None:
    """The schema of the ``pg_trgm`` extension, created in ``public`` when missing and allowed;
    ``None`` when it cannot be had."""
    bind = op.get_bind()
    # One creator at a time (several processes may migrate several schemas of one database).
    bind.exec_driver_sql("SELECT pg_advisory_xact_lock(7419240193)")
    query = "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
    installed = bind.exec_driver_sql(query).scalar()
    if installed is not None:
        return str(installed)
    available = bind.exec_driver_sql("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").first()
    public = bind.exec_driver_sql("SELECT 1 FROM pg_namespace WHERE nspname = 'public'").first()
    if available is None or public is None:
        return None
    # pg_trgm is a trusted extension (PostgreSQL 13+): whoever may create in the database may
    # create it. In "public", not in a schema of the installation that could be dropped with it.
    allowed = bind.exec_driver_sql(
        "SELECT rolsuper OR pg_catalog.has_database_privilege(current_database(), 'CREATE') "
        "FROM pg_roles WHERE rolname = current_user"
    ).scalar()
    if not allowed:
        return None
    bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    return "public"


def upgrade() -> None:
    op.create_index("ix_tasks_debtor", "tasks", ["debtor_id"], if_not_exists=True)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_debtors_organism_ref_pattern "
        "ON debtors (organism_id, ref text_pattern_ops)"
    )
    schema = _trigram_schema()
    if schema is not None:
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_debtors_name_trgm ON debtors "
            f'USING gin (lower(name) "{schema}".gin_trgm_ops)'
        )


def downgrade() -> None:
    op.drop_index("ix_tasks_debtor", "tasks", if_exists=True)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_debtors_name_trgm")
    op.execute("DROP INDEX IF EXISTS ix_debtors_organism_ref_pattern")
