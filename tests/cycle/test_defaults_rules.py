"""The default rules of the monthly cycle, as pure functions (recouvre.domain.defaults)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from recouvre.domain.defaults import (
    DefaultState,
    decide_step,
    defaults_of_full_payment,
    defaults_of_plan,
    due_dates,
)
from recouvre.domain.model import Phase
from recouvre.domain.surcharges import surcharge_rate_months
from recouvre.policy.values import DefaultStep

STEPS = (
    DefaultStep(1, "reminder_1"),
    DefaultStep(2, "reminder_2", "phone_call"),
    DefaultStep(3, "formal_notice"),
)


def decide(state: DefaultState, k: int, on: date) -> tuple[DefaultState, str | None, str | None, bool]:
    decision = decide_step(state, k, on, STEPS, formal_notice_months=1, repeat_window_months=12)
    return decision.state, decision.letter, decision.task, decision.contentious


def test_due_dates_follow_the_calendar() -> None:
    assert due_dates(date(2026, 1, 31), date(2026, 2, 27)) == 1
    assert due_dates(date(2026, 1, 31), date(2026, 2, 28)) == 2  # clamped to the month's end
    assert due_dates(date(2026, 1, 30), date(2026, 1, 29)) == 0
    assert due_dates(date(2026, 1, 30), date(2026, 1, 30)) == 1


def test_plan_defaults_count_uncovered_instalments() -> None:
    first = date(2026, 2, 5)
    assert defaults_of_plan(first, 10_000, 40_000, 0, date(2026, 2, 4)) == 0
    assert defaults_of_plan(first, 10_000, 40_000, 0, date(2026, 2, 5)) == 1
    assert defaults_of_plan(first, 10_000, 40_000, 10_000, date(2026, 3, 6)) == 1
    assert defaults_of_plan(first, 10_000, 40_000, 19_999, date(2026, 3, 6)) == 1
    assert defaults_of_plan(first, 10_000, 40_000, 20_000, date(2026, 3, 6)) == 0
    # The last instalment is the remainder: 40,000 paid covers the whole plan.
    assert defaults_of_plan(first, 15_000, 40_000, 40_000, date(2026, 9, 6)) == 0
    assert defaults_of_full_payment(date(2026, 1, 30), date(2026, 3, 30), 1) == 3
    assert defaults_of_full_payment(date(2026, 1, 30), date(2026, 3, 30), 0) == 0


def test_steps_one_per_cycle_never_repeated() -> None:
    state = DefaultState()
    state, letter, task, _ = decide(state, 1, date(2026, 2, 2))
    assert (letter, task) == ("reminder_1", None)
    state, letter, task, _ = decide(state, 1, date(2026, 3, 2))
    assert letter is None  # the same default: no second reminder_1
    state, letter, task, _ = decide(state, 2, date(2026, 4, 2))
    assert (letter, task) == ("reminder_2", "phone_call")
    state, letter, _, _ = decide(state, 5, date(2026, 5, 2))
    assert letter == "formal_notice" and state.notice_deadline == date(2026, 6, 2)
    state, letter, _, moved = decide(state, 6, date(2026, 6, 2))
    assert letter is None and not moved  # the deadline day itself is not after it
    state, letter, task, moved = decide(state, 6, date(2026, 6, 3))
    assert moved and task == "review" and state.phase is Phase.CONTENTIOUS
    assert decide(state, 7, date(2026, 7, 3))[1:] == (None, None, False)


def test_shortened_path_after_a_recent_cure() -> None:
    state, _, _, _ = decide(DefaultState(), 1, date(2026, 2, 2))
    state, _, _, _ = decide(state, 2, date(2026, 3, 2))
    state, letter, _, _ = decide(state, 0, date(2026, 4, 2))
    assert letter is None and state.last_cured_on == date(2026, 4, 2) and state.episode_since is None
    # Defaults again within 12 months: continues after reminder_2.
    state, letter, _, _ = decide(state, 1, date(2026, 6, 2))
    assert letter == "formal_notice"


def test_new_default_long_after_a_cure_starts_again() -> None:
    state, _, _, _ = decide(DefaultState(), 2, date(2025, 2, 2))
    state, _, _, _ = decide(state, 0, date(2025, 3, 2))
    state, letter, _, _ = decide(state, 1, date(2026, 3, 3))
    assert letter == "reminder_1"


def test_first_cycle_with_several_defaults_takes_the_step_of_k() -> None:
    assert decide(DefaultState(), 2, date(2026, 3, 2))[1] == "reminder_2"
    assert decide(DefaultState(), 4, date(2026, 3, 2))[1] == "formal_notice"


def test_surcharge_months_started() -> None:
    assert surcharge_rate_months(date(2026, 1, 31), date(2026, 1, 31)) == 0
    assert surcharge_rate_months(date(2026, 1, 31), date(2026, 2, 1)) == 1
    assert surcharge_rate_months(date(2026, 1, 31), date(2026, 2, 28)) == 1
    assert surcharge_rate_months(date(2026, 1, 31), date(2026, 3, 1)) == 2


@given(
    monthly=st.integers(min_value=1, max_value=10**6),
    total=st.integers(min_value=1, max_value=10**7),
    credits=st.integers(min_value=0, max_value=10**7),
    days=st.integers(min_value=0, max_value=800),
)
def test_more_credits_never_mean_more_defaults(monthly: int, total: int, credits: int, days: int) -> None:
    first = date(2026, 1, 15)
    on = date.fromordinal(first.toordinal() + days)
    k = defaults_of_plan(first, monthly, total, credits, on)
    assert 0 <= k <= due_dates(first, on)
    assert defaults_of_plan(first, monthly, total, credits + monthly, on) <= k
