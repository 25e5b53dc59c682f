"""Prescription (PM241 procedure 13): which claims are time-barred, and which soon will be.

The rules are the pure functions of ``recouvre.domain.prescription`` (per-line bar dates,
fraud, interruptions, oldest lines consumed first); this module loads their facts set-based
and answers three questions:

* ``prescribed_claims(session, claim_ids, on, policy)`` — the claims whose status is
  ``prescribed`` at the end of ``on``: a positive balance made only of time-barred lines.
  **The status ``prescribed`` stops all recovery**: no withholding, no payment demand, no
  reminder, no enforcement step (SCENARIOS.md "Prescription (normative)"; a contrainte expires
  with the claim it enforces, R-CONTR-2, so the same status ends enforcement). It is the one
  function every recovery command asks — ``view_claim`` (status), the withholding eligibility
  and the monthly cycle — so that they all agree. Facts are loaded in at most six statements
  per chunk of claims (balances, youngest lines, then — only for the claims whose youngest line
  could be time-barred by then — lines, claim events, plans, movements); nothing is loaded one
  claim at a time. A country whose policy has no ``prescription.years`` (CNSS Morocco for now:
  no sourced rule) has nothing prescribed.
* ``prescription_state(services, organism, claim_ref, on)`` — one claim's state with its
  explanation (per-line bar dates, which interruption moved which date).
* ``standings(session, claims, on, terms, until)`` — the ledger total and, for the claims that
  may be time-barred by ``until``, the prescription date of a set of claims given as a
  ``SELECT`` (a queue's tasks): what the queues rank by, set-based.
* ``watch(services, organism, on, horizon_days)`` — the open claims whose prescription date
  falls within the horizon, with one ``prescription_review`` task queued per claim and date.

A payment or a debtor's acknowledgment is not always there in time: the organism interrupts
prescription itself by sending a registered letter (``service.interruptions``), which is what
the review task is for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from recouvre.domain.errors import NotFound
from recouvre.domain.model import DomainError, Responsibility, UndueLine
from recouvre.domain.money import Cents
from recouvre.domain.prescription import (
    FRAUD_YEARS_KEY,
    YEARS_KEY,
    PeriodLength,
    PrescriptionFacts,
    PrescriptionState,
    PrescriptionTerms,
    prescribed_verdict,
    prescription_date_of,
)
from recouvre.domain.prescription import prescription_state as decide
from recouvre.domain.thresholds import recovery_minimums, under_minimum
from recouvre.policy import Policy
from recouvre.service import queues
from recouvre.service.context import Services
from recouvre.service.interruptions import (
    claim_ids_filter,
    interruption_dates_by_claim,
    interruptions_by_claim,
)
from recouvre.storage import repository
from recouvre.storage.repository import TaskDraft
from recouvre.storage.tables import ClaimEventRow, ClaimLineRow, ClaimRow, DebtorRow, MovementRow, TaskRow

REVIEW_TASK = "prescription_review"
REVIEW_DAYS_BEFORE = 10
"""Default lead time of a review task: enough to send a registered letter before the date."""


@lru_cache(maxsize=64)
def terms_of(policy: Policy) -> PrescriptionTerms | None:
    """The dated period lengths of ``policy``; ``None`` when it has no prescription rule."""
    if YEARS_KEY not in policy or FRAUD_YEARS_KEY not in policy:
        return None
    return PrescriptionTerms(
        years=tuple(PeriodLength(v.valid_from, int(v.value)) for v in policy.versions(YEARS_KEY)),
        fraud_years=tuple(PeriodLength(v.valid_from, int(v.value)) for v in policy.versions(FRAUD_YEARS_KEY)),
    )


@dataclass(frozen=True)
class _Head:
    fraud: bool
    detected_on: date
    balance: Cents
    last_paid: date | None


def _heads(session: Session, part: Sequence[int], on: date, *, positive_only: bool) -> dict[int, _Head]:
    """Claims established by ``on``, their balance at the end of ``on`` and their youngest line's
    payment date (two grouped statements: one over movements, one over lines)."""
    connection = session.connection()
    wanted = set(part)
    total = func.coalesce(func.sum(MovementRow.signed_cents), 0)
    condition, params = claim_ids_filter(session, ClaimRow.id, part)
    balances = (
        select(ClaimRow.id, ClaimRow.responsibility, ClaimRow.detected_on, total)
        .outerjoin(MovementRow, (MovementRow.claim_id == ClaimRow.id) & (MovementRow.booked_on <= on))
        .where(condition, ClaimRow.established_on <= on)
        .group_by(ClaimRow.id, ClaimRow.responsibility, ClaimRow.detected_on)
    )
    if positive_only:
        balances = balances.having(total > 0)
    rows = [row for row in connection.execute(balances, params) if row[0] in wanted]
    if not rows:
        return {}
    kept = sorted(row[0] for row in rows)
    condition, params = claim_ids_filter(session, ClaimLineRow.claim_id, kept)
    last = (
        select(ClaimLineRow.claim_id, func.max(ClaimLineRow.paid_on))
        .where(condition)
        .group_by(ClaimLineRow.claim_id)
    )
    last_paid: dict[int, date] = {claim_id: paid_on for claim_id, paid_on in connection.execute(last, params)}
    fraud = Responsibility.FRAUD.value
    return {
        claim_id: _Head(responsibility == fraud, detected_on, max(int(balance), 0), last_paid.get(claim_id))
        for claim_id, responsibility, detected_on, balance in rows
    }


def _lines(session: Session, part: Sequence[int]) -> dict[int, list[tuple[date, Cents]]]:
    """(paid_on, amount) of each claim's lines, in line order (one statement)."""
    wanted = set(part)
    condition, params = claim_ids_filter(session, ClaimLineRow.claim_id, part)
    query = (
        select(ClaimLineRow.claim_id, ClaimLineRow.paid_on, ClaimLineRow.amount_cents)
        .where(condition)
        .order_by(ClaimLineRow.claim_id, ClaimLineRow.line_no)
    )
    found: dict[int, list[tuple[date, Cents]]] = {}
    for claim_id, paid_on, amount in session.connection().execute(query, params):
        if claim_id in wanted:
            found.setdefault(claim_id, []).append((paid_on, amount))
    return found


