"""Prescription (PM241 procedure 13): when each undue payment line of a claim becomes time-barred.

Pure rules: facts (the claim's lines, its interruptions, its balance), parameters (the dated
period lengths) and a date in, a ``PrescriptionState`` out — data, with its explanation.

The rules (SCENARIOS.md "Prescription (normative)"; RULES.md §3, R-PRESC-1/2/3, R-FRAUD-1):

1. **Each line has its own period** (R-PRESC-1; CSS L553-1 al. 2, CASF L262-45, CSS L821-5; the
   claim is born on the payment date, Cass. 2e civ. 16/11/2023 n° 21-25.567): a line of a
   non-fraud claim is time-barred at ``paid_on + prescription.years``.
2. **Fraud** (R-PRESC-2, R-FRAUD-1; C. civ. 2224 by analogy with Cass. Ass. plén. 17/05/2023
   n° 20-20.559): every line of a fraud claim is time-barred at
   ``detected_on + prescription.fraud_years``.
3. **Years are calendar years** (``dateutil.relativedelta``): a period started on 29 February
   ends on 28 February of a common year.
4. **The bar date is the first day the line is time-barred.** "Time-barred at D" (SCENARIOS.md)
   is read literally: on D the line is time-barred, on the day before it is still recoverable.
   (C. civ. 2229 would let the action be brought on D itself and bar it on D + 1; the normative
   contract wins, and the choice is the same everywhere in the project.)
5. **Interruptions** (R-PRESC-3; CSS L133-4-6; C. civ. 2240, 2241, 2244): an interruption on
   date I starts a new full period from I (``I + years``, the length in force on I) for every
   line *not yet time-barred at I*, that is every line whose bar date is **strictly after I**
   (``I < bar``). An interruption on the bar date itself comes too late: the line was already
   time-barred that morning, and a time-barred line is never revived. An interruption never
   brings a bar date earlier (the later of the two dates is kept). Only interruptions dated on
   or before the date asked count (the state at the end of that date).
6. **Period length by date.** The period that starts on date S (payment, detection or
   interruption) has the length in force on S. Both parameters are fixed by law and constant
   since the project's epoch, so this only matters for history.
7. **Balances are consumed oldest line first.** Whatever reduced the balance (payments,
   withholdings, remissions, cancellations, write-offs…), the remaining balance is made of the
   *youngest* lines. The accessories (the fraud indemnity, surcharges) are imputed first
   (C. civ. 1343-1: a payment is imputed on the accessories before the principal), so the
   remaining balance is ``min(balance, principal)`` of principal lines taken from the youngest
   backwards, plus whatever exceeds the principal, as accessories. The accessories follow the
   claim (the accessory follows the principal): they are time-barred when the last remaining
   principal line is. Only the balance matters, not which movement made it: the breakdown is
   the same whatever the kind of the reductions.
8. **Status.** The claim is ``prescribed`` when it has a positive balance made only of
   time-barred lines; recovery then stops. ``prescription_date`` is the date at which the last
   line still in the balance becomes time-barred (for a prescribed claim, the date it became
   so); a claim with nothing left to pay has none.

Not modelled (no sourced rule or parameter yet): suspension of prescription (C. civ. 2234 ff.),
the 20-year long stop of C. civ. 2232, waiving prescription in the debtor's favour.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from recouvre.domain.model import DomainError, UndueLine
from recouvre.domain.money import Cents

YEARS_KEY = "prescription.years"
FRAUD_YEARS_KEY = "prescription.fraud_years"


class InterruptionKind(StrEnum):
    """What interrupts prescription (R-PRESC-3) and where the project records it."""

    REGISTERED_LETTER = "registered_letter"
    """LRAR delivered or returned unclaimed (CSS L133-4-6); not when undeliverable."""
    ACKNOWLEDGMENT = "acknowledgment"
    """The debtor acknowledges the debt (C. civ. 2240)."""
    PLAN = "plan"
    """An instalment plan agreed: an acknowledgment (C. civ. 2240)."""
    PAYMENT = "payment"
    """A partial payment: an acknowledgment (C. civ. 2240)."""
    WITHHOLDING = "withholding"
    """A withholding on benefits (SCENARIOS.md lists it as an interruption)."""
    REMISSION_REQUEST = "remission_request"
    """A remission request from the debtor's side: an acknowledgment (RULES.md §3.2, R-REMISE-1)."""
    COURT_ACTION = "court_action"
    """A court action by the organism (C. civ. 2241)."""
    ENFORCEMENT_ACT = "enforcement_act"
    """An enforcement measure (C. civ. 2244)."""


