"""The default count and the step ``defaults`` of the cycle (recouvre.domain.defaults); the
step decision itself is tested in tests/cycle/test_defaults_rules.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from recouvre.domain.cycle import PlanTerms
from recouvre.domain.defaults import DefaultState, default_count, defaults, enforcement_title, letter_data
from recouvre.domain.model import Phase

from .cycle_facts import ON, RULES, RUN, claim

RECENT = date(2026, 10, 1)  # ON - 31 days


def test_default_count_by_due_amount() -> None:
    assert default_count(claim(), RULES, ON, RECENT) == 3  # due on 30 August: 30/08, 30/09, 30/10
    assert default_count(claim(total=0), RULES, ON, RECENT) == 0
    assert default_count(claim(last_withholding=date(2026, 10, 5)), RULES, ON, RECENT) == 0
    assert default_count(claim(last_withholding=RECENT), RULES, ON, RECENT) == 3  # 31 days ago: too old
    assert default_count(claim(contribution_due=date(2026, 10, 15)), RULES, ON, RECENT) == 1
    plan = PlanTerms(first_due=date(2026, 9, 5), monthly=10_000, total=100_000)
    assert default_count(claim(plan=plan, plan_credits=10_000), RULES, ON, RECENT) == 1  # October unpaid


def test_letter_data_gives_the_deadline() -> None:
    noticed = [DefaultState(notice_deadline=day) for day in (None, date(2026, 11, 20), date(2026, 11, 10))]
    covered = [claim(index + 1, state=state) for index, state in enumerate(noticed)]
    assert letter_data("formal_notice", covered[:1], ON, RULES) == {
        "claims": ["C1"],
        "deadline": "2026-12-01",
    }
    assert letter_data("reminder_2", covered, ON, RULES) == {
        "claims": ["C1", "C2", "C3"],
        "deadline": "2026-11-20",
    }
    assert letter_data("reminder_1", covered[:1], ON, RULES) == {"claims": ["C1"]}


def test_enforcement_title() -> None:
    assert (
        enforcement_title("ALS") == "payment_injunction" and enforcement_title("LOAN") == "payment_injunction"
    )
    assert enforcement_title("AF") == "contrainte"


def test_the_step_groups_letters_per_debtor_and_creates_tasks() -> None:
    first, second = claim(1, debtor_id=7), claim(2, debtor_id=7)
    called = claim(3, notified_on=date(2026, 9, 10))  # due 30 September: k = 2
    rows = defaults({1: first, 2: second, 3: called}, RULES, RUN)
    assert list(rows.letters) == [(7, "formal_notice"), (103, "reminder_2")]
    assert rows.letters[(7, "formal_notice")] == [first, second]
    [task] = rows.tasks
    assert (task.key, task.type, task.claim_id, task.due_on) == (
        "ORG:C3:phone_call:cycle:2026-11",
        "phone_call",
        3,
        date(2026, 11, 11),
    )
    assert rows.changed == 3 and len(rows.states) == 2  # two decisions shared by the claims
    assert [event[0] for event in rows.events] == [
        "ORG:C1:cycle:2026-11:step",
        "ORG:C2:cycle:2026-11:step",
        "ORG:C3:cycle:2026-11:step",
    ]


def test_the_step_moves_to_the_contentious_phase_after_the_notice() -> None:
    noticed = DefaultState(
        step="formal_notice",
        step_on=date(2026, 9, 1),
        episode_since=date(2026, 7, 1),
        notice_deadline=date(2026, 10, 1),
    )
    rows = defaults({1: claim(1, state=noticed, benefit="ALS")}, RULES, RUN)
    [(old, new, ids)] = rows.states.values()
    assert old is noticed and new.phase is Phase.CONTENTIOUS and ids == [1]
    assert rows.events[0][3:] == (
        "phase",
        {"phase": "contentious", "cycle": "2026-11", "title": "payment_injunction"},
    )
    assert rows.tasks[0].type == "review" and rows.tasks[0].data["title"] == "payment_injunction"


def test_a_held_claim_in_default_takes_no_step_but_a_cured_one_is_cured() -> None:
    assert defaults({1: claim(1, held=True)}, RULES, RUN).events == []
    episode = DefaultState(step="reminder_1", step_on=date(2026, 10, 1), episode_since=date(2026, 10, 1))
    rows = defaults({1: claim(1, held=True, total=0, state=episode)}, RULES, RUN)
    assert [event[3] for event in rows.events] == ["cured"]
    assert replace(episode, episode_since=None, last_cured_on=ON) == next(iter(rows.states.values()))[1]