def _candidates(
    session: Session, part: Sequence[int], on: date, terms: PrescriptionTerms, until: date
) -> dict[int, _Head]:
    """Claims with a positive balance on ``on`` that may be time-barred by ``until``.

    The youngest line (or, for fraud, the detection date) is read first, for the whole chunk;
    the balance only for the claims whose first bar date is not after ``until`` — on a live
    portfolio, few of them.
    """
    connection = session.connection()
    wanted = set(part)
    condition, params = claim_ids_filter(session, ClaimRow.id, part)
    youngest = (
        select(ClaimRow.id, ClaimRow.responsibility, ClaimRow.detected_on, func.max(ClaimLineRow.paid_on))
        .join(ClaimLineRow, ClaimLineRow.claim_id == ClaimRow.id)
        .where(condition, ClaimRow.established_on <= on)
        .group_by(ClaimRow.id, ClaimRow.responsibility, ClaimRow.detected_on)
    )
    rows = repository.raw_rows(session, youngest, params)
    maybe = _may_be_barred((row for row in rows if row[0] in wanted), terms, until)
    if not maybe:
        return {}
    total = func.sum(MovementRow.signed_cents)
    balances = (
        select(MovementRow.claim_id, total)
        .where(repository.one_of(session, MovementRow.claim_id, maybe), MovementRow.booked_on <= on)
        .group_by(MovementRow.claim_id)
        .having(total > 0)
    )
    return {
        claim_id: replace(maybe[claim_id], balance=int(balance))
        for claim_id, balance in connection.execute(balances).all()
    }


def load_facts(
    session: Session,
    claim_ids: Iterable[int],
    on: date,
    *,
    positive_only: bool = False,
    due_by: tuple[PrescriptionTerms, date] | None = None,
) -> dict[int, PrescriptionFacts]:
    """The prescription facts of each claim established by ``on``: six statements per chunk.

    ``positive_only`` keeps the claims with a positive balance; ``due_by=(terms, day)`` keeps
    those with a positive balance that may be time-barred by ``day`` (the first bar date of
    their youngest line is not after it), so that lines and interruptions are only read for them.
    """
    found: dict[int, PrescriptionFacts] = {}
    for part in repository.chunks(sorted(set(claim_ids))):
        if due_by is not None:
            heads = _candidates(session, part, on, *due_by)
        else:
            heads = _heads(session, part, on, positive_only=positive_only)
        if not heads:
            continue
        ids = sorted(heads)
        lines = _lines(session, ids)
        interruptions = interruptions_by_claim(session, ids, on)
        for claim_id, head in heads.items():
            found[claim_id] = PrescriptionFacts(
                lines=tuple(UndueLine(paid_on, amount) for paid_on, amount in lines.get(claim_id, ())),
                fraud=head.fraud,
                detected_on=head.detected_on,
                balance=head.balance,
                interruptions=tuple(interruptions.get(claim_id, ())),
            )
    return found


