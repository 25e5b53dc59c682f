"""A large queue's order is kept from one request to the next and mended, not sorted again
(``queues.order_again``): it must always be exactly the order a full sort gives."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from recouvre.service.queues import TaskFacts, order_again

START = date(2026, 1, 1)
task_facts = st.builds(
    lambda ident, claim, days: (ident, claim, START + timedelta(days=days)),
    st.integers(1, 1_000),
    st.one_of(st.none(), st.integers(1, 60)),
    st.integers(0, 90),
)


def _unique(tasks: list[TaskFacts]) -> list[TaskFacts]:
    seen: dict[int, TaskFacts] = {}
    for task in tasks:
        seen.setdefault(task[0], task)
    return list(seen.values())


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(task_facts, min_size=100, max_size=200),
    closed=st.sets(st.integers(1, 1_000), max_size=5),
    created=st.lists(task_facts, max_size=5),
    balances=st.dictionaries(st.integers(1, 60), st.integers(-500, 50_000)),
)
def test_mended_order_is_the_sorted_order(
    before: list[TaskFacts], closed: set[int], created: list[TaskFacts], balances: dict[int, int]
) -> None:
    def key(task: TaskFacts) -> tuple[int, date, int]:
        ident, claim, created_on = task
        return (-max(balances.get(claim or 0, 0), 0), created_on, ident)

    first = _unique(before)
    last = order_again(None, first, key)
    assert last.order == sorted(first, key=key)
    known = {task[0] for task in first}
    now = [task for task in first if task[0] not in closed] + [
        task for task in _unique(created) if task[0] not in known
    ]
    again = order_again(last, now, key)
    assert again.ids == {task[0] for task in now}
    assert again.order == sorted(now, key=key)
    assert order_again(again, list(reversed(now)), key).order == again.order
    assert again.new_among(now) == [] and {task[0] for task in last.new_among(now)} == {
        task[0] for task in now
    } - {task[0] for task in first}
