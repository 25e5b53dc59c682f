"""The monthly cycle (SCENARIOS.md "The monthly cycle"; PM241 procedures 3, 4 and 5).

Like a close-of-business run, the cycle is an ordered list of named business steps applied
to every open, non-suspended claim of an organism, shard by shard:

1. ``surcharges`` — CNSS late-payment surcharges on unpaid contributions (dahir 1-72-184
   art. 26 as amended; ``cnss.surcharge_first`` and ``cnss.surcharge_monthly``);
2. ``promises`` — promises to pay that fell due are found kept or broken;
3. ``defaults`` — the default count of each claim and its one step of the month
   (``recouvre.domain.defaults.decide_step``): reminders, phone-call tasks, the formal
   notice, the move to the contentious phase with a review task.

Letters are decided per debtor: one letter of a type per debtor and cycle, covering all its
claims at that step. PDFs are not rendered here (``recouvre letters print`` does it in
batches), so the cycle's time does not depend on them.

Shards, idempotence and restart: the run cuts the organism's debtor ids into fixed shards
(recorded on ``cycle_runs`` when it starts, so that a resumed run cuts the same ones); a
debtor's letters are decided with all its claims. Each shard is decided from a read of its
claims, then written in ONE transaction that also records the shard as done
(``cycle_shards``); only the claims whose state changes are updated, each guarded by the state
it was decided from (a claim changed meanwhile by someone else makes the shard decide again).
A run killed at any point (kill -9) and started again processes exactly the shards without a
row and ends with the ledger, letters, tasks and states of an uninterrupted run; a second run
of a finished month changes nothing. Shards touch disjoint debtors, so they run on several
processes at once (``workers``, ``service.batch``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from recouvre.domain.defaults import (
    DefaultState,
    StepDecision,
    add_months,
    decide_step,
    defaults_of_full_payment,
    defaults_of_plan,
    surcharge_rate_months,
)
from recouvre.domain.ledger import MovementKind
from recouvre.domain.model import Benefit, Organism, Phase
from recouvre.domain.money import percent_of
from recouvre.domain.thresholds import recovery_minimums, under_minimum
from recouvre.policy import Policy
from recouvre.service import prescription, queues
from recouvre.service.batch import run_units, writing
from recouvre.service.context import Services
from recouvre.service.plans import plan_rows_for
from recouvre.storage import repository
from recouvre.storage.repository import LetterDraft, TaskDraft
from recouvre.storage.tables import (
    ClaimEventRow,
    ClaimRow,
    ClaimStateRow,
    CycleRunRow,
    CycleShardRow,
    DebtorRow,
    MovementRow,
)

SHARD_DEBTORS = 5_000
RECENT_WITHHOLDING_DAYS = 31
INJUNCTION_BENEFITS = frozenset({Benefit.ALS.value, Benefit.LOAN.value})
"""Claims that go to a payment injunction rather than a contrainte (RULES.md R-CONTR-1)."""
MONEY_RECEIVED = frozenset({MovementKind.PAYMENT.value, MovementKind.WITHHOLDING.value})
CONTRIBUTION = Benefit.CONTRIB.value
SURCHARGE = MovementKind.SURCHARGE.value
CONTENTIOUS = Phase.CONTENTIOUS.value


def parse_month(month: str) -> date:
    try:
        year, number = (int(part) for part in month.split("-"))
        return date(year, number, 1)
    except ValueError:
        raise ValueError(f"month={month!r}: expected YYYY-MM") from None


@dataclass
class CycleSummary:
    organism: str
    month: str
    run_on: date
    claims: int = 0
    in_default: int = 0
    cured: int = 0
    contentious: int = 0
    surcharges: int = 0
    surcharge_cents: int = 0
    letters: Counter[str] = field(default_factory=Counter)
    tasks: Counter[str] = field(default_factory=Counter)
    already_done: bool = False
    shards: int = 0

    def as_data(self) -> dict[str, object]:
        return {
            "claims": self.claims,
            "in_default": self.in_default,
            "cured": self.cured,
            "contentious": self.contentious,
            "surcharges": self.surcharges,
            "surcharge_cents": self.surcharge_cents,
            "letters": dict(self.letters),
            "tasks": dict(self.tasks),
        }


@dataclass(frozen=True)
class CycleRules:
    """The parameters of the cycle, read once at the cycle date."""

    steps: tuple[Any, ...]
    formal_notice_months: int
    repeat_window_months: int
    start_delay_days: int
    surcharge_first: Decimal
    surcharge_monthly: Decimal
    minimums: dict[str, int]

    @classmethod
    def at(cls, policy: Policy, on: date) -> CycleRules:
        def get(key: str, default: Any) -> Any:
            return policy.get(key, on) if key in policy else default

        return cls(
            steps=tuple(policy.default_steps(on)),
            formal_notice_months=int(get("default.formal_notice_months", 1)),
            repeat_window_months=int(get("default.repeat_window_months", 12)),
            start_delay_days=int(get("recovery.start_delay_days", 0)),
            surcharge_first=Decimal(get("cnss.surcharge_first", 0)),
            surcharge_monthly=Decimal(get("cnss.surcharge_monthly", 0)),
            minimums=dict(recovery_minimums(policy, on)),
        )


def run_cycle(
    services: Services,
    organism_code: str,
    month: str,
    on: date,
    *,
    shard_debtors: int = SHARD_DEBTORS,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CycleSummary:
    """Run (or resume) the cycle of ``month`` for an organism, dated ``on``, on ``workers`` processes."""
    parse_month(month)
    if shard_debtors < 1:
        raise ValueError(f"shard_debtors={shard_debtors!r}: at least one debtor per shard")
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        run = session.scalar(
            select(CycleRunRow).where(CycleRunRow.organism_id == organism_id, CycleRunRow.month == month)
        )
        if run is not None and run.status == "done":
            done = _summary_from_db(session, organism_code, run.id, month, run.run_on)
            done.already_done = True
            return done
        if run is None or run.shard_debtors is None:
            low, high = session.execute(
                select(func.min(ClaimRow.debtor_id), func.max(ClaimRow.debtor_id)).where(
                    ClaimRow.organism_id == organism_id
                )
            ).one()
            if run is None:
                run = CycleRunRow(organism_id=organism_id, month=month, run_on=on, status="running")
                session.add(run)
            run.first_debtor, run.last_debtor, run.shard_debtors = low, high, shard_debtors
            session.flush()
        on = run.run_on  # a resumed run keeps the date it started with
        finished = set(
            session.scalars(select(CycleShardRow.first_debtor).where(CycleShardRow.cycle_run_id == run.id))
        )
        first, last, size = run.first_debtor, run.last_debtor, run.shard_debtors or shard_debtors
        job = _ShardJob(organism_code, organism_id, run.id, month, on, size)
    shards = [] if first is None or last is None else list(range(first, last + 1, size))
    todo = [start for start in shards if start not in finished]
    for done_count, _ in enumerate(run_units(services, _run_shard, job, todo, workers=workers), start=1):
        if progress is not None:
            progress(len(shards) - len(todo) + done_count, len(shards))
    with services.db.unit_of_work() as session:
        queues.close_tasks_of_claims(services, session, organism_code, on)  # tasks follow their claim
        summary = _summary_from_db(session, organism_code, job.run_id, month, on)
        summary.shards = len(shards)
        session.execute(
            update(CycleRunRow)
            .where(CycleRunRow.id == job.run_id)
            .values(status="done", summary=summary.as_data())
        )
    return summary


def _summary_from_db(session: Session, code: str, run_id: int, month: str, on: date) -> CycleSummary:
    """What the cycle of ``month`` did: the sum of what its shards wrote (exact after a restart)."""
    summary = CycleSummary(code, month, on)
    for claims, counts in session.execute(
        select(CycleShardRow.claims, CycleShardRow.counts).where(CycleShardRow.cycle_run_id == run_id)
    ):
        summary.claims += claims
        summary.in_default += int(counts.get("in_default", 0))
        summary.cured += int(counts.get("cured", 0))
        summary.contentious += int(counts.get("contentious", 0))
        summary.surcharges += int(counts.get("surcharges", 0))
        summary.surcharge_cents += int(counts.get("surcharge_cents", 0))
        summary.letters.update(counts.get("letters", {}))
        summary.tasks.update(counts.get("tasks", {}))
    return summary


@dataclass(frozen=True)
class _ShardJob:
    """What every shard of a run shares (picklable: it goes to the worker processes)."""

    organism_code: str
    organism_id: int
    run_id: int
    month: str
    on: date
    shard_debtors: int


class _StaleShard(Exception):
    """A claim of the shard changed between the read and the write: decide the shard again."""


STALE_RETRIES = 5


def _run_shard(services: Services, job: _ShardJob, start: int) -> int:
    """Decide one shard from a read of its claims, then write it in one transaction; return the
    number of claims processed (0 when the shard was already done)."""
    for _ in range(STALE_RETRIES):
        with services.db.unit_of_work() as session:
            _, organism = services.organism(session, job.organism_code)
            policy = services.policy(organism)
            plan = _decide_shard(session, services, organism, policy, job, start, start + job.shard_debtors)
            _prepare_writes(session, plan)
        try:
            with writing(services), services.db.unit_of_work() as session:
                return _write_shard(session, job, start, plan)
        except _StaleShard:
            continue
    raise RuntimeError(
        f"cycle {job.month} of {job.organism_code}: the claims of the shard starting at debtor {start} "
        f"kept changing during the run ({STALE_RETRIES} attempts); run the cycle again"
    )


@dataclass(slots=True)
class _Claim:
    id: int
    ref: str
    debtor_id: int
    debtor_ref: str
    benefit: str
    notified_on: date | None
    principal: int
    state: DefaultState
    suspended_reason: str | None
    suspended_until: date | None
    responsibility: str
    detected_on: date | str
    youngest_line: date | str | None
    """As read (raw): only ``prescription.prescribed_among`` reads them."""
    total: int = 0
    next_sequence: int = 1
    surcharged: int = 0
    last_withholding: date | None = None


_PHASES = {phase.value: phase for phase in Phase}


def _load_claims(session: Session, organism_id: int, on: date, low: int, high: int) -> dict[int, _Claim]:
    """The shard's claims established by ``on``, with their state and ledger aggregates (two
    grouped Core statements over the shard's debtor range)."""
    in_shard = (
        ClaimRow.organism_id == organism_id,
        ClaimRow.debtor_id >= low,
        ClaimRow.debtor_id < high,
        ClaimRow.established_on <= on,
    )
    query = (
        select(
            ClaimRow.id,
            ClaimRow.ref,
            ClaimRow.debtor_id,
            DebtorRow.ref,
            ClaimRow.benefit,
            ClaimRow.notified_on,
            ClaimRow.principal_cents,
            ClaimStateRow.phase,
            ClaimStateRow.step,
            ClaimStateRow.step_on,
            ClaimStateRow.step_offset,
            ClaimStateRow.episode_since,
            ClaimStateRow.notice_deadline,
            ClaimStateRow.last_cured_on,
            ClaimStateRow.suspended_reason,
            ClaimStateRow.suspended_until,
            ClaimRow.responsibility,
            ClaimRow.detected_on,
            prescription.YOUNGEST_LINE,
        )
        .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
        .join(ClaimStateRow, ClaimStateRow.claim_id == ClaimRow.id)
        .where(*in_shard)
    )
    claims: dict[int, _Claim] = {}
    states: dict[tuple[Any, ...], DefaultState] = {}
    as_date = repository.as_date
    for (
        ident,
        ref,
        debtor_id,
        debtor_ref,
        benefit,
        notified_on,
        principal,
        phase,
        step,
        step_on,
        offset,
        episode_since,
        notice_deadline,
        last_cured_on,
        suspended_reason,
        suspended_until,
        responsibility,
        detected_on,
        youngest_line,
    ) in repository.raw_rows(session, query):
        raw_state = (phase, step, step_on, offset, episode_since, notice_deadline, last_cured_on)
        state = states.get(raw_state)
        if state is None:  # claims in the same state share one object (memos find it at once)
            state = states[raw_state] = DefaultState(
                phase=_PHASES[phase],
                step=step,
                step_on=as_date(step_on),
                step_offset=offset,
                episode_since=as_date(episode_since),
                notice_deadline=as_date(notice_deadline),
                last_cured_on=as_date(last_cured_on),
            )
        claims[ident] = _Claim(
            ident,
            ref,
            debtor_id,
            debtor_ref,
            benefit,
            as_date(notified_on),
            principal,
            state,
            suspended_reason,
            as_date(suspended_until),
            responsibility,
            detected_on,
            youngest_line,
        )
    if not claims:
        return claims
    aggregates = (
        select(
            MovementRow.claim_id,
            func.sum(MovementRow.signed_cents).filter(MovementRow.booked_on <= on),
            func.max(MovementRow.sequence),
            func.sum(MovementRow.amount_cents).filter(
                MovementRow.kind == MovementKind.SURCHARGE.value, MovementRow.booked_on <= on
            ),
            func.max(MovementRow.booked_on).filter(
                MovementRow.kind == MovementKind.WITHHOLDING.value, MovementRow.booked_on <= on
            ),
        )
        .join(ClaimRow, ClaimRow.id == MovementRow.claim_id)
        .where(*in_shard)
        .group_by(MovementRow.claim_id)
    )
    for claim_id, total, sequence, surcharged, last_withholding in repository.raw_rows(session, aggregates):
        claim = claims.get(claim_id)
        if claim is not None:
            claim.total = int(total or 0)
            claim.next_sequence = int(sequence or 0) + 1
            claim.surcharged = int(surcharged or 0)
            claim.last_withholding = as_date(last_withholding)
    return claims


