"""The policy what-if for a director in the back office, authorised (``reports.whatif``) and
audited like a batch: the replays run on copies of the base, which is never changed."""

from __future__ import annotations

from datetime import date

from recouvre.security.authorization import Actor
from recouvre.service import whatif
from recouvre.service.commands.batches import run_batch
from recouvre.service.context import Services

ACTION = "reports.whatif"


def compare_policies(
    services: Services,
    actor: Actor,
    organism: str,
    start: date,
    months: int,
    seed: int,
    base: whatif.PolicySet,
    candidate: whatif.PolicySet,
) -> whatif.Comparison:
    return run_batch(
        services,
        actor,
        ACTION,
        organism=organism,
        subject=f"comparaison {base.name} / {candidate.name} ({start:%Y-%m}, {months} mois, graine {seed})",
        on=None,
        run=lambda: whatif.compare(services, organism, start, months, seed, base, candidate),
        describe=lambda done: {
            "months": done.months,
            "recovered_base": done.base.recovered,
            "recovered_candidate": done.candidate.recovered,
        },
    )