def prescribed_claims(session: Session, claim_ids: Iterable[int], on: date, policy: Policy) -> set[int]:
    """The claims among ``claim_ids`` whose status is ``prescribed`` at the end of ``on``.

    A claim is prescribed when its positive balance is made only of time-barred lines
    (``domain.prescription``). Prescribed claims must not be recovered in any way. Claims not
    established by ``on``, or with nothing left to pay, are never prescribed. Lines and
    interruptions are only read for the claims whose youngest line could be time-barred by
    ``on``; the verdict is ``domain.prescription.prescribed_verdict`` (the same rule as
    ``prescription_state``, without building its explanation).
    """
    terms = terms_of(policy)
    if terms is None:
        return set()
    found: set[int] = set()
    for part in repository.chunks(sorted(set(claim_ids))):
        found |= _verdicts(session, _candidates(session, part, on, terms, on), on, terms)
    return found


YOUNGEST_LINE = (
    select(func.max(ClaimLineRow.paid_on)).where(ClaimLineRow.claim_id == ClaimRow.id).scalar_subquery()
)
"""The payment date of a claim's youngest line, as a column: batch reads that already go through
the claims add it (with the responsibility and detection date) to call ``prescribed_among``."""


def youngest_lines(session: Session, claim_ids: Sequence[int]) -> dict[int, date]:
    """The payment date of the youngest line of each of these claims (``YOUNGEST_LINE``, read for
    claims already in hand: a claim's view gives ``prescribed_among`` its balance)."""
    found: dict[int, date] = {}
    for part in repository.chunks(sorted(set(claim_ids))):
        query = select(ClaimRow.id, YOUNGEST_LINE).where(ClaimRow.id.in_(part))
        found.update(
            {claim_id: repository.as_date(paid_on) for claim_id, paid_on in session.execute(query) if paid_on}
        )
    return found


def prescribed_among(
    session: Session,
    facts: Sequence[tuple[int, str, date | str, Cents, date | str | None]],
    on: date,
    policy: Policy,
) -> set[int]:
    """``prescribed_claims`` for claims whose first facts a batch step has already read:
    ``(claim id, responsibility, detection date, balance at the end of on, YOUNGEST_LINE)``.

    The same rule, without reading balances and youngest lines a second time: only the claims
    that may be time-barred by ``on`` have their lines and interruptions read.
    """
    terms = terms_of(policy)
    if terms is None:
        return set()
    maybe = _may_be_barred(
        (
            (claim_id, responsibility, detected_on, last_paid)
            for claim_id, responsibility, detected_on, balance, last_paid in facts
            if balance > 0
        ),
        terms,
        on,
    )
    balances = {claim_id: balance for claim_id, _, _, balance, _ in facts} if maybe else {}
    heads = {claim_id: replace(head, balance=balances[claim_id]) for claim_id, head in maybe.items()}
    return _verdicts(session, heads, on, terms) if heads else set()


def _may_be_barred(
    youngest: Iterable[tuple[int, str, date | str, date | str | None]],
    terms: PrescriptionTerms,
    until: date,
) -> dict[int, _Head]:
    """The claims whose first bar date (the youngest line's, or the detection's for fraud) is not
    after ``until``, from ``(claim id, responsibility, detection date, youngest line date)``.

    That date is a lower bound of the prescription date of a positive balance: the youngest line
    stays in any positive balance (the oldest lines are consumed first) and interruptions only
    push its bar date later. Claims after it cannot be time-barred by ``until``.
    """
    fraud = Responsibility.FRAUD.value
    as_date: Callable[[date | str], date] = repository.as_date
    maybe: dict[int, _Head] = {}
    first_bars: dict[tuple[bool, date], date] = {}  # a batch has few distinct start dates
    for claim_id, responsibility, detected, youngest_paid in youngest:
        if youngest_paid is None:  # no line: nothing to prescribe
            continue
        is_fraud = responsibility == fraud
        detected_on = as_date(detected)
        last_paid = as_date(youngest_paid)
        start = detected_on if is_fraud else last_paid
        earliest = first_bars.get((is_fraud, start))
        if earliest is None:
            earliest = first_bars[(is_fraud, start)] = terms.first_bar(is_fraud, start)
        if earliest <= until:
            maybe[claim_id] = _Head(is_fraud, detected_on, 0, last_paid)
    return maybe


def _verdicts(session: Session, heads: Mapping[int, _Head], on: date, terms: PrescriptionTerms) -> set[int]:
    """The claims among ``heads`` (positive balances) that are prescribed at the end of ``on``."""
    if not heads:
        return set()
    ids = sorted(heads)
    lines = _lines(session, ids)
    days = interruption_dates_by_claim(session, ids, on)
    return {
        claim_id
        for claim_id, head in heads.items()
        if prescribed_verdict(
            lines.get(claim_id, ()),
            head.fraud,
            head.detected_on,
            head.balance,
            days.get(claim_id, ()),
            terms,
            on,
        )
    }


