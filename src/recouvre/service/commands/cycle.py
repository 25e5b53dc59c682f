"""The monthly cycle, a batch act: authorised, then run shard by shard (each shard its own
transaction, restartable), and recorded in the audit trail with its counts once done."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from recouvre.domain.defaults import add_months
from recouvre.domain.errors import DomainError
from recouvre.security.authorization import Actor, Subject
from recouvre.service import (
    cycle,
    door,
)
from recouvre.service.context import Services
from recouvre.service.door import guard

# Monthly cycle -----------------------------------------------------------------------------------


def run_cycle(
    services: Services,
    actor: Actor,
    organism: str,
    month: str,
    on: date | None,
    *,
    workers: int = 1,
    shard_debtors: int = cycle.SHARD_DEBTORS,
    progress: Callable[[int, int], None] | None = None,
) -> cycle.CycleSummary:
    guard(services, actor, "cycle.run", Subject(organism=organism))
    try:
        first = cycle.parse_month(month)
        run_on = on or add_months(first, 1)
    except (ValueError, OverflowError):
        raise DomainError("month", month, "expected YYYY-MM, from year 1 to 9998") from None
    return door.batch(
        services,
        actor,
        "cycle.run",
        organism=organism,
        subject=f"cycle {month}",
        on=run_on,
        run=lambda: cycle.run_cycle(
            services,
            organism,
            month,
            run_on,
            shard_debtors=shard_debtors,
            workers=workers,
            progress=progress,
        ),
        describe=lambda summary: {"already_done": summary.already_done, **summary.as_data()},
    )
