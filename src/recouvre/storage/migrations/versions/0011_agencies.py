"""agencies: collection agencies and bailiffs under contract (``agencies``), the commissions
they earn (``agency_commissions``), what they report on their files (``agency_reports``), and
why a placement ended (``placements.recall_reason``)

Revision ID: 0011_agencies
Revises: 0009_enforcement
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_agencies"
down_revision = "0009_enforcement"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", ID, nullable=False),
        sa.Column("organism_id", ID, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("commission_rate", sa.String(length=16), nullable=False),
        sa.Column("grid", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("contract_from", sa.Date(), nullable=True),
        sa.Column("contract_until", sa.Date(), nullable=True),
        sa.Column("first_reminder_days", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organism_id"], ["organisms.id"], name=op.f("fk_agencies_organism_id_organisms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
    )
    op.create_index("ix_agencies_code", "agencies", ["organism_id", "code"], unique=True)
    op.create_table(
        "agency_commissions",
        sa.Column("id", ID, nullable=False),
        sa.Column("agency_id", ID, nullable=False),
        sa.Column("claim_id", ID, nullable=False),
        sa.Column("placement_id", ID, nullable=True),
        sa.Column("movement_key", sa.String(length=200), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("collected_cents", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.String(length=16), nullable=False),
        sa.Column("commission_cents", sa.BigInteger(), nullable=False),
        sa.Column("remitted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_agency_commissions_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_agency_commissions_claim_id_claims")
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"], ["placements.id"], name=op.f("fk_agency_commissions_placement_id_placements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_commissions")),
        sa.UniqueConstraint("movement_key", name=op.f("uq_agency_commissions_movement_key")),
    )
    op.create_index(
        "ix_agency_commissions_agency", "agency_commissions", ["agency_id", "booked_on"], unique=False
    )
    op.create_table(
        "agency_reports",
        sa.Column("id", ID, nullable=False),
        sa.Column("organism_id", ID, nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("claim_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reported_by", sa.String(length=64), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision_why", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organism_id"], ["organisms.id"], name=op.f("fk_agency_reports_organism_id_organisms")
        ),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_agency_reports_claim_id_claims")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_reports")),
    )
    op.create_index("ix_agency_reports_claim", "agency_reports", ["claim_id", "kind"], unique=False)
    op.create_index(
        "ix_agency_reports_agency", "agency_reports", ["organism_id", "agency", "kind"], unique=False
    )
    with op.batch_alter_table("placements") as batch:
        batch.add_column(sa.Column("recall_reason", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("placements") as batch:
        batch.drop_column("recall_reason")
    op.drop_index("ix_agency_reports_agency", table_name="agency_reports")
    op.drop_index("ix_agency_reports_claim", table_name="agency_reports")
    op.drop_table("agency_reports")
    op.drop_index("ix_agency_commissions_agency", table_name="agency_commissions")
    op.drop_table("agency_commissions")
    op.drop_index("ix_agencies_code", table_name="agencies")
    op.drop_table("agencies")
