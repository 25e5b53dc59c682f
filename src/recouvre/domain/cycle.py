"""The monthly cycle as an ordered list of named steps (SCENARIOS.md "The monthly cycle").

Like a close-of-business run (Fineract's business steps), the cycle applies to every open,
non-suspended claim of an organism a list of named steps, in order; the list is policy
(``cycle.steps``, national default ``surcharges, promises, defaults``; ``recouvre.domain.steps``
names them). Each step is a pure function ``step(claims, rules, run) -> CycleRows`` of the
facts of the claims (``ClaimFacts``), the parameters in force (``CycleRules``) and the run's
date (``CycleRun``); it returns the rows the cycle writes: movements, claim events, state
changes, letters, tasks. ``run_steps`` applies them in order, and a later step sees what the
earlier ones did: the movements they post (a surcharge raises the balance the default count
reads) and the claims they hold (a promise to pay not yet due holds the default step).

Nothing here reads a database or a clock: ``recouvre.service.cycle`` reads the facts of a shard
of claims, runs the steps and writes their rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from recouvre.domain.default_steps import REVIEW, FinalNotice
from recouvre.domain.ledger import INCREASING, MovementKind
from recouvre.domain.money import Cents
from recouvre.domain.thresholds import under_minimum

if TYPE_CHECKING:
    from recouvre.domain.default_steps import DefaultStep
    from recouvre.domain.defaults import DefaultState

T = TypeVar("T")
FORMAL_NOTICE = "formal_notice"
SURCHARGE = MovementKind.SURCHARGE.value
_INCREASING = frozenset(kind.value for kind in INCREASING)


class PlanTerms(NamedTuple):
    """The instalment plan in force on a claim."""

    first_due: date
    monthly: Cents
    total: Cents


class Promise(NamedTuple):
    """A promise to pay recorded on a claim (a ``promise`` event)."""

    key: str
    due_on: date
    amount: Cents
    settled: bool
    """Already found kept or broken by an earlier cycle."""


@dataclass(slots=True)
class ClaimFacts:
    """What the steps know of one claim on the cycle's date.

    ``total``, ``next_sequence`` and ``surcharged`` are running values: ``run_steps`` adds the
    movements each step posts, so that the next step sees them. ``ledger_total`` and
    ``last_sequence`` stay as read (the ledger's head the batch check compares with).
    """

    id: int
    ref: str
    debtor_id: int
    debtor_ref: str
    benefit: str
    notified_on: date | None
    principal: Cents
    state: DefaultState
    suspended_reason: str | None = None
    suspended_until: date | None = None
    total: Cents = 0
    """Signed sum of the movements booked on or before the cycle's date (balance = max(total, 0))."""
    ledger_total: Cents = 0
    """Signed sum of every movement of the claim, whatever its date, as read."""
    last_sequence: int = 0
    next_sequence: int = 1
    surcharged: Cents = 0
    """Surcharges booked on or before the cycle's date."""
    last_withholding: date | None = None
    contribution_due: date | None = None
    plan: PlanTerms | None = None
    plan_credits: Cents = 0
    """Money received since the plan was agreed (payments and withholdings, net of reversals)."""
    promises: tuple[Promise, ...] = ()
    promise_credits: Cents = 0
    """Money received since the last promise was recorded."""
    held: bool = False
    """Set by the step ``promises``: a promise not yet due holds the default step."""
    amnesty: str | None = None
    """The option of a CNSS amnesty applied for and still pending (``domain.amnesty``)."""
    surcharges_ended: bool = False
    """A CNSS amnesty's remission was booked: no further surcharge (SCENARIOS.md "CNSS amnesty")."""
    placed: bool = False
    """Placed with an agency on the cycle's date: the agency does its own reminders, the
    ``defaults`` step takes no step for it (SCENARIOS.md "Agencies")."""
    recalled: bool = False
    """Had a placement recalled by the cycle's date: its default steps resume where they
    stopped, one per cycle (never several at once)."""


@dataclass(frozen=True)
class CycleRules:
    """The parameters of the cycle, read once at the cycle's date (each from its policy file)."""

    steps: tuple[str, ...]
    """``cycle.steps``: the names of the steps, in order."""
    default_steps: tuple[DefaultStep, ...]
    formal_notice_months: int
    repeat_window_months: int
    start_delay_days: int
    recent_withholding_days: int
    task_due_days: int
    surcharge_first: Decimal
    surcharge_monthly: Decimal
    minimums: Mapping[str, Cents] = field(default_factory=dict)
    final_notice: FinalNotice | None = None
    """The ladder's final notice and what follows it, by country (``default_steps.final_notice``);
    None: France's formal notice of ``formal_notice_months``."""

    @property
    def notice(self) -> FinalNotice:
        """The final notice in force (France's formal notice unless the country has its own)."""
        if self.final_notice is not None:
            return self.final_notice
        return FinalNotice(FORMAL_NOTICE, REVIEW, months=self.formal_notice_months)


@dataclass(frozen=True)
class CycleRun:
    """Which cycle: the organism's code, the month (``YYYY-MM``) and the date it runs on."""

    organism: str
    month: str
    on: date


Posting = tuple[int, str, str, Cents, str]
"""A movement a step asks for: ``(claim_id, key, kind, amount, note)``, booked on the cycle's date."""


class TaskOrder(NamedTuple):
    """A task a step creates for a case worker."""

    key: str
    debtor_id: int
    claim_id: int
    type: str
    created_on: date
    due_on: date
    data: dict[str, object]


Event = tuple[str, int, date, str, dict[str, object]]
"""A claim event: ``(key, claim_id, occurred_on, kind, data)``."""


@dataclass(slots=True)
class CycleRows:
    """What one or more steps decided for a shard of claims: the rows the cycle writes."""

    postings: list[Posting] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    states: dict[tuple[int, int], tuple[DefaultState, DefaultState, list[int]]] = field(default_factory=dict)
    """The claims whose state changes, by (state decided from, new state), keyed by the states'
    identities (claims in the same state share one object, and so do their decisions)."""
    changed: int = 0
    letters: dict[tuple[int, str], list[ClaimFacts]] = field(default_factory=dict)
    """The claims covered by each (debtor id, letter type): one letter per debtor, type and cycle."""
    tasks: list[TaskOrder] = field(default_factory=list)
    holds: list[int] = field(default_factory=list)
    """Claims whose default step is held this cycle."""
    movements: list[tuple[Any, ...]] = field(default_factory=list)
    """The postings as ledger rows (``recouvre.domain.ledger.POSTING_FIELDS`` then the channel
    and the note), numbered by ``run_steps``."""

    def absorb(self, other: CycleRows) -> None:
        """Add the rows of ``other`` (taken as they are where this one has none yet)."""
        self.postings = _joined(self.postings, other.postings)
        self.events = _joined(self.events, other.events)
        self.tasks = _joined(self.tasks, other.tasks)
        self.holds = _joined(self.holds, other.holds)
        self.movements = _joined(self.movements, other.movements)
        self.changed += other.changed
        if not self.states:
            self.states = other.states
        else:
            for key, (old, new, ids) in other.states.items():
                self.states.setdefault(key, (old, new, []))[2].extend(ids)
        if not self.letters:
            self.letters = other.letters
        else:
            for debtor_letter, covered in other.letters.items():
                self.letters.setdefault(debtor_letter, []).extend(covered)


def _joined(mine: list[T], theirs: list[T]) -> list[T]:
    if not mine:
        return theirs
    mine.extend(theirs)
    return mine


Step = Callable[[Mapping[int, ClaimFacts], CycleRules, CycleRun], CycleRows]


def taking_part(
    claims: Mapping[int, ClaimFacts], rules: CycleRules, on: date, barred: set[int] | frozenset[int]
) -> dict[int, ClaimFacts]:
    """The claims the steps apply to: notified (a ``child_death`` claim never is), not suspended
    on ``on``, not under the recovery minimum of their benefit, not time-barred (``barred``)."""
    minimums = rules.minimums
    return {
        ident: claim
        for ident, claim in claims.items()
        if claim.notified_on is not None
        and (
            claim.suspended_reason is None
            or (claim.suspended_until is not None and claim.suspended_until < on)
        )
        and not under_minimum(minimums, claim.benefit, claim.principal)
        and ident not in barred
    }


def run_steps(
    steps: tuple[Step, ...], claims: Mapping[int, ClaimFacts], rules: CycleRules, run: CycleRun
) -> CycleRows:
    """Apply ``steps`` in order to ``claims``; each sees the movements and holds of the ones before."""
    rows = CycleRows()
    for step in steps:
        done = step(claims, rules, run)
        for claim_id, key, kind, amount, note in done.postings:
            claim = claims[claim_id]
            signed = amount if kind in _INCREASING else -amount
            done.movements.append(
                (key, claim_id, claim.next_sequence, kind, amount, signed, run.on, None, None, note)
            )
            claim.next_sequence += 1
            claim.total += signed
            if kind == SURCHARGE:
                claim.surcharged += amount
        for claim_id in done.holds:
            claims[claim_id].held = True
        rows.absorb(done)
    return rows
