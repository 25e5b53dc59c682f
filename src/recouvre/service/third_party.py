"""Recovery on behalf of a third party (procedure 10): transfer to the département, change of
département on a move, the transfer file and the monthly statement per creditor.

The rules are in ``recouvre.domain.third_party`` (CASF L262-46, R-TIERS-1, Sénat QE 2012).

* ``transfer``: an RSA claim recovered for the département whose debtor receives no more benefit
  is handed over to the président du conseil départemental. One unit of work: a
  ``claim_transfers`` row with the figures handed over (principal, extras, costs, recovered,
  balance), a ``transferred`` claim event (status ``transferred``: ``domain.status``), a
  ``transfer`` suspension without end (the withholding run and the monthly cycle leave the
  claim: ``service.eligibility`` and ``domain.cycle`` read ``claim_state``), its open tasks
  closed (``queues``), a letter ``transfer_departement`` to the département and a letter
  ``transfer_notice`` to the debtor, both in the outbox. No movement is booked: the claim's
  ledger stays as it was, its balance now the département's to recover (titre de recettes).
* ``move``: the debtor moved; the claim is recovered for the new département from that date (a
  ``departement`` claim event and a ``claim_transfers`` row of kind ``move``), and the new
  département gets a ``transfer_departement`` letter with the claim's figures.
* ``transfer_file``: the claim's figures and whole history (movements, events) as rows, for a
  CSV or Parquet file (``adapters.third_party_files``).
* ``statement``: per creditor (a département, the State, the FNAL) and month, the sums
  established and recovered on its behalf, claim by claim (``domain.third_party.statement_figures``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from recouvre.domain.days import RANGE_REASON, supported
from recouvre.domain.errors import DomainError, NotFound, Refused
from recouvre.domain.ledger import Movement, MovementKind
from recouvre.domain.model import Creditor
from recouvre.domain.money import Cents
from recouvre.domain.third_party import (
    FNAL_BENEFITS,
    FUNDER_NAMES,
    STATE_BENEFITS,
    Funder,
    StatementFigures,
    TransferFigures,
    departement_code,
    move_refusal,
    statement_figures,
    transfer_figures,
    transfer_refusal,
)
from recouvre.service import prescription, queues, subjects, suspensions
from recouvre.service.claims import find_claim
from recouvre.service.context import Services, refusals
from recouvre.service.transfers import TRANSFERRED_EVENT, transfer_of
from recouvre.storage import repository
from recouvre.storage.back_office_tables import PlacementRow
from recouvre.storage.repository import LetterDraft
from recouvre.storage.tables import ClaimEventRow, ClaimRow, DebtorRow, MovementRow
from recouvre.storage.third_party_tables import ClaimTransferRow

DEPARTEMENT_EVENT = "departement"
TRANSFER_LETTER = "transfer_departement"
NOTICE_LETTER = "transfer_notice"
SUSPENSION = "transfer"


@dataclass(frozen=True)
class TransferView:
    id: int
    claim_ref: str
    debtor_ref: str
    kind: str
    departement: str
    from_departement: str | None
    on: date
    principal: Cents
    extras: Cents
    costs: Cents
    recovered: Cents
    balance: Cents
    reason: str


def _key(organism: str, claim_ref: str, *parts: str) -> str:
    return ":".join((organism, claim_ref, "third_party", *parts))


def current_departement(session: Session, claim_id: int, on: date) -> str | None:
    """The département a claim is recovered for at the end of ``on`` (its last ``departement``
    event), ``None`` when never recorded."""
    found = None
    for event in repository.claim_events(session, claim_id, until=on):
        if event.kind == DEPARTEMENT_EVENT:
            found = str(event.data["code"])
    return found


def _transferred(session: Session, claim_id: int, on: date) -> bool:
    return transfer_of(session, claim_id, on) is not None


def _view(row: ClaimTransferRow, claim_ref: str, debtor_ref: str) -> TransferView:
    return TransferView(
        id=row.id,
        claim_ref=claim_ref,
        debtor_ref=debtor_ref,
        kind=row.kind,
        departement=row.departement,
        from_departement=row.from_departement,
        on=row.occurred_on,
        principal=row.principal_cents,
        extras=row.extras_cents,
        costs=row.costs_cents,
        recovered=row.recovered_cents,
        balance=row.balance_cents,
        reason=row.reason,
    )


def _record(
    session: Session,
    key: str,
    row: ClaimRow,
    kind: str,
    departement: str,
    previous: str | None,
    on: date,
    figures: TransferFigures,
    reason: str,
    actor: str,
    why: str,
) -> ClaimTransferRow:
    found = session.scalar(select(ClaimTransferRow).where(ClaimTransferRow.key == key))
    if found is not None:
        return found
    transfer = ClaimTransferRow(
        key=key,
        organism_id=row.organism_id,
        claim_id=row.id,
        kind=kind,
        departement=departement,
        from_departement=previous,
        occurred_on=on,
        principal_cents=figures.principal,
        extras_cents=figures.extras,
        costs_cents=figures.costs,
        recovered_cents=figures.recovered,
        balance_cents=figures.balance,
        reason=reason,
        recorded_by=actor,
        recorded_why=why,
    )
    session.add(transfer)
    session.flush()
    return transfer


def _letter_data(transfer: ClaimTransferRow) -> dict[str, object]:
    return {
        "transfer_id": transfer.id,
        "transfer_kind": transfer.kind,
        "departement": transfer.departement,
        "from_departement": transfer.from_departement,
        "principal_cents": transfer.principal_cents,
        "extras_cents": transfer.extras_cents,
        "costs_cents": transfer.costs_cents,
        "recovered_cents": transfer.recovered_cents,
        "balance_cents": transfer.balance_cents,
        "motive": transfer.reason,
        "effective_on": transfer.occurred_on.isoformat(),
    }


def transfer(
    services: Services,
    organism_code: str,
    claim_ref: str,
    on: date,
    *,
    departement: str | None = None,
    benefits_ended_on: date | None = None,
    reason: str = "",
    actor: str = "",
    why: str = "",
) -> TransferView:
    """Transfer an RSA claim to the département (R-TIERS-1); refused as ``transfer_refusal`` says.

    ``benefits_ended_on``: the day the debtor's last benefit ended, when the caller states it (the
    debtor's ``receives_benefits`` is then cleared). A replay on the same date changes nothing."""
    code = departement_code(departement) if departement else None
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        organism, row = find_claim(services, session, organism_code, claim_ref)
        debtor = session.get(DebtorRow, row.debtor_id)
        assert debtor is not None
        key = _key(organism_code, claim_ref, "transfer")
        done = session.scalar(select(ClaimTransferRow).where(ClaimTransferRow.key == key))
        if done is not None:
            return _view(done, row.ref, debtor.ref)
        if row.established_on > on:
            raise Refused("third_party_transfer", claim_ref, f"créance {claim_ref} non encore constatée")
        if benefits_ended_on is not None:
            if benefits_ended_on > on:
                raise Refused(
                    "third_party_transfer",
                    claim_ref,
                    "la fin des prestations ne peut être postérieure au transfert",
                )
            debtor.receives_benefits = False
        target = code or current_departement(session, row.id, on)
        ledger = repository.load_ledger(session, row.id, until=on)
        policy = services.policy(organism)
        refusal = transfer_refusal(
            creditor=Creditor(row.creditor),
            balance=ledger.balance,
            receives_benefits=debtor.receives_benefits,
            transferred=_transferred(session, row.id, on),
            departement=target,
            prescribed=row.id in prescription.prescribed_claims(session, [row.id], on, policy),
        )
        if refusal is not None or target is None:
            raise Refused("third_party_transfer", claim_ref, refusal or "département inconnu")
        previous = current_departement(session, row.id, on)
        if previous != target:
            repository.add_claim_event(
                session,
                _key(organism_code, claim_ref, "departement", on.isoformat(), target),
                row.id,
                on,
                DEPARTEMENT_EVENT,
                {"code": target, "by": actor, "why": why},
            )
        figures = transfer_figures(ledger)
        record = _record(session, key, row, "transfer", target, previous, on, figures, reason, actor, why)
        repository.add_claim_event(
            session,
            key,
            row.id,
            on,
            TRANSFERRED_EVENT,
            {
                "departement": target,
                "balance": figures.balance,
                "benefits_ended_on": benefits_ended_on.isoformat() if benefits_ended_on else None,
                "reason": reason,
                "by": actor,
                "why": why,
            },
        )
        suspensions.suspend(
            session,
            row.id,
            SUSPENSION,
            on,
            key=_key(organism_code, claim_ref, "suspend"),
            by=actor,
            why=f"transfert au département {target}",
        )
        queues.close_tasks_of_claims(services, session, organism_code, on, [row.id])
        # A placement with an agency ends with the transfer: the claim is no longer the organism's to
        # recover (SCENARIOS.md "Agencies": recalled the same day when recovery stops).
        for placement in session.scalars(
            select(PlacementRow).where(PlacementRow.claim_id == row.id, subjects.placed_on(on))
        ):
            placement.placed_until = on
            placement.recalled_by = actor or "system"
        data = _letter_data(record)
        repository.insert_letters(
            session,
            [
                LetterDraft(
                    key=_key(organism_code, claim_ref, "letter", "departement"),
                    organism_id=row.organism_id,
                    debtor_id=row.debtor_id,
                    type=TRANSFER_LETTER,
                    issued_on=on,
                    claim_ids=(row.id,),
                    data=data,
                ),
                LetterDraft(
                    key=_key(organism_code, claim_ref, "letter", "debtor"),
                    organism_id=row.organism_id,
                    debtor_id=row.debtor_id,
                    type=NOTICE_LETTER,
                    issued_on=on,
                    claim_ids=(row.id,),
                    data=data,
                ),
            ],
        )
        return _view(record, row.ref, debtor.ref)