def _credits_since(session: Session, starts: dict[int, date], on: date) -> dict[int, int]:
    """Money received (payments and withholdings, net of their reversals) on each claim from its start."""
    target = aliased(MovementRow)
    credits: dict[int, int] = defaultdict(int)
    for part in repository.chunks(sorted(starts)):
        query = (
            select(MovementRow.claim_id, MovementRow.booked_on, MovementRow.signed_cents)
            .outerjoin(target, target.key == MovementRow.reverses_key)
            .where(
                repository.one_of(session, MovementRow.claim_id, part),
                MovementRow.booked_on <= on,
                or_(MovementRow.kind.in_(MONEY_RECEIVED), target.kind.in_(MONEY_RECEIVED)),
            )
        )
        for claim_id, booked_on, signed in session.execute(query):
            if booked_on >= starts[claim_id]:
                credits[claim_id] -= signed
    return credits


def _events(session: Session, claim_ids: list[int], kinds: tuple[str, ...], on: date) -> list[ClaimEventRow]:
    found: list[ClaimEventRow] = []
    for part in repository.chunks(sorted(claim_ids)):
        query = (
            select(ClaimEventRow)
            .where(
                repository.one_of(session, ClaimEventRow.claim_id, part),
                ClaimEventRow.kind.in_(kinds),
                ClaimEventRow.occurred_on <= on,
            )
            .order_by(ClaimEventRow.occurred_on, ClaimEventRow.id)
        )
        found.extend(session.scalars(query))
    return found


