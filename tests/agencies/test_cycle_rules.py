"""The default ladder after a recall: steps resume where they stopped, one per cycle."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from recouvre.domain.defaults import DefaultState, decide_step
from recouvre.policy.values import DefaultStep

STEPS = (
    DefaultStep(1, "reminder_1"),
    DefaultStep(2, "reminder_2", "phone_call"),
    DefaultStep(3, "formal_notice"),
)
ORDER = [None, "reminder_1", "reminder_2", "formal_notice"]


def step(state: DefaultState, k: int, on: date, one_step: bool) -> DefaultState:
    decision = decide_step(
        state, k, on, STEPS, formal_notice_months=1, repeat_window_months=12, one_step=one_step
    )
    return decision.state


def test_after_a_recall_one_step_at_a_time() -> None:
    state = DefaultState(step="reminder_1", step_on=date(2026, 2, 2), episode_since=date(2026, 2, 2))
    assert step(state, 5, date(2026, 6, 2), one_step=False).step == "formal_notice"
    resumed = step(state, 5, date(2026, 6, 2), one_step=True)
    assert resumed.step == "reminder_2"
    assert step(resumed, 6, date(2026, 7, 2), one_step=True).step == "formal_notice"


@given(st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=8))
def test_one_step_never_skips_a_rung(counts: list[int]) -> None:
    state = DefaultState()
    on = date(2026, 2, 2)
    for month, k in enumerate(sorted(counts)):
        before = ORDER.index(state.step)
        state = step(
            state, k, date(on.year + (on.month + month - 1) // 12, (on.month + month - 1) % 12 + 1, 2), True
        )
        assert ORDER.index(state.step) - before <= 1
