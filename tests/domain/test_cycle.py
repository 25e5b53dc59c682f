"""The cycle's runner (recouvre.domain.cycle): who takes part, steps in order, each seeing the
movements and holds of the earlier ones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from recouvre.domain.cycle import ClaimFacts, CycleRows, CycleRules, CycleRun, Promise, run_steps, taking_part
from recouvre.domain.defaults import defaults
from recouvre.domain.steps import steps_named
from recouvre.domain.surcharges import surcharges

from .cycle_facts import ON, RULES, RUN, claim


def test_who_takes_part() -> None:
    claims = {
        1: claim(1),
        2: claim(2, notified_on=None),  # never notified (child death)
        3: claim(3, suspended_reason="appeal"),  # suspended until further notice
        4: claim(4, suspended_reason="appeal", suspended_until=date(2026, 10, 31)),  # suspension over
        5: claim(5, suspended_reason="appeal", suspended_until=ON),  # suspended that day
        6: claim(6, benefit="RSA", principal=7_000),  # under the RSA minimum
        7: claim(7),  # time-barred
    }
    assert list(taking_part(claims, RULES, ON, {7})) == [1, 4]


def test_a_later_step_sees_the_surcharge_of_an_earlier_one() -> None:
    """The runner applies each step's movements before the next step: a step after
    ``surcharges`` reads the balance with the surcharge."""
    seen: list[tuple[int, int, int]] = []

    def probe(claims: Mapping[int, ClaimFacts], rules: CycleRules, run: CycleRun) -> CycleRows:
        seen.extend((claim.total, claim.next_sequence, claim.surcharged) for claim in claims.values())
        return CycleRows()

    contribution = claim(1, benefit="CONTRIB", contribution_due=date(2026, 9, 30), total=50_000)
    rows = run_steps((probe, surcharges, probe, defaults), {1: contribution}, RULES, RUN)
    note = "majoration 4 % (2 mois de retard)"
    assert rows.movements == [
        ("ORG:C1:surcharge:2026-11", 1, 2, "surcharge", 4_000, 4_000, ON, None, None, note)
    ]
    assert seen == [(50_000, 2, 0), (54_000, 3, 4_000)]
    assert contribution.ledger_total == 100_000 and contribution.last_sequence == 1  # as read
    assert [event[3] for event in rows.events] == ["default_step"]


def test_a_promise_holds_the_default_step() -> None:
    held = claim(1, promises=(Promise("p1", date(2026, 11, 20), 5_000, False),))
    rows = run_steps(steps_named(RULES.steps), {1: held, 2: claim(2)}, RULES, RUN)
    assert held.held
    assert [(event[1], event[3]) for event in rows.events] == [(2, "default_step")]
    # without the promises step, nothing holds it
    again = claim(1, promises=(Promise("p1", date(2026, 11, 20), 5_000, False),))
    rows = run_steps(steps_named(["defaults"]), {1: again}, replace(RULES, steps=("defaults",)), RUN)
    assert [(event[1], event[3]) for event in rows.events] == [(1, "default_step")]