@dataclass
class _ShardPlan:
    """What the cycle decided for one shard: the rows to write, and how many claims it read."""

    claims: int
    movements: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    letters: list[LetterDraft] = field(default_factory=list)
    tasks: list[TaskDraft] = field(default_factory=list)
    states: dict[tuple[int, int], tuple[DefaultState, DefaultState, list[int]]] = field(default_factory=dict)
    """The claims whose state changes, by (state decided from, new state), keyed by the states'
    identities (claims in the same state share one object, and so do their decisions)."""
    changed: int = 0
    counts: dict[str, Any] = field(default_factory=dict)
    """What the writes will record, for the run's summary (``cycle_shards.counts``)."""
    writes: list[repository.Prepared] = field(default_factory=list)
    """The statements that write all of the above, prepared before the write lock is taken."""
    state_update: repository.Prepared | None = None


def _decide_shard(
    session: Session,
    services: Services,
    organism: Organism,
    policy: Policy,
    job: _ShardJob,
    low: int,
    high: int,
) -> _ShardPlan:
    on, month, code = job.on, job.month, organism.code
    claims = _load_claims(session, job.organism_id, on, low, high)
    plan = _ShardPlan(claims=len(claims))
    if not claims:
        return plan
    rules = CycleRules.at(policy, on)
    # Prescribed claims are not recovered any more: no step, no surcharge.
    barred = prescription.prescribed_among(
        session,
        [
            (claim.id, claim.responsibility, claim.detected_on, claim.total, claim.youngest_line)
            for claim in claims.values()
        ],
        on,
        policy,
    )
    plans = plan_rows_for(session, list(claims), on)
    contribution_due: dict[int, date] = {}
    promises: dict[int, list[ClaimEventRow]] = defaultdict(list)
    settled_promises: set[str] = set()
    for event in _events(session, list(claims), ("contribution_due", "promise", "promise_outcome"), on):
        if event.kind == "contribution_due":
            contribution_due[event.claim_id] = date.fromisoformat(str(event.data["due_on"]))
        elif event.kind == "promise":
            promises[event.claim_id].append(event)
        else:
            settled_promises.add(str(event.data["promise"]))
    starts = {claim_id: plan_row.agreed_on for claim_id, plan_row in plans.items()}
    credits = _credits_since(session, starts, on) if starts else {}
    promise_credits = (
        _credits_since(session, {cid: items[-1].occurred_on for cid, items in promises.items()}, on)
        if promises
        else {}
    )

    letters: dict[tuple[int, str], list[_Claim]] = defaultdict(list)
    recorded_at = services.clock()
    recent_withholding = on - timedelta(days=RECENT_WITHHOLDING_DAYS)
    # decide_step is pure and most claims share a state (one object per shard, see _load_claims)
    # and a default count: decided once each.
    decided: dict[tuple[int, int], StepDecision] = {}
    step_datas: dict[tuple[str, int], dict[str, object]] = {}

    for claim in claims.values():
        balance = max(claim.total, 0)
        state = claim.state
        suspended = claim.suspended_reason is not None and (
            claim.suspended_until is None or claim.suspended_until >= on
        )
        if (
            suspended
            or under_minimum(rules.minimums, claim.benefit, claim.principal)
            or claim.notified_on is None
            or claim.id in barred
        ):
            continue
        # Step 1: surcharges on unpaid contributions.
        due_on = contribution_due.get(claim.id)
        if claim.benefit == CONTRIBUTION and due_on is not None and balance > 0:
            months = surcharge_rate_months(due_on, on)
            if months > 0:
                rate = rules.surcharge_first + rules.surcharge_monthly * (months - 1)
                owed = percent_of(claim.principal, rate) - claim.surcharged
                if owed > 0:
                    plan.movements.append(
                        {
                            "key": f"{code}:{claim.ref}:surcharge:{month}",
                            "claim_id": claim.id,
                            "sequence": claim.next_sequence,
                            "kind": SURCHARGE,
                            "amount_cents": owed,
                            "signed_cents": owed,
                            "booked_on": on,
                            "reverses_key": None,
                            "channel": None,
                            "note": f"majoration {rate} % ({months} mois de retard)",
                            "recorded_at": recorded_at,
                        }
                    )
                    claim.next_sequence += 1
                    claim.total += owed
                    balance += owed
        # Step 2: promises that fell due.
        pending_promise = False
        for promise in promises.get(claim.id, []):
            promised_on = date.fromisoformat(str(promise.data["due_on"]))
            if promise.key in settled_promises:
                continue
            if promised_on >= on:
                pending_promise = True
                continue
            kept = promise_credits.get(claim.id, 0) >= int(str(promise.data["amount"]))
            plan.events.append(
                _event(
                    f"{promise.key}:outcome",
                    claim.id,
                    on,
                    "promise_outcome",
                    {"promise": promise.key, "kept": kept, "cycle": month},
                )
            )
        # Step 3: defaults and their one step of the month.
        if balance <= 0 and state.episode_since is None:
            continue
        plan_row = plans.get(claim.id)
        if balance <= 0:
            defaults = 0
        elif plan_row is not None:
            defaults = defaults_of_plan(
                plan_row.first_due, plan_row.monthly_cents, plan_row.total_cents, credits.get(claim.id, 0), on
            )
        elif claim.last_withholding is not None and claim.last_withholding > recent_withholding:
            defaults = 0
        else:
            full_due = due_on or claim.notified_on + timedelta(days=rules.start_delay_days)
            defaults = defaults_of_full_payment(full_due, on, balance)
        if pending_promise and defaults > 0:
            continue
        decision = decided.get((id(state), defaults))
        if decision is None:
            decision = decide_step(
                state,
                defaults,
                on,
                rules.steps,
                formal_notice_months=rules.formal_notice_months,
                repeat_window_months=rules.repeat_window_months,
            )
            decided[(id(state), defaults)] = decision
        if decision.state is not state and decision.state != state:
            plan.states.setdefault((id(state), id(decision.state)), (state, decision.state, []))[2].append(
                claim.id
            )
            plan.changed += 1
        if decision.cured:
            plan.events.append(
                _event(f"{code}:{claim.ref}:cycle:{month}:cured", claim.id, on, "cured", {"cycle": month})
            )
        if decision.letter is not None:
            letters[(claim.debtor_id, decision.letter)].append(claim)
            step_data = step_datas.get((decision.letter, defaults))
            if step_data is None:  # shared by the claims at the same step: encoded once
                step_data = step_datas[(decision.letter, defaults)] = {
                    "step": decision.letter,
                    "defaults": defaults,
                    "cycle": month,
                }
            plan.events.append(
                _event(f"{code}:{claim.ref}:cycle:{month}:step", claim.id, on, "default_step", step_data)
            )
        if decision.contentious:
            title = "payment_injunction" if claim.benefit in INJUNCTION_BENEFITS else "contrainte"
            plan.events.append(
                _event(
                    f"{code}:{claim.ref}:cycle:{month}:phase",
                    claim.id,
                    on,
                    "phase",
                    {"phase": CONTENTIOUS, "cycle": month, "title": title},
                )
            )
        if decision.task is not None:
            data: dict[str, object] = {"cycle": month, "defaults": defaults}
            if decision.task == "review":
                data["title"] = "payment_injunction" if claim.benefit in INJUNCTION_BENEFITS else "contrainte"
            plan.tasks.append(
                TaskDraft(
                    key=f"{code}:{claim.ref}:{decision.task}:cycle:{month}",
                    organism_id=job.organism_id,
                    debtor_id=claim.debtor_id,
                    claim_id=claim.id,
                    type=decision.task,
                    created_on=on,
                    due_on=on + timedelta(days=10),
                    data=data,
                )
            )
    plan.letters = [
        LetterDraft(
            f"{code}:{covered[0].debtor_ref}:{letter_type}:{month}",
            job.organism_id,
            debtor_id,
            letter_type,
            on,
            tuple([claim.id for claim in covered]),
            month,
            _letter_data(letter_type, covered, on, rules),
        )
        for (debtor_id, letter_type), covered in letters.items()
    ]
    return plan


