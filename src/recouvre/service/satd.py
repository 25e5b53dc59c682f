"""The SATD received: notices from a public accountant against a debtor's benefits, what each
benefit-payment run owes the seizing creditors, their payment within 30 days, the release.

The rules are in ``recouvre.domain.satd`` (LPF L262, CSS L553-4, R-TIERS-2, ranking [L]).

* ``record_notice``: a notice (creditor, reference, kind of debt, amount, date of receipt; the
  receipt time when known) is recorded against the debtor. Notices received the same day without
  a time rank in the order they were recorded.
* At each benefit-payment run (``service.withholding``), once the organism's own withholdings are
  decided, ``run_seizures`` computes, per debtor paid, what each notice in force takes from the
  seizable benefits (``domain.satd.seize``): a ``satd_payables`` row per notice, due within 30
  days, written in the run's own transaction; the debtor's net payment is reduced by it.
* ``pay``: the payable is paid to the seizing creditor (its date recorded; late when after its
  due date). ``release``: the creditor lifts the notice (mainlevée); later runs take nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from recouvre.domain.errors import DomainError, NotFound, Refused
from recouvre.domain.model import Benefit
from recouvre.domain.money import Cents
from recouvre.domain.satd import DebtKind, Notice, due_on, seize
from recouvre.domain.withholding import BenefitPayment
from recouvre.service.context import Services, refusals
from recouvre.storage import repository
from recouvre.storage.tables import DebtorRow
from recouvre.storage.third_party_tables import SatdNoticeRow, SatdPayableRow

ACTIVE = "active"
RELEASED = "released"
DUE = "due"
PAID = "paid"


@dataclass(frozen=True)
class NoticeView:
    id: int
    debtor_ref: str
    creditor: str
    reference: str
    kind: DebtKind
    amount: Cents
    received_on: date
    received_at: datetime
    status: str
    released_on: date | None
    set_aside: Cents
    """What the benefit payments owe or paid the creditor under this notice."""
    paid: Cents

    @property
    def remaining(self) -> Cents:
        return max(self.amount - self.set_aside, 0)


@dataclass(frozen=True)
class PayableView:
    id: int
    notice_id: int
    debtor_ref: str
    creditor: str
    reference: str
    paid_on: date
    due_on: date
    benefit: str
    amount: Cents
    status: str
    settled_on: date | None


def _debtor(session: Session, organism_id: int, ref: str) -> DebtorRow:
    row = session.scalar(select(DebtorRow).where(DebtorRow.organism_id == organism_id, DebtorRow.ref == ref))
    if row is None:
        raise NotFound("debtor", ref, "débiteur inconnu dans cet organisme")
    return row


def _set_aside(session: Session, notice_ids: Sequence[int]) -> dict[int, tuple[Cents, Cents]]:
    """Per notice: the total of its payables, and of those paid."""
    found: dict[int, tuple[Cents, Cents]] = {}
    if not notice_ids:
        return found
    paid = func.sum(case((SatdPayableRow.status == PAID, SatdPayableRow.amount_cents), else_=0))
    query = (
        select(SatdPayableRow.notice_id, func.sum(SatdPayableRow.amount_cents), paid)
        .where(SatdPayableRow.notice_id.in_(list(notice_ids)))
        .group_by(SatdPayableRow.notice_id)
    )
    for notice_id, total, settled in session.execute(query):
        found[int(notice_id)] = (int(total or 0), int(settled or 0))
    return found


def _notice_view(row: SatdNoticeRow, debtor_ref: str, figures: tuple[Cents, Cents]) -> NoticeView:
    return NoticeView(
        id=row.id,
        debtor_ref=debtor_ref,
        creditor=row.creditor,
        reference=row.reference,
        kind=DebtKind(row.debt_kind),
        amount=row.amount_cents,
        received_on=row.received_on,
        received_at=row.received_at if row.received_at.tzinfo else row.received_at.replace(tzinfo=UTC),
        status=row.status,
        released_on=row.released_on,
        set_aside=figures[0],
        paid=figures[1],
    )


def record_notice(
    services: Services,
    organism_code: str,
    debtor_ref: str,
    *,
    creditor: str,
    reference: str,
    kind: DebtKind,
    amount: Cents,
    received_on: date,
    received_at: datetime | None = None,
    actor: str = "",
    why: str = "",
) -> NoticeView:
    """Record a notice received (idempotent by debtor and reference)."""
    if amount <= 0:
        raise DomainError("satd.amount", amount, "le montant de la saisie doit être positif")
    if not creditor.strip() or not reference.strip():
        raise DomainError(
            "satd.creditor", creditor, "créancier saisissant et référence de l'avis obligatoires"
        )
    if received_at is not None and received_at.date() != received_on:
        raise DomainError(
            "satd.received_at", received_at.isoformat(), "l'heure de réception doit être du jour reçu"
        )
    with refusals(services, organism_code, received_on), services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        debtor = _debtor(session, organism_id, debtor_ref)
        key = f"{organism_code}:satd:{debtor_ref}:{reference.strip()}"
        row = session.scalar(select(SatdNoticeRow).where(SatdNoticeRow.key == key))
        if row is None:
            moment = received_at or datetime.combine(received_on, time(), tzinfo=UTC)
            row = SatdNoticeRow(
                key=key,
                organism_id=organism_id,
                debtor_id=debtor.id,
                creditor=creditor.strip(),
                reference=reference.strip(),
                debt_kind=kind.value,
                amount_cents=amount,
                received_on=received_on,
                received_at=moment,
                status=ACTIVE,
                recorded_by=actor,
                recorded_why=why,
                data={},
            )
            session.add(row)
            session.flush()
        return _notice_view(row, debtor_ref, _set_aside(session, [row.id]).get(row.id, (0, 0)))


def _notice(session: Session, organism_id: int, notice_id: int) -> SatdNoticeRow:
    row = session.get(SatdNoticeRow, notice_id)
    if row is None or row.organism_id != organism_id:
        raise NotFound("satd", notice_id, "saisie inconnue dans cet organisme")
    return row


def release(
    services: Services, organism_code: str, notice_id: int, on: date, *, actor: str = "", why: str = ""
) -> NoticeView:
    """The seizing creditor lifts the notice (mainlevée) on ``on``: later runs take nothing."""
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        row = _notice(session, organism_id, notice_id)
        if row.status == RELEASED:
            raise Refused("satd_release", str(notice_id), "la saisie a déjà fait l'objet d'une mainlevée")
        if on < row.received_on:
            raise Refused(
                "satd_release", str(notice_id), "la mainlevée ne peut précéder la réception de l'avis"
            )
        row.status = RELEASED
        row.released_on = on
        row.data = {**(row.data or {}), "released_by": actor, "released_why": why}
        debtor = session.get(DebtorRow, row.debtor_id)
        assert debtor is not None
        return _notice_view(row, debtor.ref, _set_aside(session, [row.id]).get(row.id, (0, 0)))


def notices(services: Services, organism_code: str, debtor_ref: str | None = None) -> list[NoticeView]:
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        query = (
            select(SatdNoticeRow, DebtorRow.ref)
            .join(DebtorRow, DebtorRow.id == SatdNoticeRow.debtor_id)
            .where(SatdNoticeRow.organism_id == organism_id)
            .order_by(SatdNoticeRow.received_at, SatdNoticeRow.id)
        )
        if debtor_ref is not None:
            query = query.where(DebtorRow.ref == debtor_ref)
        rows = list(session.execute(query).all())
        figures = _set_aside(session, [row.id for row, _ in rows])
        return [_notice_view(row, ref, figures.get(row.id, (0, 0))) for row, ref in rows]


def payables(services: Services, organism_code: str, *, status: str | None = DUE) -> list[PayableView]:
    """The sums owed to seizing creditors (by due date), or all of them (``status=None``)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        query = (
            select(SatdPayableRow, SatdNoticeRow, DebtorRow.ref)
            .join(SatdNoticeRow, SatdNoticeRow.id == SatdPayableRow.notice_id)
            .join(DebtorRow, DebtorRow.id == SatdPayableRow.debtor_id)
            .where(SatdNoticeRow.organism_id == organism_id)
            .order_by(SatdPayableRow.due_on, SatdPayableRow.id)
        )
        if status is not None:
            query = query.where(SatdPayableRow.status == status)
        return [
            PayableView(
                payable.id,
                notice.id,
                ref,
                notice.creditor,
                notice.reference,
                payable.paid_on,
                payable.due_on,
                payable.benefit,
                payable.amount_cents,
                payable.status,
                payable.settled_on,
            )
            for payable, notice, ref in session.execute(query).all()
        ]


