"""The monthly cycle (SCENARIOS.md "The monthly cycle"; PM241 procedures 3, 4 and 5): its I/O.

Like a close-of-business run, the cycle is an ordered list of named business steps applied
to every open, non-suspended claim of an organism, shard by shard. The steps are pure
functions of ``recouvre.domain`` (``recouvre.domain.steps.STEPS``); their list is the policy's
``cycle.steps`` at the cycle's date (national default):

1. ``surcharges`` (``recouvre.domain.surcharges``) — CNSS late-payment surcharges on unpaid
   contributions (dahir 1-72-184 art. 26 as amended; ``cnss.surcharge_first`` and
   ``cnss.surcharge_monthly``);
2. ``promises`` (``recouvre.domain.promises``) — promises to pay that fell due are found kept
   or broken; one not yet due holds the default step;
3. ``defaults`` (``recouvre.domain.defaults``) — the default count of each claim and its one
   step of the month: reminders, phone-call tasks, the formal notice, the move to the
   contentious phase with a review task.

This module reads each shard's facts (``recouvre.domain.cycle.ClaimFacts``), runs the steps in
order (a later step sees the movements of the earlier ones) and writes their rows. The
movements pass the ledger's invariants before anything is written
(``recouvre.domain.ledger.check_postings``, the checks of ``Ledger.post``): a refused one
fails the shard with ``PostingsRefused``.

Letters are decided per debtor: one letter of a type per debtor and cycle, covering all its
claims at that step. PDFs are not rendered here (``recouvre letters print`` does it in
batches), so the cycle's time does not depend on them.

Shards, idempotence and restart: the run cuts the organism's debtor ids into fixed shards
(recorded on ``cycle_runs`` when it starts, so that a resumed run cuts the same ones); a
debtor's letters are decided with all its claims. Each shard is decided from a read of its
claims, then written in ONE transaction that also records the shard as done
(``cycle_shards``); only the claims whose state changes are updated, each guarded by the state
it was decided from (a claim changed meanwhile by someone else makes the shard decide again,
and so does a ledger that grew meanwhile: its next sequence number is taken).
A run killed at any point (kill -9) and started again processes exactly the shards without a
row and ends with the ledger, letters, tasks and states of an uninterrupted run; a second run
of a finished month changes nothing. Shards touch disjoint debtors, so they run on several
processes at once (``workers``, ``service.batch``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from recouvre.domain.cycle import (
    ClaimFacts,
    CycleRules,
    CycleRun,
    PlanTerms,
    Promise,
    Step,
    run_steps,
    taking_part,
)
from recouvre.domain.default_steps import final_notice
from recouvre.domain.defaults import ETAT_DE_PRODUITS, DefaultState, letter_data
from recouvre.domain.ledger import LedgerHead, MovementKind, PostingProblem, PostingsRefused, check_postings
from recouvre.domain.model import Organism, Phase
from recouvre.domain.steps import steps_named
from recouvre.domain.thresholds import recovery_minimums
from recouvre.policy import Policy, PolicyError
from recouvre.service import enforcement, job_queue, placements, prescription, queues
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
    OrganismRow,
)

SHARD_DEBTORS = 5_000
MONEY_RECEIVED = frozenset({MovementKind.PAYMENT.value, MovementKind.WITHHOLDING.value})
SURCHARGE = MovementKind.SURCHARGE.value
STEPS_KEY = "cycle.steps"
START_DELAY_KEY = "recovery.start_delay_days"


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
    enforcement: int = 0
    surcharges: int = 0
    surcharge_cents: int = 0
    letters: Counter[str] = field(default_factory=Counter)
    tasks: Counter[str] = field(default_factory=Counter)
    already_done: bool = False
    shards: int = 0
    detached: bool = False
    """Queued for the workers (``--detach``): nothing counted yet."""
    run_id: int = 0
    queued: int = 0

    def as_data(self) -> dict[str, object]:
        return {
            "claims": self.claims,
            "in_default": self.in_default,
            "cured": self.cured,
            "contentious": self.contentious,
            "enforcement": self.enforcement,
            "surcharges": self.surcharges,
            "surcharge_cents": self.surcharge_cents,
            "letters": dict(self.letters),
            "tasks": dict(self.tasks),
        }


def cycle_rules(policy: Policy, on: date) -> tuple[CycleRules, tuple[Step, ...]]:
    """The parameters of the cycle in force on ``on``, and its steps in order (``cycle.steps``;
    a list the domain refuses raises ``PolicyError`` naming the file, the key and the value)."""
    version = policy.version(STEPS_KEY, on)
    names = tuple(version.value)
    try:
        steps = steps_named(names)
    except ValueError as error:
        raise PolicyError(version.origin, STEPS_KEY, version.raw, str(error)) from None
    rules = CycleRules(
        steps=names,
        default_steps=tuple(policy.default_steps(on)),
        formal_notice_months=policy.whole("default.formal_notice_months", on),
        repeat_window_months=policy.whole("default.repeat_window_months", on),
        # No start delay in a country without one (the CNSS's contributions are due at their date).
        start_delay_days=policy.whole(START_DELAY_KEY, on) if START_DELAY_KEY in policy else 0,
        recent_withholding_days=policy.whole("default.recent_withholding_days", on),
        task_due_days=policy.whole("default.task_due_days", on),
        surcharge_first=policy.percent("cnss.surcharge_first", on),
        surcharge_monthly=policy.percent("cnss.surcharge_monthly", on),
        minimums=dict(recovery_minimums(policy, on)),
        final_notice=final_notice(
            policy.country,
            formal_notice_months=policy.whole("default.formal_notice_months", on),
            last_notice_days=policy.whole("cnss.last_notice_days", on),
            commandement_costs=policy.percent("cnss.commandement_costs", on),
        ),
    )
    return rules, steps


def run_cycle(
    services: Services,
    organism_code: str,
    month: str,
    on: date,
    *,
    shard_debtors: int = SHARD_DEBTORS,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    jobs: bool | None = False,
    detach: bool = False,
) -> CycleSummary:
    """Run (or resume) the cycle of ``month`` for an organism, dated ``on``, on ``workers`` processes
    or (``jobs``, PostgreSQL) as jobs of the job queue run by ``recouvre worker`` processes.

    ``jobs``: ``True`` uses the queue (``job_queue.NoWorker`` when no worker takes the jobs),
    ``None`` uses it when a worker is alive, else runs here; ``False`` (default) runs here.
    ``detach`` (with the queue): return once the shards are queued, the summary marked
    ``detached``; the worker that does the last shard ends the run.
    """
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
    if todo and job_queue.use_jobs(services, jobs):
        summary = _run_as_jobs(services, job, todo, len(shards), progress, jobs is True, detach)
        if summary is not None:
            return summary
    else:
        for done_count, _ in enumerate(run_units(services, _run_shard, job, todo, workers=workers), start=1):
            if progress is not None:
                progress(len(shards) - len(todo) + done_count, len(shards))
    return _finish(services, job, len(shards))


def _finish(services: Services, job: _ShardJob, shards: int) -> CycleSummary:
    """End the run once its shards are done: close the tasks of the claims that ended, record
    the summary, mark the run done. Idempotent: the run's row is locked (PostgreSQL), and a run
    already done is only read (the waiting command and the worker of the last shard may both
    come here)."""
    with services.db.unit_of_work() as session:
        status = session.scalar(
            select(CycleRunRow.status).where(CycleRunRow.id == job.run_id).with_for_update()
        )
        if status != "done":  # tasks follow their claim
            queues.close_tasks_of_claims(services, session, job.organism_code, job.on)
        summary = _summary_from_db(session, job.organism_code, job.run_id, job.month, job.on)
        summary.shards = shards
        if status != "done":
            session.execute(
                update(CycleRunRow)
                .where(CycleRunRow.id == job.run_id)
                .values(status="done", summary=summary.as_data())
            )
    return summary


def _run_as_jobs(
    services: Services,
    job: _ShardJob,
    todo: list[int],
    shards: int,
    progress: Callable[[int, int], None] | None,
    forced: bool,
    detach: bool,
) -> CycleSummary | None:
    """Queue the shards not done (those already queued or running are not queued again) and
    wait for them (``None``: the caller ends the run), or return at once with ``detach``."""
    wanted = set(todo)  # a job still queued for a shard done meanwhile does nothing: not waited for
    pending = {
        ident: args
        for ident, args in job_queue.pending_jobs(services, job_queue.CYCLE_SHARD, run_id=job.run_id).items()
        if int(args["start"]) in wanted
    }
    queued = {int(args["start"]) for args in pending.values()}
    waiting = job_queue.enqueue(
        services,
        job_queue.CYCLE_SHARD,
        ({"run_id": job.run_id, "start": start} for start in todo if start not in queued),
    )
    waiting.jobs.update(pending)
    if detach:
        summary = CycleSummary(job.organism_code, job.month, job.on, shards=shards)
        summary.detached, summary.run_id, summary.queued = True, job.run_id, len(waiting.jobs)
        return summary
    before = shards - len(todo)
    if progress is not None:
        progress(before, shards)
    job_queue.wait_for(
        services,
        waiting,
        lambda args: _run_shard(services, job, int(args["start"])),
        progress=None if progress is None else lambda done: progress(before + done, shards),
        fallback=not forced,
    )
    return None


@dataclass(frozen=True)
class CycleProgress:
    """Where a cycle run is: its shards done out of all, and its jobs in the queue by state."""

    run_id: int
    status: str
    run_on: date
    shards_done: int
    shards: int
    jobs: dict[str, int]
    workers: int


def cycle_progress(services: Services, organism_code: str, month: str) -> CycleProgress | None:
    """The cycle run of ``month`` for an organism (``None``: not started)."""
    parse_month(month)
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        run = session.scalar(
            select(CycleRunRow).where(CycleRunRow.organism_id == organism_id, CycleRunRow.month == month)
        )
        if run is None:
            return None
        done = session.scalar(
            select(func.count()).select_from(CycleShardRow).where(CycleShardRow.cycle_run_id == run.id)
        )
        first, last, size = run.first_debtor, run.last_debtor, run.shard_debtors
        shards = 0 if first is None or last is None or not size else len(range(first, last + 1, size))
        run_id, status, run_on = run.id, run.status, run.run_on
    queued = job_queue.supported(services)
    return CycleProgress(
        run_id,
        status,
        run_on,
        int(done or 0),
        shards,
        job_queue.job_counts(services, job_queue.CYCLE_SHARD, run_id=run_id) if queued else {},
        job_queue.live_workers(services) if queued else 0,
    )


def run_shard_job(services: Services, run_id: int, start: int) -> int:
    """A shard run by a ``recouvre worker`` (job ``recouvre.cycle_shard``): the run's facts are
    read from ``cycle_runs``; the worker that does the last shard ends the run."""
    with services.db.unit_of_work() as session:
        run = session.get(CycleRunRow, run_id)
        if run is None or run.shard_debtors is None:
            raise ValueError(f"cycle run {run_id}: unknown, or not cut into shards")
        if run.status == "done":
            return 0
        organism_code = session.scalar(select(OrganismRow.code).where(OrganismRow.id == run.organism_id))
        job = _ShardJob(str(organism_code), run.organism_id, run.id, run.month, run.run_on, run.shard_debtors)
        first, last = run.first_debtor, run.last_debtor
    claims = _run_shard(services, job, start)
    shards = 0 if first is None or last is None else len(range(first, last + 1, job.shard_debtors))
    with services.db.unit_of_work() as session:
        done = session.scalar(
            select(func.count()).select_from(CycleShardRow).where(CycleShardRow.cycle_run_id == run_id)
        )
    if done == shards:
        _finish(services, job, shards)
    return claims


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
        summary.enforcement += int(counts.get("enforcement", 0))
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
            plan = _decide_shard(session, organism, policy, job, start, start + job.shard_debtors)
            _prepare_writes(session, plan, services.clock(), f"cycle {job.month} of {job.organism_code}")
        try:
            with writing(services), services.db.unit_of_work() as session:
                return _write_shard(services, session, job, start, plan)
        except _StaleShard:
            continue
        except Exception as error:
            if not plan.movement_keys or not repository.is_integrity_error(error):
                raise
            with services.db.unit_of_work() as session:
                booked = repository.existing_keys(session, MovementRow.key, plan.movement_keys)
            if booked:  # a key of the shard is booked already: the ledger refuses it twice
                raise PostingsRefused(
                    f"cycle {job.month} de {job.organism_code}, tranche à partir du débiteur {start}",
                    [
                        PostingProblem(index, row[1], row[0], "movement.key", row[0], "déjà enregistré")
                        for index, row in enumerate(plan.movements)
                        if row[0] in booked
                    ],
                ) from None
            if "sequence" not in str(error):
                raise
            continue  # a ledger grew since the read (its next sequence is taken): decide again
    raise RuntimeError(
        f"cycle {job.month} of {job.organism_code}: the claims of the shard starting at debtor {start} "
        f"kept changing during the run ({STALE_RETRIES} attempts); run the cycle again"
    )


_PHASES = {phase.value: phase for phase in Phase}


def _load_claims(
    session: Session, organism_id: int, on: date, low: int, high: int
) -> tuple[dict[int, ClaimFacts], list[tuple[int, str, date | str, int, date | str | None]]]:
    """The shard's claims established by ``on``, with their state and ledger aggregates (two
    grouped Core statements over the shard's debtor range), and the facts the prescription
    needs (as read: only ``prescription.prescribed_among`` reads them)."""
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
        # The shard's range on the debtors too: PostgreSQL does not carry it over the join and
        # read the whole of ``debtors`` to hash it (ADR 0008); with it, it reads the range.
        .where(*in_shard, DebtorRow.id >= low, DebtorRow.id < high)
        # Claims in id order whatever the engine's plan: the letters list their claims in this
        # order (PostgreSQL's hash joins gave another order from one run to the next).
        .order_by(ClaimRow.id)
    )
    claims: dict[int, ClaimFacts] = {}
    states: dict[tuple[Any, ...], DefaultState] = {}
    youngest: list[tuple[int, str, date | str, date | str | None]] = []
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
        claims[ident] = ClaimFacts(
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
        )
        youngest.append((ident, responsibility, detected_on, youngest_line))
    if not claims:
        return claims, []
    aggregates = (
        select(
            MovementRow.claim_id,
            func.sum(MovementRow.signed_cents).filter(MovementRow.booked_on <= on),
            func.sum(MovementRow.signed_cents),
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
    for claim_id, total, ledger_total, sequence, surcharged, last_withholding in repository.raw_rows(
        session, aggregates
    ):
        claim = claims.get(claim_id)
        if claim is not None:
            claim.total = int(total or 0)
            claim.ledger_total = int(ledger_total or 0)
            claim.last_sequence = int(sequence or 0)
            claim.next_sequence = claim.last_sequence + 1
            claim.surcharged = int(surcharged or 0)
            claim.last_withholding = as_date(last_withholding)
    facts = [
        (ident, responsibility, detected_on, claims[ident].total, youngest_line)
        for ident, responsibility, detected_on, youngest_line in youngest
    ]
    return claims, facts


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


def _add_facts(session: Session, claims: dict[int, ClaimFacts], on: date) -> None:
    """The facts few claims have: a plan, a contribution due date, promises, and the money
    received since the plan or the last promise."""
    ids = list(claims)
    for claim_id in placements.placed_claim_ids(session, ids, on):
        claims[claim_id].placed = True
    for claim_id in placements.recalled_claim_ids(session, ids, on):
        claims[claim_id].recalled = True
    plan_starts: dict[int, date] = {}
    for claim_id, plan_row in plan_rows_for(session, ids, on).items():
        claims[claim_id].plan = PlanTerms(plan_row.first_due, plan_row.monthly_cents, plan_row.total_cents)
        plan_starts[claim_id] = plan_row.agreed_on
    if plan_starts:
        for claim_id, received in _credits_since(session, plan_starts, on).items():
            claims[claim_id].plan_credits = received
    promises: dict[int, list[ClaimEventRow]] = defaultdict(list)
    settled: set[str] = set()
    kinds = ("contribution_due", "promise", "promise_outcome", *AMNESTY_EVENTS)
    for event in _events(session, ids, kinds, on):
        if event.kind in AMNESTY_EVENTS:
            _amnesty_fact(claims[event.claim_id], event)
        elif event.kind == "contribution_due":
            claims[event.claim_id].contribution_due = date.fromisoformat(str(event.data["due_on"]))
        elif event.kind == "promise":
            promises[event.claim_id].append(event)
        else:
            settled.add(str(event.data["promise"]))
    for claim_id, events in promises.items():
        claims[claim_id].promises = tuple(
            Promise(
                event.key,
                date.fromisoformat(str(event.data["due_on"])),
                int(str(event.data["amount"])),
                event.key in settled,
            )
            for event in events
        )
    if promises:
        since = {claim_id: events[-1].occurred_on for claim_id, events in promises.items()}
        for claim_id, received in _credits_since(session, since, on).items():
            claims[claim_id].promise_credits = received


AMNESTY_EVENTS = ("amnesty", "amnesty_remission", "amnesty_lapsed")


def _amnesty_fact(claim: ClaimFacts, event: ClaimEventRow) -> None:
    """A claim's CNSS amnesty from its events in date order: the pending option, or surcharges
    ended by the remission."""
    if event.kind == "amnesty":
        claim.amnesty = str(event.data["option"])
    elif claim.amnesty is not None:
        if event.kind == "amnesty_remission":
            claim.surcharges_ended = True
        claim.amnesty = None


@dataclass
class _ShardPlan:
    """What the cycle decided for one shard: the rows to write, and how many claims it read."""

    claims: int
    movements: list[tuple[Any, ...]] = field(default_factory=list)
    """Ledger rows: ``recouvre.domain.ledger.POSTING_FIELDS``, the channel, the note, then when recorded."""
    heads: dict[int, LedgerHead] = field(default_factory=dict)
    """The ledgers of the claims with movements, as read (what ``check_postings`` checks against)."""
    events: list[tuple[Any, ...]] = field(default_factory=list)
    letters: list[LetterDraft] = field(default_factory=list)
    tasks: list[TaskDraft] = field(default_factory=list)
    states: dict[tuple[int, int], tuple[DefaultState, DefaultState, list[int]]] = field(default_factory=dict)
    """The claims whose state changes, by (state decided from, new state)."""
    changed: int = 0
    counts: dict[str, Any] = field(default_factory=dict)
    """What the writes will record, for the run's summary (``cycle_shards.counts``)."""
    movement_keys: list[str] = field(default_factory=list)
    writes: list[repository.Prepared] = field(default_factory=list)
    """The statements that write all of the above, prepared before the write lock is taken."""
    state_update: repository.Prepared | None = None


