"""Withholding on benefit payments (SCENARIOS.md "Withholding on a benefit payment").

``apply_benefit_payments`` takes a batch of debtors' monthly payment runs and, for each
debtor (callers chunk large runs; ``withhold_batches`` runs the chunks on every core):

1. finds the claims recoverable on the payment date (``service.eligibility``);
2. takes the debtor's PRP quotient in force on that date (``debtor_quotients``; none:
   the deemed RMP applies) and what the PRP already took from the debtor's earlier
   payments of the same calendar month (one monthly withholding, D553-4);
3. decides with the pure engine ``domain.withholding.decide_withholding``;
4. books one ``withholding`` movement per claim allocated (key
   ``{organism}:{claim}:withholding:{run_id}:{debtor}``) and one ``benefit_payments``
   row (key ``{organism}:{run_id}:{debtor}``) holding the explanation.

The withholding movements pass the ledger's invariants before anything is written
(``recouvre.domain.ledger.check_postings``, the checks of ``Ledger.post``, against each claim's
total over its whole ledger and its last sequence as read): a movement refused (a withholding
beyond the balance, a key twice, a sequence out of order) fails the batch with
``PostingsRefused``, nothing written.

Idempotent: a debtor whose ``benefit_payments`` key exists is skipped and reported as
already done, with what was decided then. All or nothing: a batch with an invalid item
(an unknown debtor, a debtor twice, an unknown benefit, a negative amount) is refused
with every problem and its item index; nothing is written. Everything is read and
written set-based (a few statements per batch, bulk inserts); the bookings of a batch are
written in ONE transaction, after the reads (the ledger's sequence numbers refuse a booking
on a claim whose ledger changed in between: the batch fails whole and can be run again).

No NIR or IBAN is read here, let alone logged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from recouvre.domain.errors import BatchRejected, NotFound, Problem
from recouvre.domain.ledger import LedgerHead, MovementKind, PostingProblem, PostingsRefused, check_postings
from recouvre.domain.model import Benefit, DatedValue, DomainError, Organism, value_on
from recouvre.domain.money import Cents
from recouvre.domain.withholding import (
    BenefitPayment,
    WithholdingDecision,
    WithholdingParameters,
    decide_withholding,
)
from recouvre.policy import Policy
from recouvre.service import job_queue, queues, satd
from recouvre.service.adjustments import withholding_overrides
from recouvre.service.batch import run_units, writing
from recouvre.service.claims import movement_key
from recouvre.service.context import Services
from recouvre.service.eligibility import RecoverableClaimInfo, recoverable_claims
from recouvre.service.fraud import fraud_raise_rate
from recouvre.storage import repository
from recouvre.storage.job_queue_tables import QueuedPaymentBatchRow
from recouvre.storage.tables import BenefitPaymentRow, MovementRow, OrganismRow
from recouvre.storage.third_party_tables import SatdPayableRow

MAX_RUN_ID = 64
MAX_KEY = 200
REQUIRED_KEYS = (
    "withholding.scale",
    "withholding.deemed_rmp",
    "withholding.arrears_rate",
    "withholding.arrears_exempt",
    "withholding.arrears_exempt_after_rent_debt_clearance",
)
BENEFITS = frozenset(benefit.value for benefit in Benefit)
WITHHOLDING = MovementKind.WITHHOLDING.value


@dataclass(frozen=True)
class ClaimWithheld:
    claim_ref: str
    amount: Cents

    def __reduce__(self) -> tuple[type[ClaimWithheld], tuple[str, Cents]]:
        # Outcomes cross back from the worker processes by the hundred thousand: pickled as
        # constructor arguments, not as attribute dictionaries.
        return (ClaimWithheld, (self.claim_ref, self.amount))


@dataclass(frozen=True)
class WithholdingOutcome:
    """What one debtor's payment run gave: gross, withheld by claim, net, and why."""

    debtor_ref: str
    run_id: str
    paid_on: date
    gross: Cents
    withheld: Cents
    net: Cents
    allocations: tuple[ClaimWithheld, ...]
    explanation: Mapping[str, Any]
    already_done: bool = False
    """The run had already been applied to this debtor: nothing new was booked."""

    def __reduce__(self) -> tuple[type[WithholdingOutcome], tuple[Any, ...]]:
        return (
            WithholdingOutcome,
            (
                self.debtor_ref,
                self.run_id,
                self.paid_on,
                self.gross,
                self.withheld,
                self.net,
                self.allocations,
                self.explanation,
                self.already_done,
            ),
        )