def move(
    services: Services,
    organism_code: str,
    claim_ref: str,
    on: date,
    new_departement: str,
    *,
    reason: str = "",
    actor: str = "",
    why: str = "",
) -> TransferView:
    """The debtor moved: the claim is recovered for ``new_departement`` from ``on`` (Sénat QE
    2012), which gets a letter with the claim's figures. Refused as ``move_refusal`` says."""
    code = departement_code(new_departement)
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        debtor = session.get(DebtorRow, row.debtor_id)
        assert debtor is not None
        key = _key(organism_code, claim_ref, "move", on.isoformat(), code)
        done = session.scalar(select(ClaimTransferRow).where(ClaimTransferRow.key == key))
        if done is not None:
            return _view(done, row.ref, debtor.ref)
        previous = current_departement(session, row.id, on)
        refusal = move_refusal(
            creditor=Creditor(row.creditor),
            transferred=_transferred(session, row.id, on),
            current=previous,
            new=code,
        )
        if refusal is not None:
            raise Refused("third_party_move", claim_ref, refusal)
        ledger = repository.load_ledger(session, row.id, until=on)
        record = _record(
            session, key, row, "move", code, previous, on, transfer_figures(ledger), reason, actor, why
        )
        repository.add_claim_event(
            session,
            key,
            row.id,
            on,
            DEPARTEMENT_EVENT,
            {"code": code, "from": previous, "by": actor, "why": why},
        )
        repository.insert_letters(
            session,
            [
                LetterDraft(
                    key=_key(organism_code, claim_ref, "letter", "move", on.isoformat(), code),
                    organism_id=row.organism_id,
                    debtor_id=row.debtor_id,
                    type=TRANSFER_LETTER,
                    issued_on=on,
                    claim_ids=(row.id,),
                    data=_letter_data(record),
                )
            ],
        )
        return _view(record, row.ref, debtor.ref)


