"""The pure prescription rules (domain.prescription): bar dates, interruptions, consumption, fraud."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recouvre.domain.model import DomainError, UndueLine
from recouvre.domain.prescription import (
    FRAUD_YEARS_KEY,
    YEARS_KEY,
    BarMove,
    Interruption,
    InterruptionKind,
    PeriodLength,
    PrescriptionFacts,
    PrescriptionTerms,
    add_years,
    bar_date,
    is_prescribed,
    prescription_date_of,
    prescription_state,
)

TERMS = PrescriptionTerms.constant(2, 5)
K = InterruptionKind


def facts(
    *lines: tuple[date, int],
    balance: int | None = None,
    fraud: bool = False,
    detected_on: date = date(2024, 6, 1),
    interruptions: tuple[Interruption, ...] = (),
) -> PrescriptionFacts:
    undue = tuple(UndueLine(paid_on, amount) for paid_on, amount in lines)
    return PrescriptionFacts(
        lines=undue,
        fraud=fraud,
        detected_on=detected_on,
        balance=sum(line.amount for line in undue) if balance is None else balance,
        interruptions=interruptions,
    )


def test_edge_dates_the_bar_date_is_the_first_day_time_barred() -> None:
    claim = facts((date(2024, 3, 5), 30_000))
    before = prescription_state(claim, TERMS, date(2026, 3, 4))
    on = prescription_state(claim, TERMS, date(2026, 3, 5))
    assert before.prescription_date == on.prescription_date == date(2026, 3, 5)
    assert not before.prescribed and before.time_barred == 0 and before.recoverable == 30_000
    assert on.prescribed and on.time_barred == 30_000 and on.recoverable == 0


def test_29_february_ends_on_28_february() -> None:
    assert add_years(date(2024, 2, 29), 2) == date(2026, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    state = prescription_state(facts((date(2024, 2, 29), 100)), TERMS, date(2026, 2, 28))
    assert state.lines[0].bar_on == date(2026, 2, 28) and state.prescribed


def test_only_older_lines_time_barred_keeps_the_claim_open() -> None:
    claim = facts((date(2024, 1, 5), 100), (date(2024, 2, 5), 100), (date(2024, 9, 5), 100))
    state = prescription_state(claim, TERMS, date(2026, 2, 10))
    assert [line.bar_on for line in state.lines] == [date(2026, 1, 5), date(2026, 2, 5), date(2026, 9, 5)]
    assert not state.prescribed
    assert state.prescription_date == date(2026, 9, 5)
    assert state.time_barred == 200 and state.recoverable == 100
    assert state.barred_amount_on(date(2026, 9, 5)) == 300
    assert state.is_prescribed_on(date(2026, 9, 5)) and not state.is_prescribed_on(date(2026, 9, 4))


def test_balance_is_consumed_oldest_line_first() -> None:
    claim = facts((date(2024, 1, 5), 100), (date(2024, 6, 5), 100), (date(2024, 7, 5), 100), balance=150)
    state = prescription_state(claim, TERMS, date(2026, 1, 10))
    assert [line.remaining for line in state.lines] == [0, 50, 100]
    # line 1 is time-barred but paid: the remainder is not prescribed
    assert state.time_barred == 0 and not state.prescribed
    assert state.prescription_date == date(2026, 7, 5)


def test_lines_out_of_order_are_consumed_by_payment_date() -> None:
    claim = facts((date(2024, 7, 5), 100), (date(2024, 1, 5), 100), balance=100)
    state = prescription_state(claim, TERMS, date(2026, 2, 1))
    assert [line.remaining for line in state.lines] == [100, 0]
    assert state.prescription_date == date(2026, 7, 5) and not state.prescribed


def test_accessories_follow_the_last_line() -> None:
    # principal 200 + indemnity 20; 50 paid: the accessories are imputed first
    claim = facts((date(2024, 1, 5), 100), (date(2024, 6, 5), 100), balance=170)
    state = prescription_state(claim, TERMS, date(2026, 1, 10))
    assert state.accessories == 0 and [line.remaining for line in state.lines] == [70, 100]
    full = prescription_state(
        facts((date(2024, 1, 5), 100), (date(2024, 6, 5), 100), balance=220), TERMS, date(2026, 6, 4)
    )
    assert full.accessories == 20 and full.time_barred == 100
    assert full.barred_amount_on(date(2026, 6, 5)) == 220


def test_nothing_to_pay_has_no_date_and_is_not_prescribed() -> None:
    state = prescription_state(facts((date(2020, 1, 5), 100), balance=0), TERMS, date(2026, 1, 1))
    assert state.prescription_date is None and not state.prescribed and state.time_barred == 0
    negative = prescription_state(facts((date(2020, 1, 5), 100), balance=-50), TERMS, date(2026, 1, 1))
    assert negative.balance == 0 and not negative.prescribed


def test_an_interruption_before_the_bar_date_restarts_a_full_period() -> None:
    letter = Interruption(date(2026, 1, 15), K.REGISTERED_LETTER, "k1", "delivered")
    state = prescription_state(
        facts((date(2024, 3, 5), 100), interruptions=(letter,)), TERMS, date(2026, 3, 5)
    )
    line = state.lines[0]
    assert line.initial_bar_on == date(2026, 3, 5)
    assert line.bar_on == date(2028, 1, 15)
    assert line.period_start == date(2026, 1, 15) and line.interrupted_by == letter
    assert not state.prescribed
    (effect,) = state.interruptions
    assert effect.moved == (BarMove(1, date(2026, 3, 5), date(2028, 1, 15)),)
    assert effect.new_period_until == date(2028, 1, 15) and effect.already_barred == ()
    assert (effect.parameter, effect.years) == (YEARS_KEY, 2)


def test_an_interruption_on_the_bar_date_is_too_late() -> None:
    late = Interruption(date(2026, 3, 5), K.PAYMENT, "m1")
    eve = Interruption(date(2026, 3, 4), K.PAYMENT, "m2")
    late_state = prescription_state(
        facts((date(2024, 3, 5), 100), interruptions=(late,)), TERMS, date(2026, 3, 5)
    )
    assert late_state.prescribed and late_state.lines[0].interrupted_by is None
    assert late_state.interruptions[0].already_barred == (1,) and late_state.interruptions[0].moved == ()
    eve_state = prescription_state(
        facts((date(2024, 3, 5), 100), interruptions=(eve,)), TERMS, date(2026, 3, 5)
    )
    assert eve_state.prescription_date == date(2028, 3, 4) and not eve_state.prescribed


def test_an_interruption_restarts_only_the_lines_not_yet_time_barred() -> None:
    ack = Interruption(date(2026, 2, 1), K.ACKNOWLEDGMENT, "a1")
    claim = facts((date(2024, 1, 5), 100), (date(2024, 9, 5), 100), interruptions=(ack,))
    state = prescription_state(claim, TERMS, date(2026, 2, 1))
    assert [line.bar_on for line in state.lines] == [date(2026, 1, 5), date(2028, 2, 1)]
    assert state.interruptions[0].already_barred == (1,)
    assert state.time_barred == 100 and state.prescription_date == date(2028, 2, 1)


def test_interruptions_after_the_date_asked_do_not_count() -> None:
    later = Interruption(date(2026, 1, 15), K.PLAN, "p1")
    claim = facts((date(2024, 3, 5), 100), interruptions=(later,))
    assert prescription_state(claim, TERMS, date(2026, 1, 14)).prescription_date == date(2026, 3, 5)
    assert prescription_state(claim, TERMS, date(2026, 1, 15)).prescription_date == date(2028, 1, 15)


def test_successive_interruptions_chain() -> None:
    chain = (
        Interruption(date(2025, 6, 1), K.PAYMENT, "m1"),
        Interruption(date(2027, 5, 1), K.WITHHOLDING, "m2"),
        Interruption(date(2029, 6, 1), K.ACKNOWLEDGMENT, "a1"),  # after 2029-05-01: too late
    )
    state = prescription_state(facts((date(2024, 3, 5), 100), interruptions=chain), TERMS, date(2030, 1, 1))
    assert state.prescription_date == date(2029, 5, 1) and state.prescribed
    assert [len(effect.moved) for effect in state.interruptions] == [1, 1, 0]


def test_fraud_runs_five_years_from_detection_for_every_line() -> None:
    claim = facts((date(2019, 1, 5), 100), (date(2023, 6, 5), 100), fraud=True, detected_on=date(2024, 5, 13))
    before = prescription_state(claim, TERMS, date(2029, 5, 12))
    assert [line.bar_on for line in before.lines] == [date(2029, 5, 13)] * 2
    assert {line.parameter for line in before.lines} == {FRAUD_YEARS_KEY}
    assert not before.prescribed and before.prescription_date == date(2029, 5, 13)
    assert prescription_state(claim, TERMS, date(2029, 5, 13)).prescribed


def test_fraud_is_interrupted_the_same_way() -> None:
    ack = Interruption(date(2028, 1, 10), K.ACKNOWLEDGMENT, "a1")
    claim = facts((date(2023, 2, 5), 100), fraud=True, detected_on=date(2024, 5, 13), interruptions=(ack,))
    state = prescription_state(claim, TERMS, date(2030, 1, 1))
    assert state.prescription_date == date(2033, 1, 10) and not state.prescribed


def test_dated_lengths_use_the_value_in_force_when_the_period_starts() -> None:
    terms = PrescriptionTerms(
        years=(PeriodLength(date(1970, 1, 1), 2), PeriodLength(date(2025, 1, 1), 3)),
        fraud_years=(PeriodLength(date(1970, 1, 1), 5),),
    )
    payment = Interruption(date(2025, 6, 1), K.PAYMENT, "m1")
    state = prescription_state(
        facts((date(2024, 3, 5), 100), (date(2025, 3, 5), 100), interruptions=(payment,)),
        terms,
        date(2025, 6, 1),
    )
    assert state.lines[0].initial_bar_on == date(2026, 3, 5)
    assert state.lines[1].initial_bar_on == date(2028, 3, 5)
    # the period restarted on 2025-06-01 is 3 years, but never brings line 2 earlier
    assert [line.bar_on for line in state.lines] == [date(2028, 6, 1), date(2028, 6, 1)]
    assert state.lines[0].parameter_from == date(2025, 1, 1)


def test_terms_are_checked() -> None:
    with pytest.raises(DomainError):
        PrescriptionTerms(years=(), fraud_years=(PeriodLength(date.min, 5),))
    with pytest.raises(DomainError):
        PrescriptionTerms.constant(0, 5)
    with pytest.raises(DomainError):
        PrescriptionTerms(
            years=(PeriodLength(date(2020, 1, 1), 2), PeriodLength(date(2010, 1, 1), 2)),
            fraud_years=(PeriodLength(date.min, 5),),
        )
    with pytest.raises(DomainError):
        prescription_state(
            PrescriptionFacts(lines=(), fraud=False, detected_on=date(2024, 1, 1), balance=0),
            TERMS,
            date(2026, 1, 1),
        )


# Properties --------------------------------------------------------------------------------------

DAYS = st.integers(min_value=0, max_value=3_000)
BASE = date(2020, 1, 1)
KINDS = st.sampled_from(list(InterruptionKind))


def _day(offset: int) -> date:
    return BASE + timedelta(days=offset)


lines_st = st.lists(st.tuples(DAYS, st.integers(min_value=1, max_value=100_000)), min_size=1, max_size=6)
interruptions_st = st.lists(st.tuples(DAYS, KINDS), max_size=6)


@st.composite
def claims(draw: st.DrawFn) -> PrescriptionFacts:
    raw_lines = draw(lines_st)
    lines = tuple(UndueLine(_day(offset), amount) for offset, amount in raw_lines)
    principal = sum(line.amount for line in lines)
    accessories = draw(st.sampled_from([0, principal // 10]))
    balance = draw(st.integers(min_value=0, max_value=principal + accessories))
    interruptions = tuple(
        Interruption(_day(offset), kind, f"k{index}")
        for index, (offset, kind) in enumerate(draw(interruptions_st))
    )
    return PrescriptionFacts(
        lines=lines,
        fraud=draw(st.booleans()),
        detected_on=_day(draw(DAYS)),
        balance=balance,
        interruptions=interruptions,
    )


ON = st.integers(min_value=0, max_value=6_000).map(_day)


@settings(max_examples=300, deadline=None)
@given(claims(), st.tuples(DAYS, KINDS), ON)
def test_an_interruption_never_brings_a_bar_date_earlier(
    claim: PrescriptionFacts, extra: tuple[int, InterruptionKind], on: date
) -> None:
    base = prescription_state(claim, TERMS, on)
    more = PrescriptionFacts(
        lines=claim.lines,
        fraud=claim.fraud,
        detected_on=claim.detected_on,
        balance=claim.balance,
        interruptions=(*claim.interruptions, Interruption(_day(extra[0]), extra[1], "extra")),
    )
    after = prescription_state(more, TERMS, on)
    assert all(a.bar_on >= b.bar_on for a, b in zip(after.lines, base.lines, strict=True))
    assert all(line.bar_on >= line.initial_bar_on for line in after.lines)
    if base.prescription_date is not None:
        assert after.prescription_date is not None and after.prescription_date >= base.prescription_date
    assert not (after.prescribed and not base.prescribed)


@settings(max_examples=300, deadline=None)
@given(claims(), st.integers(min_value=0, max_value=200_000), ON)
def test_consuming_more_never_makes_a_claim_less_prescribed(
    claim: PrescriptionFacts, paid: int, on: date
) -> None:
    base = prescription_state(claim, TERMS, on)
    less = PrescriptionFacts(
        lines=claim.lines,
        fraud=claim.fraud,
        detected_on=claim.detected_on,
        balance=max(claim.balance - paid, 0),
        interruptions=claim.interruptions,
    )
    after = prescription_state(less, TERMS, on)
    if base.prescribed and after.balance > 0:
        assert after.prescribed
    if after.prescription_date is not None:
        assert base.prescription_date is not None and after.prescription_date <= base.prescription_date
    assert after.time_barred <= after.balance


@settings(max_examples=300, deadline=None)
@given(claims(), ON)
def test_the_balance_is_split_exactly_and_the_verdict_is_consistent(
    claim: PrescriptionFacts, on: date
) -> None:
    state = prescription_state(claim, TERMS, on)
    assert sum(line.remaining for line in state.lines) + state.accessories == state.balance
    assert all(0 <= line.remaining <= line.amount for line in state.lines)
    remaining = [line for line in state.lines if line.remaining > 0]
    assert state.prescribed == (state.balance > 0 and all(line.barred_on(on) for line in remaining))
    if state.balance > 0:
        assert state.prescription_date == max(line.bar_on for line in remaining)
    if claim.fraud:
        assert len({line.bar_on for line in state.lines}) == 1
    # with no new fact, a prescribed claim stays prescribed
    if state.prescribed:
        assert state.is_prescribed_on(on + timedelta(days=1))
    assert 0 <= state.time_barred <= state.balance
    assert state.time_barred + state.recoverable == state.balance


@settings(max_examples=200, deadline=None)
@given(claims(), ON, st.integers(min_value=0, max_value=400))
def test_time_barred_part_only_grows_with_time(claim: PrescriptionFacts, on: date, later: int) -> None:
    state = prescription_state(claim, TERMS, on)
    assert state.barred_amount_on(on + timedelta(days=later)) >= state.time_barred


@settings(max_examples=400, deadline=None)
@given(claims(), ON)
def test_the_batch_verdict_agrees_with_the_explained_state(claim: PrescriptionFacts, on: date) -> None:
    state = prescription_state(claim, TERMS, on)
    assert is_prescribed(claim, TERMS, on) == state.prescribed
    days = sorted(item.on for item in claim.interruptions if item.on <= on)
    lines = [(line.paid_on, line.amount) for line in claim.lines]
    found = prescription_date_of(lines, claim.fraud, claim.detected_on, claim.balance, days, TERMS)
    assert found == state.prescription_date
    for line in state.lines:
        start = claim.detected_on if claim.fraud else line.paid_on
        assert bar_date(start, claim.fraud, days, TERMS) == line.bar_on
