"""The pure rules of enforcement titles: opposition windows, states by date, allowed acts."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from recouvre.domain.enforcement import (
    ActRecord,
    Outcome,
    TitleAct,
    TitleKind,
    TitleState,
    allowed_kind,
    check_act,
    opposition_end,
    state_on,
)


def test_contrainte_window_is_fifteen_days_included() -> None:
    assert opposition_end(TitleKind.CONTRAINTE, date(2026, 6, 10), days=15, months=1) == date(2026, 6, 25)


def test_injunction_window_ends_on_the_same_day_or_the_months_last_day() -> None:
    end = opposition_end
    assert end(TitleKind.INJUNCTION, date(2027, 1, 31), days=15, months=1) == date(2027, 2, 28)
    assert end(TitleKind.INJUNCTION, date(2028, 1, 31), days=15, months=1) == date(2028, 2, 29)
    assert end(TitleKind.INJUNCTION, date(2027, 3, 15), days=15, months=1) == date(2027, 4, 15)
    assert end(TitleKind.INJUNCTION, date(2027, 8, 31), days=15, months=1) == date(2027, 9, 30)


ISSUED_SERVED = [
    ActRecord(TitleAct.DRAFTED, date(2026, 6, 1)),
    ActRecord(TitleAct.ISSUED, date(2026, 6, 5)),
    ActRecord(TitleAct.SERVED, date(2026, 6, 10)),
]


def test_state_by_date_and_enforceable_the_day_after_the_window() -> None:
    window = date(2026, 6, 25)
    assert state_on(ISSUED_SERVED, date(2026, 5, 31), window).state is TitleState.NONE
    assert state_on(ISSUED_SERVED, date(2026, 6, 4), window).state is TitleState.DRAFTED
    assert state_on(ISSUED_SERVED, date(2026, 6, 9), window).state is TitleState.ISSUED
    assert state_on(ISSUED_SERVED, window, window).state is TitleState.SERVED
    after = state_on(ISSUED_SERVED, date(2026, 6, 26), window)
    assert (after.state, after.since) == (TitleState.ENFORCEABLE, date(2026, 6, 26))


def test_opposition_and_decisions() -> None:
    opposed = [*ISSUED_SERVED, ActRecord(TitleAct.OPPOSED, date(2026, 6, 20))]
    window = date(2026, 6, 25)
    assert state_on(opposed, date(2026, 12, 1), window).state is TitleState.OPPOSED
    for outcome, state in [
        (Outcome.REJECTED, TitleState.ENFORCEABLE),
        (Outcome.REDUCED, TitleState.ENFORCEABLE),
        (Outcome.UPHELD, TitleState.ANNULLED),
    ]:
        decided = [*opposed, ActRecord(TitleAct.DECIDED, date(2026, 9, 1), outcome)]
        assert state_on(decided, date(2026, 9, 1), window).state is state


def test_opposition_after_the_window_is_refused() -> None:
    window = date(2026, 6, 25)
    late = state_on(ISSUED_SERVED, date(2026, 6, 26), window)
    reason = check_act(TitleKind.CONTRAINTE, late, TitleAct.OPPOSED, date(2026, 6, 26), window)
    assert reason is not None and "hors délai" in reason
    in_time = state_on(ISSUED_SERVED, window, window)
    assert check_act(TitleKind.CONTRAINTE, in_time, TitleAct.OPPOSED, window, window) is None


def test_kinds_by_benefit() -> None:
    assert allowed_kind(TitleKind.CONTRAINTE, "AF") is None
    assert allowed_kind(TitleKind.CONTRAINTE, "ALS") is not None
    assert allowed_kind(TitleKind.CONTRAINTE, "LOAN") is not None
    assert allowed_kind(TitleKind.INJUNCTION, "LOAN") is None
    assert allowed_kind(TitleKind.INJUNCTION, "ALS") is None
    assert allowed_kind(TitleKind.INJUNCTION, "RSA") is not None


@given(
    served=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    months=st.integers(min_value=1, max_value=3),
)
def test_injunction_window_is_never_shorter_than_the_month_and_within_it(served: date, months: int) -> None:
    end = opposition_end(TitleKind.INJUNCTION, served, days=15, months=months)
    index = served.year * 12 + served.month - 1 + months
    assert (end.year, end.month) == (index // 12, index % 12 + 1)
    assert end.day == served.day or (end + timedelta(days=1)).day == 1


@given(offset=st.integers(min_value=0, max_value=60))
def test_served_title_is_enforceable_exactly_after_the_window(offset: int) -> None:
    window = date(2026, 6, 25)
    day = date(2026, 6, 10) + timedelta(days=offset)
    state = state_on(ISSUED_SERVED, day, window).state
    assert state is (TitleState.ENFORCEABLE if day > window else TitleState.SERVED)