_STATE_COLUMNS = (
    "phase",
    "step",
    "step_on",
    "step_offset",
    "episode_since",
    "notice_deadline",
    "last_cured_on",
)


def _state_values(state: DefaultState) -> tuple[Any, ...]:
    return (
        state.phase._value_,  # the documented raw value: ``.value`` is a slow descriptor in a hot loop
        state.step,
        state.step_on,
        state.step_offset,
        state.episode_since,
        state.notice_deadline,
        state.last_cured_on,
    )


def _prepare_writes(session: Session, plan: _ShardPlan) -> None:
    """Turn the shard's decisions into driver-ready statements (still outside the write lock)."""
    letters, links = repository.prepared_letters(session, plan.letters)
    tasks = repository.prepared_tasks(session, plan.tasks)
    plan.writes = [
        repository.prepared_insert_dicts(session, MovementRow, plan.movements),
        letters,
        links,
        tasks,
        repository.prepared_insert(session, ClaimEventRow, _EVENT_COLUMNS, plan.events),
    ]
    kinds = Counter(event[3] for event in plan.events)
    new_letters = {key for key, *_ in letters.rows}
    new_tasks = {key for key, *_ in tasks.rows}
    plan.counts = {
        "in_default": kinds["default_step"],
        "cured": kinds["cured"],
        "contentious": kinds["phase"],
        "surcharges": len(plan.movements),
        "surcharge_cents": sum(int(movement["amount_cents"]) for movement in plan.movements),
        "letters": dict(Counter(draft.type for draft in plan.letters if draft.key in new_letters)),
        "tasks": dict(Counter(draft.type for draft in plan.tasks if draft.key in new_tasks)),
    }
    plan.state_update = repository.prepared_guarded_update(
        session,
        ClaimStateRow,
        "claim_id",
        _STATE_COLUMNS,
        [(_state_values(new), _state_values(old), claims) for old, new, claims in plan.states.values()],
    )


