"""Promises to pay (the cycle's step ``promises``; SCENARIOS.md "The monthly cycle").

A debtor may promise to pay an amount by a date (a ``promise`` event on the claim). Until that
date the promise holds the claim's default step: no reminder, no formal notice, no phase change
while the promised date has not passed (a claim no longer in default may still be found cured).
At the first cycle after the date, the promise is settled once: kept when the money received
on the claim since the promise (payments and withholdings, net of their reversals) reaches the
promised amount, broken otherwise (a ``promise_outcome`` event); the default steps then resume.

Pure functions of the claim's facts and the cycle's date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from recouvre.domain.cycle import ClaimFacts, CycleRows, CycleRules, CycleRun, Promise
from recouvre.domain.money import Cents


@dataclass(frozen=True)
class PromiseReview:
    """What a cycle finds of a claim's promises: the ones it settles (key, kept) and whether a
    promise not yet due holds the default step."""

    settled: tuple[tuple[str, bool], ...]
    holds: bool


def review_promises(promises: tuple[Promise, ...], credits: Cents, on: date) -> PromiseReview:
    """Settle the promises whose date has passed by ``on``; a promise due on ``on`` or later holds."""
    settled: list[tuple[str, bool]] = []
    holds = False
    for promise in promises:
        if promise.settled:
            continue
        if promise.due_on >= on:
            holds = True
            continue
        settled.append((promise.key, credits >= promise.amount))
    return PromiseReview(tuple(settled), holds)


def promises(claims: Mapping[int, ClaimFacts], rules: CycleRules, run: CycleRun) -> CycleRows:
    """The step ``promises``: a ``promise_outcome`` event for each promise that fell due, and the
    claims held by a promise not yet due."""
    rows = CycleRows()
    on, month = run.on, run.month
    for claim in claims.values():
        if not claim.promises:
            continue
        review = review_promises(claim.promises, claim.promise_credits, on)
        for key, kept in review.settled:
            rows.events.append(
                (
                    f"{key}:outcome",
                    claim.id,
                    on,
                    "promise_outcome",
                    {"promise": key, "kept": kept, "cycle": month},
                )
            )
        if review.holds:
            rows.holds.append(claim.id)
    return rows
