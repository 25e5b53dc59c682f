"""The explanation of the withholding reaching the debtor, through the door: the statements
decided after a withholding run (a batch act, ``withholding.run``), and the rules as the
debtor's space shows them (``service.explanations``)."""

from __future__ import annotations

from datetime import date

from recouvre.security.authorization import Actor
from recouvre.service import explanations
from recouvre.service.commands.batches import run_batch
from recouvre.service.context import Services


def issue_statements(services: Services, actor: Actor, organism: str, paid_on: date) -> int:
    """The statements of the benefit payments of ``paid_on`` whose monthly withholding changed."""
    return run_batch(
        services,
        actor,
        "withholding.run",
        organism=organism,
        subject=f"{organism} relevés de retenue du {paid_on.isoformat()}",
        on=paid_on,
        run=lambda: explanations.issue_statements(services, organism, paid_on),
        describe=lambda count: {"statements": count},
    )