@dataclass(frozen=True)
class Interruption:
    """One interruptive act: its date, its kind, where it is recorded (``source``) and a detail."""

    on: date
    kind: InterruptionKind
    source: str = ""
    """The key of the claim event, plan or movement that records it."""
    detail: str = ""
    """E.g. the outcome of a registered letter, who acknowledged or requested."""


@dataclass(frozen=True)
class PeriodLength:
    """One version of a period parameter: ``years`` from ``valid_from`` on."""

    valid_from: date
    years: int


@dataclass(frozen=True)
class PrescriptionTerms:
    """The dated period lengths (policy ``prescription.years`` and ``prescription.fraud_years``)."""

    years: tuple[PeriodLength, ...]
    fraud_years: tuple[PeriodLength, ...]

    def __post_init__(self) -> None:
        for key, versions in ((YEARS_KEY, self.years), (FRAUD_YEARS_KEY, self.fraud_years)):
            if not versions:
                raise DomainError(key, "()", "il faut au moins une valeur datée")
            if any(version.years <= 0 for version in versions):
                raise DomainError(key, [v.years for v in versions], "un délai est d'au moins un an")
            starts = [version.valid_from for version in versions]
            if starts != sorted(starts) or len(set(starts)) != len(starts):
                raise DomainError(key, starts, "les versions sont à donner par dates strictement croissantes")

    @classmethod
    def constant(cls, years: int, fraud_years: int) -> PrescriptionTerms:
        """The same lengths at every date (tests, and the national values)."""
        return cls((PeriodLength(date.min, years),), (PeriodLength(date.min, fraud_years),))

    def length(self, fraud: bool, start: date) -> PeriodLength:
        """The length in force on ``start`` (the first version if ``start`` precedes them all)."""
        versions = self.fraud_years if fraud else self.years
        if len(versions) == 1:
            return versions[0]
        index = bisect_right([version.valid_from for version in versions], start) - 1
        return versions[max(index, 0)]

    def first_bar(self, fraud: bool, start: date) -> date:
        """The bar date of a period started on ``start`` (no interruption)."""
        return add_years(start, self.length(fraud, start).years)

    def key(self, fraud: bool) -> str:
        return FRAUD_YEARS_KEY if fraud else YEARS_KEY


@lru_cache(maxsize=65_536)
def add_years(start: date, years: int) -> date:
    """``start`` plus calendar years; 29 February goes to 28 February in a common year."""
    result: date = start + relativedelta(years=years)
    return result


@dataclass(frozen=True)
class PrescriptionFacts:
    """What the rules need to know about one claim at the end of a date."""

    lines: tuple[UndueLine, ...]
    fraud: bool
    detected_on: date
    balance: Cents
    """The balance at the end of the date (signed sum of the movements, never below zero)."""
    interruptions: tuple[Interruption, ...] = ()


@dataclass(frozen=True)
class BarMove:
    """An interruption moved the bar date of line ``line_no`` from ``before`` to ``after``."""

    line_no: int
    before: date
    after: date


@dataclass(frozen=True)
class InterruptionEffect:
    """What one interruption did: which bar dates it moved, which lines it found already barred."""

    interruption: Interruption
    new_period_until: date
    """``I + years``: the bar date of a line restarted by this interruption."""
    parameter: str
    parameter_from: date
    years: int
    moved: tuple[BarMove, ...]
    already_barred: tuple[int, ...]
    """Lines time-barred on or before the interruption's date: not revived."""


@dataclass(frozen=True)
class LineState:
    """One undue payment line: its period, its bar date and its part of the remaining balance."""

    line_no: int
    """Position of the line in the claim (1-based), as stored."""
    paid_on: date
    amount: Cents
    period_start: date
    """The start of the current period: ``paid_on``, ``detected_on`` (fraud) or the last interruption."""
    initial_bar_on: date
    """The bar date without any interruption."""
    bar_on: date
    """The first day the line is time-barred, interruptions included."""
    parameter: str
    """``prescription.years`` or ``prescription.fraud_years``."""
    parameter_from: date
    """The start of the parameter version used for the current period."""
    years: int
    remaining: Cents
    """The part of the remaining balance made of this line (oldest lines are consumed first)."""
    interrupted_by: Interruption | None
    """The interruption that started the current period; ``None`` when never interrupted."""

    def barred_on(self, day: date) -> bool:
        return self.bar_on <= day