@dataclass(frozen=True)
class Standing:
    """A claim's ledger total at the end of a date and its prescription date, computed for the
    claims that may be time-barred by the horizon asked (``None``: no balance, or surely later)."""

    total: Cents
    """Signed: positive owed, negative a credit."""
    prescription_date: date | None


def standings(
    session: Session,
    claims: Select[int | None],
    on: date,
    terms: PrescriptionTerms | None,
    until: date,
) -> dict[int, Standing]:
    """The standing on ``on`` of every claim selected by ``claims`` (a ``SELECT`` of claim ids,
    e.g. a queue's tasks), for ranking them by balance and by nearness of prescription.

    Set-based, whatever the number of claims: one grouped statement for the ledger totals, one
    for the claims' youngest lines; then — only for the claims with a positive balance whose
    youngest line may be time-barred by ``until`` (``_may_be_barred``) — their lines and
    interruption dates (four statements per chunk), and ``domain.prescription.prescription_date_of``
    (the date of ``prescription_state``, without its explanation). Claims with no movement by
    ``on`` are absent. ``terms`` ``None`` (no prescription rule): no date is computed.
    """
    connection = session.connection()
    ids = claims.scalar_subquery()
    totals = {
        claim_id: int(total)
        for claim_id, total in connection.execute(
            select(MovementRow.claim_id, func.sum(MovementRow.signed_cents))
            .where(MovementRow.claim_id.in_(ids), MovementRow.booked_on <= on)
            .group_by(MovementRow.claim_id)
        )
    }
    found = {claim_id: Standing(total, None) for claim_id, total in totals.items()}
    if terms is None or not any(total > 0 for total in totals.values()):
        return found
    youngest = (
        select(ClaimRow.id, ClaimRow.responsibility, ClaimRow.detected_on, func.max(ClaimLineRow.paid_on))
        .join(ClaimLineRow, ClaimLineRow.claim_id == ClaimRow.id)
        .where(ClaimRow.id.in_(ids), ClaimRow.established_on <= on)
        .group_by(ClaimRow.id, ClaimRow.responsibility, ClaimRow.detected_on)
    )
    rows = connection.execute(youngest).all()
    maybe = _may_be_barred((row for row in rows if totals.get(row[0], 0) > 0), terms, until)
    heads = {claim_id: replace(head, balance=totals[claim_id]) for claim_id, head in maybe.items()}
    for part in repository.chunks(sorted(heads)):
        lines = _lines(session, part)
        days = interruption_dates_by_claim(session, part, on)
        for claim_id in part:
            head = heads[claim_id]
            found[claim_id] = Standing(
                head.balance,
                prescription_date_of(
                    lines.get(claim_id, ()),
                    head.fraud,
                    head.detected_on,
                    head.balance,
                    days.get(claim_id, ()),
                    terms,
                ),
            )
    return found


def prescription_state(services: Services, organism_code: str, claim_ref: str, on: date) -> PrescriptionState:
    """One claim's prescription at the end of ``on``, with its explanation.

    Raises ``NotFound`` for an unknown claim or one not established by ``on``, ``DomainError``
    when the organism's country has no prescription rule.
    """
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        terms = terms_of(services.policy(organism))
        if terms is None:
            raise DomainError(
                "policy",
                YEARS_KEY,
                f"aucune règle de prescription pour {organism_code} ({organism.country.value})",
            )
        row_id = session.scalar(
            select(ClaimRow.id).where(ClaimRow.organism_id == organism_id, ClaimRow.ref == claim_ref)
        )
        if row_id is None:
            raise NotFound("claim", claim_ref, f"créance introuvable dans {organism_code}")
        facts = load_facts(session, [row_id], on).get(row_id)
        if facts is None:
            raise NotFound("claim", claim_ref, f"pas encore constatée au {on.isoformat()}")
        return decide(facts, terms, on)


@dataclass(frozen=True)
class WatchItem:
    """An open claim whose prescription date falls within the horizon."""

    claim_ref: str
    debtor_ref: str
    debtor_name: str
    benefit: str
    balance: Cents
    time_barred: Cents
    """The part of the balance already time-barred on the watch date (older lines)."""
    at_risk: Cents
    """The part of the balance still recoverable, lost at the prescription date."""
    prescription_date: date
    days_left: int
    review_due_on: date
    task_queued: bool
    """Whether this run queued the review task (``False``: it was already queued)."""


