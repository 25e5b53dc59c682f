"""task closing: when, by whom and why a task was closed (a task closes itself, with its reason,
when the claim it was for ends: settled, suspended, written off, placed with an agency,
prescribed…); the tasks closed by a person before keep their day and author, read from ``data``

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("closed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("close_reason", sa.String(length=32), nullable=True))
    tasks = sa.table(
        "tasks",
        sa.column("id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("data", sa.JSON()),
        sa.column("closed_on", sa.Date()),
        sa.column("closed_by", sa.String()),
    )
    connection = op.get_bind()
    done = connection.execute(sa.select(tasks.c.id, tasks.c.data).where(tasks.c.status == "done"))
    rows = [
        {
            "ident": ident,
            "day": date.fromisoformat(str(data["closed_on"])[:10]),
            "author": str(data["closed_by"])[:64] if data.get("closed_by") else None,
        }
        for ident, data in done
        if isinstance(data, dict) and data.get("closed_on")
    ]
    if rows:
        connection.execute(
            tasks.update()
            .where(tasks.c.id == sa.bindparam("ident"))
            .values(closed_on=sa.bindparam("day"), closed_by=sa.bindparam("author")),
            rows,
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("close_reason")
        batch.drop_column("closed_by")
        batch.drop_column("closed_on")