@dataclass(frozen=True)
class PaymentExplanation:
    """A recorded benefit payment of a debtor, with the explanation of its withholding."""

    run_id: str
    paid_on: date
    gross: Cents
    withheld: Cents
    net: Cents
    explanation: Mapping[str, Any]


def payment_key(organism_code: str, run_id: str, debtor_ref: str) -> str:
    """Idempotency key of a debtor's benefit payment in a run."""
    return f"{organism_code}:{run_id}:{debtor_ref}"


def withholding_key(organism_code: str, claim_ref: str, run_id: str, debtor_ref: str) -> str:
    """Idempotency key of the withholding movement on a claim for a debtor's payment in a run."""
    return movement_key(organism_code, claim_ref, "withholding", run_id, debtor_ref)


def parameters_on(policy: Policy, on: date) -> WithholdingParameters:
    """The withholding parameters in force on ``on``, each with the date it holds from."""
    missing = [key for key in REQUIRED_KEYS if key not in policy]
    if missing:
        raise DomainError(
            "policy",
            ", ".join(missing),
            f"absents de la politique de {policy.organism or policy.country} : "
            "pas de retenue sur prestations pour cet organisme",
        )
    scale_version = policy.version("withholding.scale", on)
    return WithholdingParameters(
        scale=policy.withholding_scale(on),
        scale_from=scale_version.valid_from,
        deemed_rmp=policy.amount("withholding.deemed_rmp", on),
        arrears_rate=policy.percent("withholding.arrears_rate", on),
        arrears_exempt=frozenset(policy.names("withholding.arrears_exempt", on)),
        exempt_after_rent_debt_clearance=frozenset(
            policy.names("withholding.arrears_exempt_after_rent_debt_clearance", on)
        ),
        fraud_raise_rate=fraud_raise_rate(policy, on),
    )


def _problems(organism_code: str, payments: Sequence[BenefitPayment], run_id: str) -> list[Problem]:
    """What is wrong in the batch itself, before the database is read."""
    problems: list[Problem] = []
    if not run_id or len(run_id) > MAX_RUN_ID or any(character.isspace() for character in run_id):
        problems.append(Problem(0, "run_id", run_id, f"de 1 à {MAX_RUN_ID} caractères, sans espace"))
        return problems
    first: dict[str, int] = {}
    for index, payment in enumerate(payments):
        ref = payment.debtor_ref
        if ref in first:
            problems.append(
                Problem(
                    index,
                    "debtor",
                    ref,
                    f"figure deux fois dans le traitement (aussi ligne {first[ref] + 1})",
                )
            )
        else:
            first[ref] = index
        if len(payment_key(organism_code, run_id, ref)) > MAX_KEY:
            problems.append(Problem(index, "run_id", run_id, f"les clés dépasseraient {MAX_KEY} caractères"))
        for name, amounts in (("regular", payment.regular), ("arrears", payment.arrears)):
            for benefit, amount in amounts.items():
                if benefit not in BENEFITS:
                    known = ", ".join(sorted(BENEFITS))
                    problems.append(
                        Problem(index, f"{name}.benefit", benefit, f"prestation inconnue ({known})")
                    )
                if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
                    problems.append(
                        Problem(
                            index,
                            f"{name}.{benefit}",
                            amount,
                            "doit être un montant positif ou nul en centimes",
                        )
                    )
    return problems


def _month(on: date) -> tuple[date, date]:
    first = on.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _prp_already_withheld(
    session: Session, organism_id: int, debtor_ids: Iterable[int], on: date
) -> dict[int, Cents]:
    """PRP withheld from each debtor's benefit payments of the calendar month of ``on``."""
    first, last = _month(on)
    found: dict[int, Cents] = {}
    for part in repository.chunks(sorted(set(debtor_ids))):
        query = (
            select(BenefitPaymentRow.debtor_id, func.sum(BenefitPaymentRow.prp_withheld_cents))
            .where(
                BenefitPaymentRow.organism_id == organism_id,
                repository.one_of(session, BenefitPaymentRow.debtor_id, part),
                BenefitPaymentRow.paid_on >= first,
                BenefitPaymentRow.paid_on <= last,
            )
            .group_by(BenefitPaymentRow.debtor_id)
        )
        found.update({debtor_id: int(total or 0) for debtor_id, total in session.execute(query)})
    return found