@dataclass(frozen=True)
class PrescriptionState:
    """Where a claim stands on prescription at the end of ``on``, with its explanation."""

    on: date
    fraud: bool
    detected_on: date
    balance: Cents
    lines: tuple[LineState, ...]
    """In the claim's line order."""
    accessories: Cents
    """Part of the balance above the principal (indemnity, surcharges); follows the last line."""
    interruptions: tuple[InterruptionEffect, ...]
    """Every interruption counted (dated on or before ``on``), in date order, with its effect."""
    prescription_date: date | None
    """When the last line still in the balance becomes (or became) time-barred; ``None`` if no balance."""

    @property
    def prescribed(self) -> bool:
        """Status ``prescribed`` on ``on``: a positive balance made only of time-barred lines."""
        return self.is_prescribed_on(self.on)

    def is_prescribed_on(self, day: date) -> bool:
        """Prescribed on ``day`` if nothing changes after ``on`` (no payment, no interruption)."""
        return self.balance > 0 and self.prescription_date is not None and self.prescription_date <= day

    def barred_amount_on(self, day: date) -> Cents:
        """The part of the balance that is time-barred on ``day`` if nothing changes after ``on``."""
        barred = sum(line.remaining for line in self.lines if line.bar_on <= day)
        if self.is_prescribed_on(day):
            barred += self.accessories
        return barred

    @property
    def time_barred(self) -> Cents:
        """The part of the balance already time-barred on ``on``."""
        return self.barred_amount_on(self.on)

    @property
    def recoverable(self) -> Cents:
        """The part of the balance still recoverable on ``on``."""
        return self.balance - self.time_barred


def _ordered(interruptions: Iterable[Interruption], on: date) -> list[Interruption]:
    kinds = list(InterruptionKind)
    counted = [item for item in interruptions if item.on <= on]
    return sorted(counted, key=lambda item: (item.on, kinds.index(item.kind), item.source))


def _remaining(lines: Sequence[UndueLine], balance: Cents) -> list[Cents]:
    """Each line's part of ``min(balance, principal)``, filled from the youngest line backwards."""
    order = sorted(range(len(lines)), key=lambda index: (lines[index].paid_on, index))
    left = min(max(balance, 0), sum(line.amount for line in lines))
    parts = [0] * len(lines)
    for index in reversed(order):
        share = min(left, lines[index].amount)
        parts[index] = share
        left -= share
    return parts


def bar_date(start: date, fraud: bool, interruptions: Sequence[date], terms: PrescriptionTerms) -> date:
    """The bar date of one line whose first period starts on ``start``, given the dates of the
    interruptions counted, in ascending order (rule 5: each one dated strictly before the current
    bar date starts a new full period, never bringing the date earlier)."""
    bar = terms.first_bar(fraud, start)
    for day in interruptions:
        if day >= bar:
            break  # the line is time-barred; later interruptions come later still
        bar = max(bar, terms.first_bar(fraud, day))
    return bar


def is_prescribed(facts: PrescriptionFacts, terms: PrescriptionTerms, on: date) -> bool:
    """``prescription_state(facts, terms, on).prescribed``, without the explanation."""
    return prescribed_verdict(
        [(line.paid_on, line.amount) for line in facts.lines],
        facts.fraud,
        facts.detected_on,
        facts.balance,
        sorted(item.on for item in facts.interruptions if item.on <= on),
        terms,
        on,
    )