def pay(services: Services, organism_code: str, payable_id: int, on: date) -> PayableView:
    """Record that the payable was paid to the seizing creditor on ``on``."""
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        payable = session.get(SatdPayableRow, payable_id)
        notice = None if payable is None else session.get(SatdNoticeRow, payable.notice_id)
        if payable is None or notice is None or notice.organism_id != organism_id:
            raise NotFound("satd_payable", payable_id, "somme à reverser inconnue dans cet organisme")
        if payable.status == PAID:
            raise Refused(
                "satd_payment", str(payable_id), "cette somme a déjà été reversée au créancier saisissant"
            )
        if on < payable.paid_on:
            raise Refused(
                "satd_payment",
                str(payable_id),
                "le reversement ne peut précéder le versement des prestations",
            )
        payable.status = PAID
        payable.settled_on = on
        debtor = session.get(DebtorRow, payable.debtor_id)
        assert debtor is not None
        return PayableView(
            payable.id,
            notice.id,
            debtor.ref,
            notice.creditor,
            notice.reference,
            payable.paid_on,
            payable.due_on,
            payable.benefit,
            payable.amount_cents,
            payable.status,
            payable.settled_on,
        )


# The hook of the benefit-payment run --------------------------------------------------------------

PAYABLE_COLUMNS = ("key", "notice_id", "debtor_id", "paid_on", "due_on", "benefit", "amount_cents", "status")