@dataclass(frozen=True)
class _Recorded:
    run_id: str
    paid_on: date
    gross: Cents
    withheld: Cents
    net: Cents
    explanation: Mapping[str, Any]


def _recorded(session: Session, keys: Iterable[str]) -> dict[str, _Recorded]:
    """The benefit payments already recorded under these keys (plain rows, no ORM objects)."""
    found: dict[str, _Recorded] = {}
    row = BenefitPaymentRow
    for part in repository.chunks(sorted(set(keys))):
        query = select(
            row.key,
            row.run_id,
            row.paid_on,
            row.gross_cents,
            row.withheld_cents,
            row.net_cents,
            row.explanation,
        ).where(repository.one_of(session, row.key, part))
        for key, run_id, paid_on, gross, withheld, net, explanation in session.execute(query):
            found[key] = _Recorded(run_id, paid_on, gross, withheld, net, explanation)
    return found


def _allocations(explanation: Mapping[str, Any]) -> tuple[ClaimWithheld, ...]:
    items = explanation.get("allocations", [])
    return tuple(ClaimWithheld(str(item["claim"]), int(item["amount"])) for item in items)


def _done(debtor_ref: str, row: _Recorded, with_explanation: bool) -> WithholdingOutcome:
    return WithholdingOutcome(
        debtor_ref=debtor_ref,
        run_id=row.run_id,
        paid_on=row.paid_on,
        gross=row.gross,
        withheld=row.withheld,
        net=row.net,
        allocations=_allocations(row.explanation),
        explanation=row.explanation if with_explanation else {},
        already_done=True,
    )


@dataclass(frozen=True)
class PaymentBatch:
    """A part of one payment run: the debtors one unit of work withholds on, in one transaction."""

    run_id: str
    payments: tuple[BenefitPayment, ...]


def withhold_batches(
    services: Services,
    organism_code: str,
    batches: Iterable[PaymentBatch],
    *,
    workers: int = 1,
    jobs: bool | None = False,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list[WithholdingOutcome]]:
    """``apply_benefit_payments`` on each batch, on ``workers`` processes; outcomes in batch order.

    The batches must be of ONE run, so that no debtor is in two of them: a debtor's payments of
    different runs of a month are withheld one run after the other (one monthly withholding,
    D553-4), so callers give the runs one at a time. ``batches`` may be a generator (the next
    batch is built while the workers withhold on the previous ones). The outcomes come without
    their explanation (it is recorded with the payment: ``explain`` reads it), which keeps what
    crosses between processes small. A batch refused raises ``BatchRejected`` after the
    outcomes of the batches before it; the batches after it are not run.

    With ``jobs`` (PostgreSQL: ``True``, or ``None`` and a worker alive, see
    ``service.job_queue.use_jobs``) the batches are staged in ``queued_payment_batches`` and run
    as jobs by the ``recouvre worker`` processes; ``progress(batches done)`` follows them, and
    the outcomes, read back from the payments booked, come once every batch is done (a batch
    refused then raises its ``BatchRejected``, but batches after it may have been booked).
    """
    run_ids: set[str] = set()
    paid: set[date] = set()

    def one_run() -> Iterator[PaymentBatch]:
        for batch in batches:
            run_ids.add(batch.run_id)
            if len(run_ids) > 1:
                raise ValueError(f"run_id: one run at a time, got {sorted(run_ids)}")
            paid.update(payment.paid_on for payment in batch.payments)
            yield batch

    if job_queue.use_jobs(services, jobs):
        yield from _withhold_as_jobs(services, organism_code, list(one_run()), jobs is True, progress)
    else:
        yield from run_units(
            services, _withhold_batch, organism_code, one_run(), workers=workers, ordered=True
        )
    if paid:  # the tasks of the claims the run settled close (tasks follow their claim)
        with services.db.unit_of_work() as session:
            queues.close_tasks_of_claims(services, session, organism_code, max(paid))