def prescribed_verdict(
    lines: Sequence[tuple[date, Cents]],
    fraud: bool,
    detected_on: date,
    balance: Cents,
    interruption_days: Sequence[date],
    terms: PrescriptionTerms,
    on: date,
) -> bool:
    """The status verdict of ``prescription_state`` from plain values, for batch steps.

    ``lines`` are (paid_on, amount) in the claim's order; ``interruption_days`` are the dates of
    the interruptions counted (on or before ``on``), ascending. Only the lines still in the
    balance are looked at, youngest first, and the answer is ``False`` as soon as one of them
    is not time-barred on ``on``.
    """
    if balance <= 0 or not lines:
        return False
    if fraud:  # every line has the same period, and at least one is in the balance
        return bar_date(detected_on, True, interruption_days, terms) <= on
    left = min(balance, sum(amount for _, amount in lines))
    order = sorted(range(len(lines)), key=lambda index: (lines[index][0], index))
    for index in reversed(order):
        if left <= 0:
            break
        paid_on, amount = lines[index]
        left -= amount
        if bar_date(paid_on, False, interruption_days, terms) > on:
            return False
    return True


def prescription_date_of(
    lines: Sequence[tuple[date, Cents]],
    fraud: bool,
    detected_on: date,
    balance: Cents,
    interruption_days: Sequence[date],
    terms: PrescriptionTerms,
) -> date | None:
    """``prescription_state(...).prescription_date`` from plain values, for batch reads (queues).

    ``lines`` are (paid_on, amount) in the claim's order; ``interruption_days`` are the dates of
    the interruptions counted (on or before the date asked), ascending. The latest bar date of the
    lines still in the balance (youngest first); ``None`` without a balance.
    """
    left = min(balance, sum(amount for _, amount in lines))
    if left <= 0:
        return None
    if fraud:  # every line has the same period
        return bar_date(detected_on, True, interruption_days, terms)
    order = sorted(range(len(lines)), key=lambda index: (lines[index][0], index))
    latest: date | None = None
    for index in reversed(order):
        if left <= 0:
            break
        paid_on, amount = lines[index]
        left -= amount
        if amount <= 0:
            continue
        bar = bar_date(paid_on, False, interruption_days, terms)
        latest = bar if latest is None or bar > latest else latest
    return latest


def prescription_state(facts: PrescriptionFacts, terms: PrescriptionTerms, on: date) -> PrescriptionState:
    """The prescription of one claim at the end of ``on`` (see the module docstring for the rules)."""
    if not facts.lines:
        raise DomainError("claim.lines", "[]", "une créance a au moins une ligne d'indu")
    fraud = facts.fraud
    parameter = terms.key(fraud)
    starts = [facts.detected_on if fraud else line.paid_on for line in facts.lines]
    lengths = [terms.length(fraud, start) for start in starts]
    initial = [add_years(start, length.years) for start, length in zip(starts, lengths, strict=True)]
    bars = list(initial)
    by: list[Interruption | None] = [None] * len(bars)
    effects: list[InterruptionEffect] = []
    for interruption in _ordered(facts.interruptions, on):
        length = terms.length(fraud, interruption.on)
        until = add_years(interruption.on, length.years)
        moved: list[BarMove] = []
        barred: list[int] = []
        for index, bar in enumerate(bars):
            if bar <= interruption.on:
                barred.append(index + 1)
                continue
            if until > bar:
                moved.append(BarMove(index + 1, bar, until))
                bars[index] = until
                starts[index] = interruption.on
                lengths[index] = length
                by[index] = interruption
        effects.append(
            InterruptionEffect(
                interruption=interruption,
                new_period_until=until,
                parameter=parameter,
                parameter_from=length.valid_from,
                years=length.years,
                moved=tuple(moved),
                already_barred=tuple(barred),
            )
        )
    parts = _remaining(facts.lines, facts.balance)
    balance = max(facts.balance, 0)
    in_balance = [bar for bar, part in zip(bars, parts, strict=True) if part > 0]
    lines = tuple(
        LineState(
            line_no=index + 1,
            paid_on=line.paid_on,
            amount=line.amount,
            period_start=starts[index],
            initial_bar_on=initial[index],
            bar_on=bars[index],
            parameter=parameter,
            parameter_from=lengths[index].valid_from,
            years=lengths[index].years,
            remaining=parts[index],
            interrupted_by=by[index],
        )
        for index, line in enumerate(facts.lines)
    )
    return PrescriptionState(
        on=on,
        fraud=fraud,
        detected_on=facts.detected_on,
        balance=balance,
        lines=lines,
        accessories=balance - sum(parts),
        interruptions=tuple(effects),
        prescription_date=max(in_balance) if in_balance else None,
    )