def transfers_of(services: Services, organism_code: str, claim_ref: str) -> list[TransferView]:
    with services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        debtor = session.get(DebtorRow, row.debtor_id)
        assert debtor is not None
        rows = session.scalars(
            select(ClaimTransferRow)
            .where(ClaimTransferRow.claim_id == row.id)
            .order_by(ClaimTransferRow.occurred_on, ClaimTransferRow.id)
        )
        return [_view(item, row.ref, debtor.ref) for item in rows]


# The transfer file -------------------------------------------------------------------------------

FILE_COLUMNS = ("claim", "debtor", "departement", "record", "date", "kind", "amount", "detail")
"""One row per figure (``record = summary``), movement and event of the claim."""


@dataclass(frozen=True)
class FileRow:
    claim: str
    debtor: str
    departement: str
    record: str
    on: date
    kind: str
    amount: Cents | None
    detail: str


def transfer_file(services: Services, organism_code: str, claim_ref: str) -> list[FileRow]:
    """The claim's last transfer (or move) with its whole history, as of the transfer date: the
    figures handed over, then every movement and every event (ASH n° 2725: the convention fixes
    the detail of the reason; the whole history is given)."""
    with services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        debtor = session.get(DebtorRow, row.debtor_id)
        assert debtor is not None
        found = session.scalars(
            select(ClaimTransferRow)
            .where(ClaimTransferRow.claim_id == row.id)
            .order_by(ClaimTransferRow.occurred_on.desc(), ClaimTransferRow.id.desc())
        ).first()
        if found is None:
            raise NotFound("transfer", claim_ref, f"aucun transfert pour la créance {claim_ref}")
        on, dep = found.occurred_on, found.departement

        def line(record: str, day: date, kind: str, amount: Cents | None, detail: str) -> FileRow:
            return FileRow(row.ref, debtor.ref, dep, record, day, kind, amount, detail)

        rows = [
            line("summary", on, "benefit", None, row.benefit),
            line("summary", on, "transfer_kind", None, found.kind),
            line("summary", on, "principal", found.principal_cents, ""),
            line("summary", on, "extras", found.extras_cents, "indemnité de fraude, majorations"),
            line("summary", on, "costs", found.costs_cents, "frais"),
            line("summary", on, "recovered", found.recovered_cents, "retenues et paiements"),
            line("summary", on, "balance", found.balance_cents, found.reason),
        ]
        for movement in repository.load_ledger(session, row.id, until=on):
            rows.append(
                line("movement", movement.booked_on, movement.kind.value, movement.amount, movement.note)
            )
        for event in repository.claim_events(session, row.id, until=on):
            detail = ", ".join(
                f"{k}={v}" for k, v in sorted(event.data.items()) if k not in {"by"} and v not in (None, "")
            )
            rows.append(line("event", event.occurred_on, event.kind, None, detail))
        return rows