def _payment_data(payment: BenefitPayment) -> dict[str, Any]:
    return {
        "debtor": payment.debtor_ref,
        "paid_on": payment.paid_on.isoformat(),
        "regular": dict(payment.regular),
        "arrears": dict(payment.arrears),
        "after_rent_debt_clearance": payment.after_rent_debt_clearance,
    }


def _payment_of(data: Mapping[str, Any]) -> BenefitPayment:
    return BenefitPayment(
        str(data["debtor"]),
        date.fromisoformat(str(data["paid_on"])),
        {str(key): int(value) for key, value in data["regular"].items()},
        {str(key): int(value) for key, value in data["arrears"].items()},
        bool(data["after_rent_debt_clearance"]),
    )


class QueuedBatchRejected(BatchRejected):
    """A queued batch of a run refused: ``batch`` is its place in the run (the problems' indexes
    are within it), since the outcomes of the queued batches are not given one by one."""

    def __init__(self, problems: list[Problem], batch: int) -> None:
        super().__init__(problems)
        self.batch = batch

    def __reduce__(self) -> tuple[type[QueuedBatchRejected], tuple[list[Problem], int]]:  # type: ignore[override]
        return (type(self), (self.problems, self.batch))


def _withhold_as_jobs(
    services: Services,
    organism_code: str,
    batches: list[PaymentBatch],
    forced: bool,
    progress: Callable[[int], None] | None,
) -> Iterator[list[WithholdingOutcome]]:
    """Stage the run's batches, queue one job per batch (its id only), wait for them, then read
    each batch's outcomes back from ``benefit_payments`` (in batch order)."""
    if not batches:
        return
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        # The same run queued earlier by a command that stopped: its batches are replaced (a job of
        # theirs already running books nothing twice: the payments' keys are unique).
        earlier = (
            QueuedPaymentBatchRow.organism_id == organism_id,
            QueuedPaymentBatchRow.run_id == batches[0].run_id,
        )
        stale = set(session.scalars(select(QueuedPaymentBatchRow.id).where(*earlier)))
        if stale:
            session.execute(delete(QueuedPaymentBatchRow).where(*earlier))
        rows = [
            QueuedPaymentBatchRow(
                organism_id=organism_id,
                run_id=batch.run_id,
                number=number,
                payments=[_payment_data(payment) for payment in batch.payments],
                queued_at=services.clock(),
            )
            for number, batch in enumerate(batches)
        ]
        session.add_all(rows)
        session.flush()
        ids = [row.id for row in rows]
    if stale:
        pending = job_queue.pending_jobs(services, job_queue.PAYMENT_BATCH)
        job_queue.cancel(services, (job for job, args in pending.items() if args.get("batch_id") in stale))
    waiting = job_queue.enqueue(services, job_queue.PAYMENT_BATCH, ({"batch_id": ident} for ident in ids))
    place = {ident: number for number, ident in enumerate(ids)}

    def run_here(args: Mapping[str, Any]) -> int:
        try:
            return run_batch_job(services, int(args["batch_id"]))
        except BatchRejected as error:
            raise QueuedBatchRejected(error.problems, place[int(args["batch_id"])]) from None

    job_queue.wait_for(services, waiting, run_here, progress=progress, fallback=not forced)
    fresh: dict[int, set[str]] = {}
    with services.db.unit_of_work() as session:
        for row in session.scalars(select(QueuedPaymentBatchRow).where(QueuedPaymentBatchRow.id.in_(ids))):
            fresh[row.id] = set(row.fresh or ())
            session.delete(row)
    for ident, batch in zip(ids, batches, strict=True):
        yield _recorded_outcomes(services, organism_code, batch, fresh.get(ident, set()))