def _write_shard(session: Session, job: _ShardJob, start: int, plan: _ShardPlan) -> int:
    """Write what was prepared for a shard, and the shard as done, in the caller's transaction.

    The shard's row goes first: it takes the write lock at once, and a shard already done (by
    an earlier run, or by another process) is left alone. Raises ``_StaleShard`` when a claim's
    state is no longer the one it was decided from.
    """
    shard = {"cycle_run_id": job.run_id, "first_debtor": start, "claims": plan.claims, "counts": plan.counts}
    if not repository.insert_unless_present(session, CycleShardRow, shard):
        return 0
    for statement in plan.writes:
        statement.run(session)
    if plan.state_update is not None and plan.state_update.run(session) != plan.changed:
        raise _StaleShard(start)
    session.execute(
        update(CycleRunRow)
        .where(CycleRunRow.id == job.run_id)
        .values(shards_done=CycleRunRow.shards_done + 1)
    )
    return plan.claims


_EVENT_COLUMNS = ("key", "claim_id", "occurred_on", "kind", "data")


def _event(key: str, claim_id: int, on: date, kind: str, data: dict[str, object]) -> tuple[Any, ...]:
    """A claim event as the values of ``_EVENT_COLUMNS``."""
    return (key, claim_id, on, kind, data)


def _letter_data(letter_type: str, covered: list[_Claim], on: date, rules: CycleRules) -> dict[str, object]:
    data: dict[str, object] = {"claims": [claim.ref for claim in covered]}
    if letter_type == "formal_notice":
        data["deadline"] = add_months(on, rules.formal_notice_months).isoformat()
    elif deadlines := [claim.state.notice_deadline for claim in covered if claim.state.notice_deadline]:
        data["deadline"] = max(deadlines).isoformat()
    return data


__all__ = ["CycleSummary", "parse_month", "run_cycle"]