@dataclass(frozen=True)
class RunSeizures:
    seized: dict[int, Cents]
    """Per index of the run's item: the total set aside for seizing creditors."""
    detail: dict[int, list[dict[str, object]]]
    """Per index: one entry per notice (id, creditor, amount, per benefit), for the explanation."""
    rows: list[tuple[object, ...]]
    """The ``satd_payables`` rows to insert (``PAYABLE_COLUMNS``)."""


def run_seizures(
    session: Session,
    organism_code: str,
    organism_id: int,
    run_id: str,
    items: Sequence[tuple[int, int, BenefitPayment, Cents]],
) -> RunSeizures:
    """For each ``(index, debtor_id, payment, own_withheld)`` of a benefit-payment run, what the
    notices in force on the payment date take (``domain.satd.seize``), after the organism's own
    withholding. A debtor without a notice costs one grouped read for the whole run."""
    result = RunSeizures({}, {}, [])
    debtor_ids = sorted({debtor_id for _, debtor_id, _, _ in items})
    if not debtor_ids:
        return result
    by_debtor: dict[int, list[SatdNoticeRow]] = {}
    for part in repository.chunks(debtor_ids):
        query = select(SatdNoticeRow).where(
            SatdNoticeRow.organism_id == organism_id,
            repository.one_of(session, SatdNoticeRow.debtor_id, part),
        )
        for row in session.scalars(query):
            by_debtor.setdefault(row.debtor_id, []).append(row)
    if not by_debtor:
        return result
    figures = _set_aside(session, [row.id for rows in by_debtor.values() for row in rows])
    taken: dict[int, Cents] = {notice_id: total for notice_id, (total, _) in figures.items()}
    for index, debtor_id, payment, own in items:
        rows = [
            row
            for row in by_debtor.get(debtor_id, [])
            if row.received_on <= payment.paid_on
            and (row.released_on is None or row.released_on > payment.paid_on)
        ]
        if not rows:
            continue
        found = {row.id: row for row in rows}
        in_force = [
            Notice(
                row.id,
                DebtKind(row.debt_kind),
                row.received_at if row.received_at.tzinfo else row.received_at.replace(tzinfo=UTC),
                max(row.amount_cents - taken.get(row.id, 0), 0),
            )
            for row in rows
        ]
        paid: dict[Benefit, Cents] = {}
        for benefit, amount in (*payment.regular.items(), *payment.arrears.items()):
            paid[Benefit(benefit)] = paid.get(Benefit(benefit), 0) + amount
        total = 0
        detail: list[dict[str, object]] = []
        for seizure in seize(paid, own, in_force):
            if seizure.amount == 0:
                continue
            notice = found[seizure.notice_id]
            taken[notice.id] = taken.get(notice.id, 0) + seizure.amount
            total += seizure.amount
            detail.append(
                {
                    "notice": notice.id,
                    "creditor": notice.creditor,
                    "reference": notice.reference,
                    "amount_cents": seizure.amount,
                    "due_on": due_on(payment.paid_on).isoformat(),
                    "by_benefit": {b.value: a for b, a in seizure.by_benefit.items()},
                }
            )
            for benefit, amount in sorted(seizure.by_benefit.items()):
                key = f"{organism_code}:satd:{notice.id}:{run_id}:{payment.debtor_ref}:{benefit.value}"
                result.rows.append(
                    (
                        key,
                        notice.id,
                        debtor_id,
                        payment.paid_on,
                        due_on(payment.paid_on),
                        benefit.value,
                        amount,
                        DUE,
                    )
                )
        if total:
            result.seized[index] = total
            result.detail[index] = detail
    return result