# The monthly statement ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    claim: str
    debtor: str
    benefit: str
    departement: str | None
    established: Cents
    recovered: Cents
    transferred: bool


@dataclass(frozen=True)
class Statement:
    organism: str
    funder: Funder
    creditor_name: str
    departement: str | None
    start: date
    end: date
    lines: tuple[StatementLine, ...]

    @property
    def established(self) -> Cents:
        return sum(line.established for line in self.lines)

    @property
    def recovered(self) -> Cents:
        return sum(line.recovered for line in self.lines)


def _movement(row: MovementRow) -> Movement:
    return Movement(
        key=row.key,
        kind=MovementKind(row.kind),
        amount=row.amount_cents,
        signed=row.signed_cents,
        booked_on=row.booked_on,
        sequence=row.sequence,
        reverses=row.reverses_key,
        channel=row.channel,
        note=row.note,
    )


def month_bounds(month: str) -> tuple[date, date]:
    """``2027-03`` → 1 and 31 March 2027; ``DomainError`` for anything else."""
    try:
        start = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise DomainError("month", month, "un mois AAAA-MM") from None
    if not supported(start) or not supported(start.replace(day=28)):
        raise DomainError("month", month, RANGE_REASON)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return start, end


def statement(
    services: Services, organism_code: str, month: str, funder: Funder, departement: str | None = None
) -> Statement:
    """The sums established and recovered in ``month`` on behalf of ``funder`` (for the
    département: of ``departement`` when given, the claim's département on the month's last day),
    claim by claim; claims with nothing in the month are left out."""
    start, end = month_bounds(month)
    code = departement_code(departement) if departement else None
    if funder is Funder.DEPARTEMENT:
        whose = ClaimRow.creditor == Creditor.DEPARTEMENT.value
    else:
        benefits = FNAL_BENEFITS if funder is Funder.FNAL else STATE_BENEFITS
        whose = and_(
            ClaimRow.creditor == Creditor.OWN.value, ClaimRow.benefit.in_(sorted(b.value for b in benefits))
        )
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        active = (
            select(MovementRow.claim_id)
            .where(MovementRow.booked_on >= start, MovementRow.booked_on <= end)
            .distinct()
            .scalar_subquery()
        )
        candidates = session.execute(
            select(ClaimRow.id, ClaimRow.ref, ClaimRow.benefit, DebtorRow.ref)
            .join(DebtorRow, DebtorRow.id == ClaimRow.debtor_id)
            .where(ClaimRow.organism_id == organism_id, whose, ClaimRow.id.in_(active))
            .order_by(ClaimRow.ref)
        ).all()
        ids = [row[0] for row in candidates]
        movements: dict[int, list[Movement]] = {}
        departements: dict[int, str] = {}
        transferred_ids: set[int] = set()
        for part in repository.chunks(ids):
            for row in session.scalars(
                select(MovementRow)
                .where(MovementRow.claim_id.in_(part), MovementRow.booked_on <= end)
                .order_by(MovementRow.claim_id, MovementRow.sequence)
            ):
                movements.setdefault(row.claim_id, []).append(_movement(row))
            for claim_id, kind, data in session.execute(
                select(ClaimEventRow.claim_id, ClaimEventRow.kind, ClaimEventRow.data)
                .where(
                    ClaimEventRow.claim_id.in_(part),
                    ClaimEventRow.kind.in_((DEPARTEMENT_EVENT, TRANSFERRED_EVENT)),
                    ClaimEventRow.occurred_on <= end,
                )
                .order_by(ClaimEventRow.claim_id, ClaimEventRow.occurred_on, ClaimEventRow.id)
            ):
                if kind == TRANSFERRED_EVENT:
                    transferred_ids.add(claim_id)
                else:
                    departements[claim_id] = str(data["code"])
        lines: list[StatementLine] = []
        for claim_id, claim_ref, benefit, debtor_ref in candidates:
            dep = departements.get(claim_id) if funder is Funder.DEPARTEMENT else None
            if code is not None and dep != code:
                continue
            figures = statement_figures(movements.get(claim_id, []), start, end)
            if figures == StatementFigures():
                continue
            lines.append(
                StatementLine(
                    claim_ref,
                    debtor_ref,
                    benefit,
                    dep,
                    figures.established,
                    figures.recovered,
                    claim_id in transferred_ids,
                )
            )
        name = FUNDER_NAMES[funder] + (f" {code}" if code else "")
        return Statement(organism_code, funder, name, code, start, end, tuple(lines))


