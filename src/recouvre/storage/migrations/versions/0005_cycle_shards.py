"""cycle shards: a monthly cycle records each shard it finished instead of stamping every claim;
claims indexed by organism and debtor for the batch steps' shards

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("cycle_runs") as batch:
        batch.add_column(sa.Column("first_debtor", ID, nullable=True))
        batch.add_column(sa.Column("last_debtor", ID, nullable=True))
        batch.add_column(sa.Column("shard_debtors", sa.Integer(), nullable=True))
    op.create_table(
        "cycle_shards",
        sa.Column("id", ID, nullable=False),
        sa.Column("cycle_run_id", ID, nullable=False),
        sa.Column("first_debtor", ID, nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_run_id"], ["cycle_runs.id"], name=op.f("fk_cycle_shards_cycle_run_id_cycle_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_shards")),
        sa.UniqueConstraint("cycle_run_id", "first_debtor", name="uq_cycle_shards_run_first_debtor"),
    )
    with op.batch_alter_table("claim_state") as batch:
        batch.drop_column("last_cycle")
    # Batch steps read an organism's claims by range of debtor ids (shards, payment chunks).
    op.create_index("ix_claims_organism_debtor", "claims", ["organism_id", "debtor_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_claims_organism_debtor", table_name="claims")
    with op.batch_alter_table("claim_state") as batch:
        batch.add_column(sa.Column("last_cycle", sa.String(length=7), nullable=True))
    op.drop_table("cycle_shards")
    with op.batch_alter_table("cycle_runs") as batch:
        batch.drop_column("shard_debtors")
        batch.drop_column("last_debtor")
        batch.drop_column("first_debtor")