def _recorded_outcomes(
    services: Services, organism_code: str, batch: PaymentBatch, fresh: set[str]
) -> list[WithholdingOutcome]:
    """A batch's outcomes as booked (``fresh``: the debtors booked by this run, the others were
    already done), without their explanations."""
    keys = [payment_key(organism_code, batch.run_id, payment.debtor_ref) for payment in batch.payments]
    with services.db.unit_of_work() as session:
        recorded = _recorded(session, keys)
    outcomes: list[WithholdingOutcome] = []
    for payment, key in zip(batch.payments, keys, strict=True):
        row = recorded.get(key)
        if row is None:
            raise RuntimeError(
                f"traitement {batch.run_id} : le paiement de {payment.debtor_ref} n'est pas enregistré"
            )
        outcome = _done(payment.debtor_ref, row, False)
        outcomes.append(replace(outcome, already_done=False) if payment.debtor_ref in fresh else outcome)
    return outcomes


def run_batch_job(services: Services, batch_id: int) -> int:
    """A payment batch run by a ``recouvre worker`` (job ``recouvre.payment_batch``): its
    payments read from ``queued_payment_batches``; the debtors it booked recorded there (once);
    returns how many."""
    with services.db.unit_of_work() as session:
        row = session.get(QueuedPaymentBatchRow, batch_id)
        if row is None:  # the run that queued it has its outcomes already
            return 0
        organism_code = session.scalar(select(OrganismRow.code).where(OrganismRow.id == row.organism_id))
        run_id, payments = row.run_id, tuple(_payment_of(item) for item in row.payments)
    outcomes = apply_benefit_payments(services, str(organism_code), payments, run_id, with_explanations=False)
    fresh = [outcome.debtor_ref for outcome in outcomes if not outcome.already_done]
    with services.db.unit_of_work() as session:
        session.execute(
            update(QueuedPaymentBatchRow)
            .where(QueuedPaymentBatchRow.id == batch_id, QueuedPaymentBatchRow.fresh.is_(None))
            .values(fresh=fresh)
        )
    return len(fresh)


def _withhold_batch(services: Services, organism_code: str, batch: PaymentBatch) -> list[WithholdingOutcome]:
    return apply_benefit_payments(
        services, organism_code, batch.payments, batch.run_id, with_explanations=False
    )


def apply_benefit_payments(
    services: Services,
    organism_code: str,
    payments: Sequence[BenefitPayment],
    run_id: str,
    *,
    with_explanations: bool = True,
) -> list[WithholdingOutcome]:
    """Withhold on each debtor's payment of the run, booked in one transaction; one outcome per payment
    (``with_explanations=False``: outcomes without their explanation, which is recorded anyway).

    Raises ``BatchRejected`` (nothing written) when an item is invalid, ``NotFound`` for an
    unknown organism, ``DomainError`` when the organism's policy has no withholding scale.
    """
    problems = _problems(organism_code, payments, run_id)
    if problems:
        raise BatchRejected(problems)
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        debtors = repository.debtor_ids(session, organism_id, (p.debtor_ref for p in payments))
        problems = [
            Problem(index, "debtor", payment.debtor_ref, f"débiteur introuvable dans {organism_code}")
            for index, payment in enumerate(payments)
            if payment.debtor_ref not in debtors
        ]
        if problems:
            raise BatchRejected(problems)
        keys = [payment_key(organism_code, run_id, payment.debtor_ref) for payment in payments]
        recorded = _recorded(session, keys)
        todo = [
            (index, payment, debtors[payment.debtor_ref])
            for index, (payment, key) in enumerate(zip(payments, keys, strict=True))
            if key not in recorded
        ]
        decided = _decide(session, services, organism, organism_id, todo)
        writes = _bookings(session, services, organism_code, organism_id, run_id, decided)
    # Decided on what was read; written in a transaction of its own, under the batch's write lock.
    # A claim's ledger that changed meanwhile makes the insert of its movement fail on its
    # sequence: nothing of the batch is written, and running it again decides afresh.
    try:
        with writing(services), services.db.unit_of_work() as session:
            for statement in writes:
                statement.run(session)
    except Exception as error:
        if repository.is_integrity_error(error):
            _refuse_booked_keys(services, organism_code, run_id, writes[0])
        raise
    fresh = {item.payment.debtor_ref: _outcome(run_id, item, with_explanations) for item in decided}
    return [
        _done(payment.debtor_ref, recorded[key], with_explanations)
        if key in recorded
        else fresh[payment.debtor_ref]
        for payment, key in zip(payments, keys, strict=True)
    ]