def _decide_shard(
    session: Session,
    organism: Organism,
    policy: Policy,
    job: _ShardJob,
    low: int,
    high: int,
) -> _ShardPlan:
    on = job.on
    claims, prescription_facts = _load_claims(session, job.organism_id, on, low, high)
    plan = _ShardPlan(claims=len(claims))
    if not claims:
        return plan
    rules, steps = cycle_rules(policy, on)
    # Prescribed claims are not recovered any more: no step, no surcharge.
    barred = prescription.prescribed_among(session, prescription_facts, on, policy)
    active = taking_part(claims, rules, on, barred)
    _add_facts(session, active, on)
    rows = run_steps(steps, active, rules, CycleRun(organism.code, job.month, on))
    plan.movements = rows.movements
    plan.heads = {
        claim_id: LedgerHead(claims[claim_id].ledger_total, claims[claim_id].last_sequence)
        for claim_id in {row[1] for row in rows.movements}
    }
    plan.events = rows.events
    plan.states = rows.states
    plan.changed = rows.changed
    plan.tasks = [
        TaskDraft(
            key=order.key,
            organism_id=job.organism_id,
            debtor_id=order.debtor_id,
            claim_id=order.claim_id,
            type=order.type,
            created_on=order.created_on,
            due_on=order.due_on,
            data=order.data,
        )
        for order in rows.tasks
    ]
    plan.letters = [
        LetterDraft(
            f"{organism.code}:{covered[0].debtor_ref}:{letter_type}:{job.month}",
            job.organism_id,
            debtor_id,
            letter_type,
            on,
            tuple([claim.id for claim in covered]),
            job.month,
            letter_data(letter_type, covered, on, rules),
        )
        for (debtor_id, letter_type), covered in rows.letters.items()
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


def _prepare_writes(session: Session, plan: _ShardPlan, recorded_at: Any, where: str) -> None:
    """Check the shard's movements against the ledger's invariants, then turn its decisions
    into driver-ready statements (still outside the write lock)."""
    problems = check_postings(plan.heads, plan.movements)
    if problems:
        raise PostingsRefused(where, problems)
    movements = [(*row, recorded_at) for row in plan.movements]
    plan.movement_keys = [row[0] for row in plan.movements]
    # numbered: the shard's transaction holds the write lock once its shard row is inserted
    letters, links = repository.prepared_letters(session, plan.letters, numbered=True)
    tasks = repository.prepared_tasks(session, plan.tasks)
    plan.writes = [
        repository.prepared_movements(session, movements),
        letters,
        links,
        tasks,
        repository.prepared_insert(session, ClaimEventRow, _EVENT_COLUMNS, plan.events),
    ]
    kinds = Counter(
        event[3] if event[3] != "phase" or event[4].get("phase") == "contentious" else "enforcement"
        for event in plan.events
    )
    new_letters = {key for key, *_ in letters.rows}
    new_tasks = {key for key, *_ in tasks.rows}
    surcharges = [row for row in plan.movements if row[3] == SURCHARGE]
    plan.counts = {
        "in_default": kinds["default_step"],
        "cured": kinds["cured"],
        "contentious": kinds["phase"],
        "enforcement": kinds["enforcement"],
        "surcharges": len(surcharges),
        "surcharge_cents": sum(int(row[4]) for row in surcharges),
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


def _write_shard(services: Services, session: Session, job: _ShardJob, start: int, plan: _ShardPlan) -> int:
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
    served = [
        event[1] for event in plan.events if event[3] == "phase" and event[4].get("title") == ETAT_DE_PRODUITS
    ]
    # The commandement served in this shard makes the CNSS's état de produits the claim's
    # enforceable title (RULES.md §11.2), in the shard's own transaction.
    for claim_id in served:
        enforcement.record_enforceable_title(session, services, claim_id, job.on)
    if plan.state_update is not None and plan.state_update.run(session) != plan.changed:
        raise _StaleShard(start)
    session.execute(
        update(CycleRunRow)
        .where(CycleRunRow.id == job.run_id)
        .values(shards_done=CycleRunRow.shards_done + 1)
    )
    return plan.claims


_EVENT_COLUMNS = ("key", "claim_id", "occurred_on", "kind", "data")


__all__ = ["CycleProgress", "CycleSummary", "cycle_progress", "cycle_rules", "parse_month", "run_cycle"]
