"""Defaults of natural and legal persons, reminders and formal notices (PM241 procedures 3-5).

Normative text: SCENARIOS.md "The monthly cycle". Sources: Cnaf network letter 2015-046
§2.1 and §2.3.2 (reminder at M+1, reminder and mandatory phone call at M+2, defaults worked
and not only mailed, shortened path for successive defaults of the same claim); CSS L161-1-5
and R133-3 (formal notice giving one month to pay, then the enforcement title, a
*contrainte*, issued by the director); ALS claims (Cass. 2e civ. 23/09/2021 n° 20-10.532)
and social-action loans go to a payment injunction instead.

Everything here is a pure function of the facts of one claim on the cycle date; ``defaults``
is the cycle's step of that name (``recouvre.domain.cycle``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from recouvre.domain.amnesty import LAPSING_STEPS, PLAN_OPTIONS
from recouvre.domain.cycle import ClaimFacts, CycleRows, CycleRules, CycleRun, TaskOrder
from recouvre.domain.default_steps import COMMANDEMENT, DefaultStep, FinalNotice
from recouvre.domain.ledger import MovementKind
from recouvre.domain.model import Benefit, Phase
from recouvre.domain.money import Cents, percent_of

FORMAL_NOTICE = "formal_notice"
INJUNCTION_BENEFITS = frozenset({Benefit.ALS.value, Benefit.LOAN.value})
"""Claims that go to a payment injunction rather than a contrainte (RULES.md R-CONTR-1; ALS:
Cass. 2e civ. 23/09/2021 n° 20-10.532)."""
CONTRIBUTION = Benefit.CONTRIB.value
CONTENTIOUS = Phase.CONTENTIOUS.value
ENFORCEMENT = Phase.ENFORCEMENT.value
COSTS = MovementKind.COSTS.value
ETAT_DE_PRODUITS = "etat_de_produits"
"""The CNSS's own enforceable title (dahir 1-72-184 art. 28; RULES.md §11.1)."""


@lru_cache(maxsize=65_536)
def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's end (31 Jan + 1 = 28 Feb).

    Cached: a portfolio has a few hundred distinct due dates, the cycle asks millions of times.
    """
    return day + relativedelta(months=months)


def due_dates(first_due: date, on: date) -> int:
    """How many monthly due dates, from ``first_due`` on the same day each month, fall on or before ``on``."""
    if first_due > on:
        return 0
    months = (on.year - first_due.year) * 12 + on.month - first_due.month
    return months + 1 if add_months(first_due, months) <= on else months


def defaults_of_plan(first_due: date, monthly: Cents, total: Cents, credits: Cents, on: date) -> int:
    """k for a claim due by instalments: the due dates on or before ``on`` that the credits
    booked since the plan started do not cover (instalments are covered in order)."""
    due = due_dates(first_due, on)
    if due == 0:
        return 0
    covered = 0
    while covered < due and min((covered + 1) * monthly, total) <= credits:
        covered += 1
        if covered * monthly >= total:
            return 0
    return due - covered


def defaults_of_full_payment(due_on: date, on: date, balance: Cents) -> int:
    """k for a claim due in full: its monthly anniversaries, the due date itself included,
    none of them covered while a balance remains."""
    return due_dates(due_on, on) if balance > 0 else 0


@dataclass(frozen=True)
class DefaultState:
    """Where a claim stands in its defaults; kept between cycles (``claim_state``)."""

    phase: Phase = Phase.AMICABLE
    step: str | None = None
    """The last step reached: in the current episode, or in the previous one once cured."""
    step_on: date | None = None
    step_offset: int = 0
    """Steps skipped by the shortened path in the current episode."""
    episode_since: date | None = None
    notice_deadline: date | None = None
    last_cured_on: date | None = None


@dataclass(frozen=True)
class StepDecision:
    state: DefaultState
    letter: str | None = None
    task: str | None = None
    contentious: bool = False
    cured: bool = False
    reason: str = ""
    commandement: bool = False
    """The CNSS's commandement: ``costs`` on the balance and phase ``enforcement``."""


def _rank(steps: Sequence[DefaultStep], letter: str | None) -> int:
    for index, step in enumerate(steps, start=1):
        if step.letter == letter:
            return index
    return 0


