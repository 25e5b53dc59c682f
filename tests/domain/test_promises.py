"""Promises to pay (recouvre.domain.promises)."""

from __future__ import annotations

from datetime import date

from recouvre.domain.cycle import Promise
from recouvre.domain.promises import promises, review_promises

from .cycle_facts import ON, RULES, RUN, claim


def test_a_promise_not_yet_due_holds() -> None:
    review = review_promises((Promise("p1", ON, 5_000, False),), 0, ON)
    assert review.settled == () and review.holds


def test_a_promise_due_is_kept_or_broken_once() -> None:
    due = date(2026, 10, 20)
    assert review_promises((Promise("p1", due, 5_000, False),), 5_000, ON).settled == (("p1", True),)
    assert review_promises((Promise("p1", due, 5_000, False),), 4_999, ON).settled == (("p1", False),)
    settled = review_promises((Promise("p1", due, 5_000, True),), 0, ON)
    assert settled.settled == () and not settled.holds


def test_the_step_records_outcomes_and_holds() -> None:
    kept = claim(1, promises=(Promise("p1", date(2026, 10, 20), 5_000, False),), promise_credits=6_000)
    pending = claim(2, promises=(Promise("p2", date(2026, 11, 15), 5_000, False),))
    rows = promises({1: kept, 2: pending, 3: claim(3)}, RULES, RUN)
    assert rows.events == [
        ("p1:outcome", 1, ON, "promise_outcome", {"promise": "p1", "kept": True, "cycle": "2026-11"})
    ]
    assert rows.holds == [2]