@dataclass(slots=True)
class _Decided:
    index: int
    payment: BenefitPayment
    debtor_id: int
    decision: WithholdingDecision
    explanation: dict[str, Any]
    claims: Mapping[str, RecoverableClaimInfo]
    seized: Cents = 0
    """Set aside for seizing creditors (SATD received, ``service.satd``), after the withholdings."""


def _decide(
    session: Session,
    services: Services,
    organism: Organism,
    organism_id: int,
    todo: Sequence[tuple[int, BenefitPayment, int]],
) -> list[_Decided]:
    policy = services.policy(organism)
    ids = [debtor_id for _, _, debtor_id in todo]
    quotients = repository.quotients(session, ids)
    by_date: dict[date, list[int]] = {}
    for _, payment, debtor_id in todo:
        by_date.setdefault(payment.paid_on, []).append(debtor_id)
    claims: dict[date, dict[int, list[RecoverableClaimInfo]]] = {}
    already: dict[tuple[int, int], dict[int, Cents]] = {}
    parameters: dict[date, WithholdingParameters] = {}
    overrides: dict[date, dict[int, Cents]] = {}
    for on, debtor_ids in by_date.items():
        overrides[on] = withholding_overrides(session, debtor_ids, on)
        claims[on] = recoverable_claims(session, services, organism, organism_id, debtor_ids, on)
        month = (on.year, on.month)
        already.setdefault(month, {}).update(_prp_already_withheld(session, organism_id, debtor_ids, on))
        parameters[on] = parameters_on(policy, on)
    decided: list[_Decided] = []
    for index, payment, debtor_id in todo:
        on = payment.paid_on
        infos = claims[on].get(debtor_id, [])
        dated = quotients.get(debtor_id)
        decision = decide_withholding(
            payment,
            infos,
            parameters[on],
            rmp=value_on(tuple(DatedValue(valid_from, value) for valid_from, value in dated), on)
            if dated
            else None,
            prp_already_withheld=already[(on.year, on.month)].get(debtor_id, 0),
            monthly_override=overrides[on].get(debtor_id),
        )
        decided.append(
            _Decided(
                index,
                payment,
                debtor_id,
                decision,
                decision.explanation(parameters[on]),
                {info.ref: info for info in infos},
            )
        )
    return decided


def _note(run_id: str) -> str:
    return f"retenue sur prestations, passage {run_id}"


def _bookings(
    session: Session,
    services: Services,
    organism_code: str,
    organism_id: int,
    run_id: str,
    decided: Sequence[_Decided],
) -> list[repository.Prepared]:
    """The statements booking the decisions: one withholding movement per claim allocated, one
    benefit payment row per debtor (raises ``BatchRejected`` when a key would be too long)."""
    movements: list[tuple[Any, ...]] = []
    rows: list[tuple[Any, ...]] = []
    problems: list[Problem] = []
    note = _note(run_id)
    recorded_at = services.clock()
    heads: dict[int, LedgerHead] = {}
    by_date: dict[date, list[int]] = {}
    # SATD received: what the notices in force take, once the organism's own withholdings are decided.
    seizures = satd.run_seizures(
        session,
        organism_code,
        organism_id,
        run_id,
        [(i.index, i.debtor_id, i.payment, i.decision.withheld) for i in decided],
    )
    for item in decided:
        payment, decision = item.payment, item.decision
        item.seized = seizures.seized.get(item.index, 0)
        if item.seized:
            item.explanation = {**item.explanation, "satd": seizures.detail[item.index]}
        allocated = by_date.get(payment.paid_on)
        if allocated is None:
            allocated = by_date[payment.paid_on] = []
        for allocation in decision.allocations:
            info = item.claims[allocation.claim_ref]
            key = withholding_key(organism_code, info.ref, run_id, payment.debtor_ref)
            if len(key) > MAX_KEY:
                reason = f"the withholding key on claim {info.ref} would exceed {MAX_KEY} characters"
                problems.append(Problem(item.index, "run_id", run_id, reason))
            # The engine never takes more than a claim's balance (D553-4); check_postings verifies it.
            amount = allocation.amount
            claim_id = info.claim_id
            if claim_id not in heads:  # the ledger as read (at the payment date for now), its last number
                heads[claim_id] = LedgerHead(info.balance, info.next_sequence - 1)
                allocated.append(claim_id)
            movements.append(
                (
                    key,
                    claim_id,
                    info.next_sequence,
                    WITHHOLDING,
                    amount,
                    -amount,
                    payment.paid_on,
                    None,
                    None,
                    note,
                    recorded_at,
                )
            )
        rows.append(
            (
                payment_key(organism_code, run_id, payment.debtor_ref),
                organism_id,
                item.debtor_id,
                run_id,
                payment.paid_on,
                payment.gross,
                decision.withheld,
                decision.prp_withheld,
                decision.net - item.seized,
                item.explanation,
            )
        )
    if problems:
        raise BatchRejected(problems)
    # The ledger's total counts every movement, whatever its date: add those booked after the payment.
    for on, claim_ids in by_date.items():
        for claim_id, later in repository.totals_after(session, claim_ids, on).items():
            heads[claim_id].total += later
    refused = check_postings(heads, movements)
    if refused:
        raise PostingsRefused(f"withholding run {run_id} of {organism_code}", refused)
    return [
        repository.prepared_movements(session, movements),
        repository.prepared_insert(session, BenefitPaymentRow, _PAYMENT_COLUMNS, rows),
        *(
            [repository.prepared_insert(session, SatdPayableRow, satd.PAYABLE_COLUMNS, seizures.rows)]
            if seizures.rows
            else []
        ),
    ]