def watch(
    services: Services,
    organism_code: str,
    on: date,
    horizon_days: int = 90,
    *,
    review_days_before: int = REVIEW_DAYS_BEFORE,
) -> list[WatchItem]:
    """The open claims that become prescribed within ``horizon_days`` after ``on``, by date.

    A claim is listed when its balance is positive and not yet prescribed on ``on`` and its
    prescription date D satisfies ``on < D <= on + horizon_days``. Transferred claims (recovered
    by someone else) and claims under their benefit's recovery minimum (not recovered, R-THRESH-1)
    are left out. Suspended claims are listed: suspending recovery does not suspend prescription
    (no sourced rule, RULES.md §3.2). Each listed claim gets one ``prescription_review`` task (key
    ``{organism}:{claim}:prescription_review:{D}``, created on ``on``, due ``review_days_before``
    days before D but not before ``on``): running the watch again queues nothing new, and a
    claim whose date moves (an interruption) gets a new task for its new date.
    Sorted by prescription date, then claim reference.
    """
    if horizon_days < 0:
        raise DomainError("watch.horizon_days", horizon_days, "ne peut pas être négatif")
    if review_days_before < 0:
        raise DomainError("watch.review_days_before", review_days_before, "ne peut pas être négatif")
    limit = on + timedelta(days=horizon_days)
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        policy = services.policy(organism)
        queues.close_tasks_of_ended_claims(session, organism_id, on, policy=policy)
        terms = terms_of(policy)
        if terms is None:
            return []
        minimums = recovery_minimums(policy, on)
        claim_ids = list(
            session.scalars(
                select(ClaimRow.id).where(ClaimRow.organism_id == organism_id, ClaimRow.established_on <= on)
            )
        )
        due: dict[int, PrescriptionState] = {}
        for part in repository.chunks(claim_ids):
            for claim_id, facts in load_facts(
                session, part, on, positive_only=True, due_by=(terms, limit)
            ).items():
                state = decide(facts, terms, on)
                date_ = state.prescription_date
                if date_ is not None and on < date_ <= limit:
                    due[claim_id] = state
        transferred = {
            claim_id
            for part in repository.chunks(sorted(due))
            for claim_id in session.scalars(
                select(ClaimEventRow.claim_id).where(
                    ClaimEventRow.claim_id.in_(part),
                    ClaimEventRow.kind == "transferred",
                    ClaimEventRow.occurred_on <= on,
                )
            )
        }
        listed: list[_Listed] = []
        for part in repository.chunks(sorted(set(due) - transferred)):
            query = (
                select(
                    ClaimRow.id,
                    ClaimRow.ref,
                    ClaimRow.benefit,
                    ClaimRow.principal_cents,
                    DebtorRow.id,
                    DebtorRow.ref,
                    DebtorRow.name,
                )
                .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
                .where(ClaimRow.id.in_(part))
            )
            for claim_id, ref, benefit, principal, debtor_id, debtor_ref, name in session.execute(query):
                state = due[claim_id]
                if under_minimum(minimums, benefit, principal) or state.prescription_date is None:
                    continue
                review_on = max(on, state.prescription_date - timedelta(days=review_days_before))
                listed.append(
                    _Listed(
                        TaskDraft(
                            key=f"{organism_code}:{ref}:{REVIEW_TASK}:{state.prescription_date.isoformat()}",
                            organism_id=organism_id,
                            debtor_id=debtor_id,
                            claim_id=claim_id,
                            type=REVIEW_TASK,
                            created_on=on,
                            due_on=review_on,
                            data={
                                "prescription_date": state.prescription_date.isoformat(),
                                "balance": state.balance,
                                "at_risk": state.recoverable,
                                "why": "prescription",
                            },
                        ),
                        WatchItem(
                            claim_ref=ref,
                            debtor_ref=debtor_ref,
                            debtor_name=name or "",
                            benefit=benefit,
                            balance=state.balance,
                            time_barred=state.time_barred,
                            at_risk=state.recoverable,
                            prescription_date=state.prescription_date,
                            days_left=(state.prescription_date - on).days,
                            review_due_on=review_on,
                            task_queued=True,
                        ),
                    )
                )
        known = repository.existing_keys(session, TaskRow.key, (entry.task.key for entry in listed))
        repository.insert_tasks(session, [entry.task for entry in listed])
        items = [replace(entry.item, task_queued=entry.task.key not in known) for entry in listed]
        return sorted(items, key=lambda item: (item.prescription_date, item.claim_ref))


@dataclass(frozen=True)
class _Listed:
    task: TaskDraft
    item: WatchItem