def decide_step(
    state: DefaultState,
    defaults: int,
    on: date,
    steps: Sequence[DefaultStep],
    *,
    formal_notice_months: int,
    repeat_window_months: int,
    notice: FinalNotice | None = None,
    one_step: bool = False,
) -> StepDecision:
    """The one step of this cycle for a claim with ``defaults`` unpaid due dates.

    - k = 0 ends the default episode (the claim is cured); the step reached is kept so that
      a new default within ``repeat_window_months`` takes the shortened path: it continues
      after that step instead of starting again at the first reminder.
    - k ≥ 1 gives the step whose ``defaults`` is the largest not above k (plus the shortened
      path's offset); it is taken only if the episode has not reached it yet: never twice.
    - After the final notice's deadline, a claim still in default takes what follows it in its
      country (``notice``, ``default_steps.FINAL_NOTICES``): in France the contentious phase
      (the review task drafts the enforcement title); at the CNSS the commandement, with its
      costs, and the enforcement phase.
    - ``one_step`` (a claim recalled from an agency, SCENARIOS.md "Agencies"): the steps resume
      where they stopped, one per cycle: the step taken is at most the one after the last reached.
    """
    if notice is None:
        notice = FinalNotice(FORMAL_NOTICE, "review", months=formal_notice_months)
    if state.phase is not Phase.AMICABLE:
        return StepDecision(state, reason="phase")
    ordered = sorted(steps, key=lambda step: step.defaults)
    if defaults <= 0:
        if state.episode_since is None:
            return StepDecision(state)
        cured = replace(state, episode_since=None, notice_deadline=None, last_cured_on=on, step_offset=0)
        return StepDecision(cured, cured=True, reason="cured")
    if state.episode_since is None:
        repeated = (
            state.step is not None
            and state.last_cured_on is not None
            and on <= add_months(state.last_cured_on, repeat_window_months)
        )
        offset = _rank(ordered, state.step) if repeated else 0
        state = replace(
            state, episode_since=on, step_offset=offset, step=None, step_on=None, notice_deadline=None
        )
        reached = 0
    else:
        reached = _rank(ordered, state.step)
    if state.notice_deadline is not None and on > state.notice_deadline:
        if notice.then == COMMANDEMENT:
            forced = replace(state, phase=Phase.ENFORCEMENT, step=COMMANDEMENT, step_on=on)
            return StepDecision(forced, letter=COMMANDEMENT, commandement=True, reason="last notice expired")
        moved = replace(state, phase=Phase.CONTENTIOUS)
        return StepDecision(moved, task="review", contentious=True, reason="formal notice expired")
    target = min(sum(1 for step in ordered if step.defaults <= defaults) + state.step_offset, len(ordered))
    if one_step:
        target = min(target, max(reached, state.step_offset) + 1)
    if target <= reached:
        return StepDecision(state, reason="step already taken")
    step = ordered[target - 1]
    deadline = notice.deadline(on) if step.letter == notice.letter else state.notice_deadline
    reached_state = replace(state, step=step.letter, step_on=on, notice_deadline=deadline)
    return StepDecision(reached_state, letter=step.letter, task=step.task, reason=f"k={defaults}")


def enforcement_title(benefit: str) -> str:
    """The enforcement title a claim in the contentious phase goes to."""
    return "payment_injunction" if benefit in INJUNCTION_BENEFITS else "contrainte"


def default_count(claim: ClaimFacts, rules: CycleRules, on: date, recent_withholding: date) -> int:
    """k, the number of unpaid due dates of a claim on ``on`` (SCENARIOS.md "Due amount", "Default
    count"): by instalments under a plan; none while it is recovered by withholding (a withholding
    booked after ``recent_withholding``); else in full, at its ``contribution_due`` date (CNSS) or
    ``notified_on + recovery.start_delay_days``."""
    balance = claim.total
    if balance <= 0:
        return 0
    plan = claim.plan
    if plan is not None:
        return defaults_of_plan(plan.first_due, plan.monthly, plan.total, claim.plan_credits, on)
    if claim.last_withholding is not None and claim.last_withholding > recent_withholding:
        return 0
    full_due = claim.contribution_due
    if full_due is None:
        assert claim.notified_on is not None  # a claim never notified takes no step (taking_part)
        full_due = claim.notified_on + timedelta(days=rules.start_delay_days)
    return defaults_of_full_payment(full_due, on, balance)


def letter_data(
    letter_type: str, covered: Sequence[ClaimFacts], on: date, rules: CycleRules
) -> dict[str, object]:
    """What a default letter says: the claims it covers and the deadline to pay (the formal
    notice's own, D + ``default.formal_notice_months``; for a later letter, the latest notice
    deadline running)."""
    data: dict[str, object] = {"claims": [claim.ref for claim in covered]}
    notice = rules.notice
    if letter_type == notice.letter:
        data["deadline"] = notice.deadline(on).isoformat()
    elif letter_type == COMMANDEMENT:
        data["costs_rate"] = str(notice.costs_rate)
    elif deadlines := [claim.state.notice_deadline for claim in covered if claim.state.notice_deadline]:
        data["deadline"] = max(deadlines).isoformat()
    return data