def statement_rows(found: Statement) -> tuple[tuple[str, ...], list[tuple[object, ...]]]:
    """The statement as columns and rows (amounts in cents), for a CSV or Parquet file."""
    columns = (
        "creditor",
        "month",
        "claim",
        "debtor",
        "benefit",
        "departement",
        "established",
        "recovered",
        "transferred",
    )
    month = found.start.strftime("%Y-%m")
    rows: list[tuple[object, ...]] = [
        (
            found.creditor_name,
            month,
            line.claim,
            line.debtor,
            line.benefit,
            line.departement or "",
            line.established,
            line.recovered,
            line.transferred,
        )
        for line in found.lines
    ]
    rows.append(
        (
            found.creditor_name,
            month,
            "TOTAL",
            "",
            "",
            found.departement or "",
            found.established,
            found.recovered,
            False,
        )
    )
    return columns, rows


def statement_pdf(found: Statement) -> bytes:
    """The statement as an A4 PDF (WeasyPrint), in French."""
    from recouvre.letters.statements import render_statement_pdf

    return render_statement_pdf(found, organism_name=found.organism)


def file_rows(rows: list[FileRow]) -> tuple[tuple[str, ...], list[tuple[object, ...]]]:
    """The transfer file as columns and rows (amounts in cents, ``None`` when not an amount)."""
    return FILE_COLUMNS, [
        (r.claim, r.debtor, r.departement, r.record, r.on, r.kind, r.amount, r.detail) for r in rows
    ]