def _refuse_booked_keys(
    services: Services, organism_code: str, run_id: str, movements: repository.Prepared
) -> None:
    """After a failed write: ``PostingsRefused`` when a movement key of the batch was booked
    already (the ledger books a key once); otherwise a claim's ledger changed since the read
    (its next sequence is taken) and the caller re-raises: running the batch again decides afresh."""
    keys = [str(row[0]) for row in movements.rows]
    with services.db.unit_of_work() as session:
        booked = repository.existing_keys(session, MovementRow.key, keys)
    if booked:
        raise PostingsRefused(
            f"traitement des retenues {run_id} de {organism_code}",
            [
                PostingProblem(index, int(row[1]), str(row[0]), "movement.key", row[0], "déjà enregistré")
                for index, row in enumerate(movements.rows)
                if row[0] in booked
            ],
        ) from None


_PAYMENT_COLUMNS = (
    "key",
    "organism_id",
    "debtor_id",
    "run_id",
    "paid_on",
    "gross_cents",
    "withheld_cents",
    "prp_withheld_cents",
    "net_cents",
    "explanation",
)


def _outcome(run_id: str, item: _Decided, with_explanation: bool) -> WithholdingOutcome:
    decision = item.decision
    return WithholdingOutcome(
        debtor_ref=item.payment.debtor_ref,
        run_id=run_id,
        paid_on=item.payment.paid_on,
        gross=item.payment.gross,
        withheld=decision.withheld,
        net=decision.net - item.seized,
        allocations=tuple(ClaimWithheld(a.claim_ref, a.amount) for a in decision.allocations),
        explanation=item.explanation if with_explanation else {},
    )


def explain(services: Services, organism_code: str, debtor_ref: str, on: date) -> list[PaymentExplanation]:
    """The debtor's benefit payments of ``on`` with their withholding explanations, in booking order."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        debtor_id = repository.debtor_ids(session, organism_id, [debtor_ref]).get(debtor_ref)
        if debtor_id is None:
            raise NotFound("debtor", debtor_ref, f"débiteur introuvable dans {organism_code}")
        query = (
            select(BenefitPaymentRow)
            .where(
                BenefitPaymentRow.organism_id == organism_id,
                BenefitPaymentRow.debtor_id == debtor_id,
                BenefitPaymentRow.paid_on == on,
            )
            .order_by(BenefitPaymentRow.id)
        )
        return [
            PaymentExplanation(
                run_id=row.run_id,
                paid_on=row.paid_on,
                gross=row.gross_cents,
                withheld=row.withheld_cents,
                net=row.net_cents,
                explanation=row.explanation,
            )
            for row in session.scalars(query)
        ]