def defaults(claims: Mapping[int, ClaimFacts], rules: CycleRules, run: CycleRun) -> CycleRows:
    """The step ``defaults``: the default count of each claim and its one step of the month
    (``decide_step``): state change, ``cured``/``default_step``/``phase`` events, letters (grouped
    per debtor and type), ``phone_call`` and ``review`` tasks due ``default.task_due_days`` later."""
    rows = CycleRows()
    on, month, code = run.on, run.month, run.organism
    recent_withholding = on - timedelta(days=rules.recent_withholding_days)
    task_due = on + timedelta(days=rules.task_due_days)
    letters = rows.letters
    events = rows.events
    states = rows.states
    # decide_step is pure and most claims share a state (one object per shard, see the service's
    # loader) and a default count: decided once each.
    decided: dict[tuple[int, int, bool], StepDecision] = {}
    notice = rules.notice
    step_datas: dict[tuple[str, int], dict[str, object]] = {}
    for claim in claims.values():
        state = claim.state
        if claim.placed:  # the agency does its own reminders: no letter, no task, no phase change
            continue
        if claim.total <= 0 and state.episode_since is None:
            continue
        count = default_count(claim, rules, on, recent_withholding)
        if claim.held and count > 0:
            continue
        decision = decided.get((id(state), count, claim.recalled))
        if decision is None:
            decision = decided[(id(state), count, claim.recalled)] = decide_step(
                state,
                count,
                on,
                rules.default_steps,
                formal_notice_months=rules.formal_notice_months,
                repeat_window_months=rules.repeat_window_months,
                notice=notice,
                one_step=claim.recalled,
            )
        if decision.state is not state and decision.state != state:
            states.setdefault((id(state), id(decision.state)), (state, decision.state, []))[2].append(
                claim.id
            )
            rows.changed += 1
        if decision.cured:
            events.append(
                (f"{code}:{claim.ref}:cycle:{month}:cured", claim.id, on, "cured", {"cycle": month})
            )
        letter = decision.letter
        if letter is not None:
            covered = letters.get((claim.debtor_id, letter))
            if covered is None:
                letters[(claim.debtor_id, letter)] = [claim]
            else:
                covered.append(claim)
            step_data = step_datas.get((letter, count))
            if step_data is None:  # shared by the claims at the same step: encoded once
                step_data = step_datas[(letter, count)] = {"step": letter, "defaults": count, "cycle": month}
            events.append((f"{code}:{claim.ref}:cycle:{month}:step", claim.id, on, "default_step", step_data))
        if decision.contentious:
            title = enforcement_title(claim.benefit)
            events.append(
                (
                    f"{code}:{claim.ref}:cycle:{month}:phase",
                    claim.id,
                    on,
                    "phase",
                    {"phase": CONTENTIOUS, "cycle": month, "title": title},
                )
            )
        if decision.commandement:
            _commandement(rows, claim, notice, run)
        if claim.amnesty in PLAN_OPTIONS and letter in LAPSING_STEPS:
            # The plan's default reached the final notice: the amnesty ends without remission.
            data_lapsed: dict[str, object] = {"cycle": month, "option": claim.amnesty, "step": letter}
            events.append(
                (f"{code}:{claim.ref}:amnesty_lapsed:{month}", claim.id, on, "amnesty_lapsed", data_lapsed)
            )
        if decision.task is not None:
            data: dict[str, object] = {"cycle": month, "defaults": count}
            if decision.task == "review":
                data["title"] = enforcement_title(claim.benefit)
            rows.tasks.append(
                TaskOrder(
                    f"{code}:{claim.ref}:{decision.task}:cycle:{month}",
                    claim.debtor_id,
                    claim.id,
                    decision.task,
                    on,
                    task_due,
                    data,
                )
            )
    return rows


def _commandement(rows: CycleRows, claim: ClaimFacts, notice: FinalNotice, run: CycleRun) -> None:
    """The CNSS's commandement on a claim (SCENARIOS.md "CNSS forced recovery"; cnss.ma « Recouvrement
    forcé », RULES.md §11.2): ``costs`` of ``cnss.commandement_costs`` percent of the balance that
    day — after the surcharge this cycle booked (``run_steps`` added it to ``claim.total``) —
    rounded once; phase ``enforcement`` under the CNSS's own enforceable title, the "état de
    produits" (dahir 1-72-184 art. 28)."""
    prefix = f"{run.organism}:{claim.ref}:cycle:{run.month}"
    costs = percent_of(max(claim.total, 0), notice.costs_rate)
    if costs > 0:
        note = f"frais de commandement {notice.costs_rate} % du solde"
        rows.postings.append((claim.id, f"{prefix}:costs", COSTS, costs, note))
    title = {"phase": ENFORCEMENT, "cycle": run.month, "title": ETAT_DE_PRODUITS, "costs_cents": costs}
    rows.events.append((f"{prefix}:phase", claim.id, run.on, "phase", title))
    rows.letters.setdefault((claim.debtor_id, ETAT_DE_PRODUITS), []).append(claim)
