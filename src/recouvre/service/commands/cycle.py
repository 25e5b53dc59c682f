"""The monthly cycle, a batch act: authorised, then run shard by shard (each shard its own
transaction, restartable), and recorded in the audit trail with its counts once done."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from recouvre.domain.defaults import add_months
from recouvre.domain.errors import DomainError
from recouvre.domain.french import month_name
from recouvre.security.authorization import Actor, Subject
from recouvre.service import (
    cycle,
    door,
    payment_runs,
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
    without_payment_run: bool = False,
    jobs: bool | None = False,
    detach: bool = False,
) -> cycle.CycleSummary:
    """Run (or resume) the monthly cycle of ``month``. For an organism that recovers by
    withholding on benefits, the month's benefit-payment run must be booked first
    (``service.payment_runs``), else the cycle is refused — unless ``without_payment_run``
    says, on purpose, to run it without."""
    guard(services, actor, "cycle.run", Subject(organism=organism))
    try:
        first = cycle.parse_month(month)
        run_on = on or add_months(first, 1)
    except (ValueError, OverflowError):
        raise DomainError("mois", month, "mois attendu au format AAAA-MM (par exemple 2027-03)") from None
    if (
        not without_payment_run
        and payment_runs.required(services, organism)
        and not payment_runs.booked(services, organism, first)
    ):
        raise DomainError(
            "mois",
            month,
            f"le paiement des prestations de {month_name(first)} n'est pas encore enregistré pour "
            f"{organism} : lancé maintenant, le cycle verrait en défaillance toutes les créances "
            "recouvrées par retenue et enverrait leurs relances. Enregistrez d'abord le fichier "
            "de paiement du mois, ou confirmez que le cycle doit tourner sans lui "
            "(« sans paiement des prestations »)",
        )
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
            jobs=jobs,
            detach=detach,
        ),
        describe=lambda summary: {
            "already_done": summary.already_done,
            **(
                {"detached": True, "run_id": summary.run_id, "queued": summary.queued}
                if summary.detached
                else {}
            ),
            "without_payment_run": without_payment_run,
            **summary.as_data(),
        },
    )


def cycle_progress(services: Services, actor: Actor, organism: str, month: str) -> cycle.CycleProgress | None:
    """Where the cycle of ``month`` is (shards done, jobs queued): for whoever may run it."""
    guard(services, actor, "cycle.run", Subject(organism=organism))
    try:
        return cycle.cycle_progress(services, organism, month)
    except ValueError:
        raise DomainError("mois", month, "mois attendu au format AAAA-MM (par exemple 2027-03)") from None
