"""Over-indebtedness (surendettement, PM241 procedures 16-19): a debtor's file, step by step.

The rules are in ``recouvre.domain.over_indebtedness`` (C. conso. L722-2, L711-4; Cass. 2e civ.
16/11/2023 n° 21-25.567; CE 12/05/2023 n° 461606; R-SUR-1/2).

* ``admissible`` (16): the commission declared the file admissible. Recovery of every claim of
  the debtor existing that day is suspended (reason ``over_indebtedness``, until further notice:
  the plan, the personal recovery or the end of the file) and one ``claims_list`` letter lists
  the current claims for the commission.
* ``plan`` (17): the agreed plan sets an instalment plan of ``monthly`` on each claim with a
  balance (``plans.agree_plan``, origin ``over_indebtedness``); the first instalment is due one
  month after the plan's date, on the same day, unless ``first_due`` is given. Recovery resumes.
* ``contested`` (18): the organism contests the proposed plan; the contest and its deadline are
  recorded and recovery stays suspended.
* ``discharge`` (19, rétablissement personnel): a ``discharge`` movement erases, on each claim,
  the part made of undue payment lines paid before the date, except fraud against a
  social-protection body (kept whole); RSA fraud is erased. Recovery of what remains resumes.

``plan`` and ``discharge`` without an admissible file record one on their date: the
commission's decision is a fact the organism applies. ``plan`` runs ``agree_plan`` claim by
claim (each in its own transaction, idempotent by key), then resumes recovery in one more; a
replay after an interruption completes it without booking anything twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from recouvre.domain.errors import NotFound, Refused
from recouvre.domain.ledger import MovementKind, MovementRequest
from recouvre.domain.model import Benefit, Creditor, DomainError, Responsibility
from recouvre.domain.money import Cents
from recouvre.domain.over_indebtedness import DischargeDecision, DischargeFacts, FileStatus, discharge_all
from recouvre.service import queues, suspensions
from recouvre.service.context import Services, refusals
from recouvre.service.payments import post
from recouvre.service.plans import agree_plan
from recouvre.storage import repository
from recouvre.storage.claim_life_tables import OverIndebtednessFileRow
from recouvre.storage.repository import LetterDraft
from recouvre.storage.tables import ClaimRow

EVENT = "over_indebtedness"
REASON = "over_indebtedness"
INCREASES_AFTER_PRINCIPAL = frozenset({MovementKind.INDEMNITY, MovementKind.SURCHARGE, MovementKind.COSTS})


@dataclass(frozen=True)
class OverIndebtednessView:
    debtor_ref: str
    admissible_on: date
    status: FileStatus
    claims: tuple[str, ...]
    plan_on: date | None = None
    monthly: Cents | None = None
    contest_deadline: date | None = None
    discharged_on: date | None = None
    decisions: tuple[DischargeDecision, ...] = field(default_factory=tuple)


def _view(
    file: OverIndebtednessFileRow, debtor_ref: str, decisions: tuple[DischargeDecision, ...] = ()
) -> OverIndebtednessView:
    claims = file.data.get("claims", [])
    return OverIndebtednessView(
        debtor_ref=debtor_ref,
        admissible_on=file.admissible_on,
        status=FileStatus(file.status),
        claims=tuple(str(ref) for ref in claims) if isinstance(claims, list) else (),
        plan_on=file.plan_on,
        monthly=file.monthly_cents,
        contest_deadline=file.contest_deadline,
        discharged_on=file.discharged_on,
        decisions=decisions,
    )


def _debtor(services: Services, session: Session, organism_code: str, debtor_ref: str) -> tuple[int, int]:
    organism_id, _ = services.organism(session, organism_code)
    debtor_id = repository.debtor_ids(session, organism_id, [debtor_ref]).get(debtor_ref)
    if debtor_id is None:
        raise NotFound("debtor", debtor_ref, f"débiteur introuvable dans {organism_code}")
    return organism_id, debtor_id


def _open_file(session: Session, debtor_id: int, on: date) -> OverIndebtednessFileRow | None:
    query = (
        select(OverIndebtednessFileRow)
        .where(
            OverIndebtednessFileRow.debtor_id == debtor_id,
            OverIndebtednessFileRow.admissible_on <= on,
            OverIndebtednessFileRow.status != FileStatus.DISCHARGED.value,
        )
        .order_by(OverIndebtednessFileRow.admissible_on.desc(), OverIndebtednessFileRow.id.desc())
    )
    return session.scalars(query).first()


def _claims(session: Session, debtor_id: int, on: date) -> list[ClaimRow]:
    """The debtor's claims existing on ``on`` (established on or before it)."""
    query = (
        select(ClaimRow)
        .where(ClaimRow.debtor_id == debtor_id, ClaimRow.established_on <= on)
        .order_by(ClaimRow.established_on, ClaimRow.ref)
    )
    return list(session.scalars(query))


def _file_key(organism_code: str, debtor_ref: str, on: date) -> str:
    return f"{organism_code}:{debtor_ref}:over_indebtedness:{on.isoformat()}"


def _new_file(
    session: Session,
    organism_id: int,
    debtor_id: int,
    key: str,
    on: date,
    claims: list[ClaimRow],
    *,
    commission: str,
    procedure_ref: str,
    actor: str,
    why: str,
) -> OverIndebtednessFileRow:
    file = OverIndebtednessFileRow(
        key=key,
        organism_id=organism_id,
        debtor_id=debtor_id,
        admissible_on=on,
        status=FileStatus.ADMISSIBLE.value,
        commission=commission,
        procedure_ref=procedure_ref,
        recorded_by=actor,
        recorded_why=why,
        data={"claims": [row.ref for row in claims]},
    )
    session.add(file)
    return file


def _suspend_all(session: Session, claims: list[ClaimRow], on: date, key: str, actor: str, why: str) -> None:
    for row in claims:
        if REASON in suspensions.active_reasons(session, row.id, on):
            continue
        suspensions.suspend(
            session,
            row.id,
            REASON,
            on,
            key=f"{key}:{row.ref}:suspension",
            by=actor,
            why=why or "C. conso. L722-2: admissibility suspends recovery (R-SUR-1)",
        )


def _resume_all(session: Session, claims: list[ClaimRow], on: date, key: str, actor: str, why: str) -> None:
    for row in claims:
        if REASON in suspensions.active_reasons(session, row.id, on):
            suspensions.resume(session, row.id, REASON, on, key=f"{key}:{row.ref}:resume", by=actor, why=why)


def _event(session: Session, claims: list[ClaimRow], on: date, key: str, data: dict[str, object]) -> None:
    for row in claims:
        repository.add_claim_event(session, f"{key}:{row.ref}", row.id, on, EVENT, data)


def admissible(
    services: Services,
    organism_code: str,
    debtor_ref: str,
    on: date,
    *,
    commission: str = "",
    procedure_ref: str = "",
    actor: str = "",
    why: str = "",
) -> OverIndebtednessView:
    """Procedure 16: suspend recovery of the debtor's claims and send the list of current claims."""
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        organism_id, debtor_id = _debtor(services, session, organism_code, debtor_ref)
        key = _file_key(organism_code, debtor_ref, on)
        replayed = session.scalar(select(OverIndebtednessFileRow).where(OverIndebtednessFileRow.key == key))
        if replayed is not None:
            return _view(replayed, debtor_ref)
        current = _open_file(session, debtor_id, on)
        if current is not None:
            raise Refused(
                EVENT,
                debtor_ref,
                f"un dossier de surendettement recevable le {current.admissible_on.isoformat()} est ouvert",
            )
        claims = _claims(session, debtor_id, on)
        if not claims:
            raise Refused(
                EVENT, debtor_ref, f"le débiteur {debtor_ref} n'a aucune créance au {on.isoformat()}"
            )
        balances = {row.id: repository.load_ledger(session, row.id, until=on).balance for row in claims}
        listed = [row for row in claims if balances[row.id] > 0] or claims
        file = _new_file(
            session,
            organism_id,
            debtor_id,
            key,
            on,
            claims,
            commission=commission,
            procedure_ref=procedure_ref,
            actor=actor,
            why=why,
        )
        _suspend_all(session, claims, on, key, actor, why)
        _event(session, claims, on, key, {"step": "admissible", "by": actor, "why": why})
        repository.insert_letters(
            session,
            [
                LetterDraft(
                    key=f"{key}:claims_list",
                    organism_id=organism_id,
                    debtor_id=debtor_id,
                    type="claims_list",
                    issued_on=on,
                    claim_ids=tuple(row.id for row in listed),
                    data={
                        "procedure": "over_indebtedness",
                        "commission": commission,
                        "procedure_ref": procedure_ref,
                        "admissible_on": on.isoformat(),
                    },
                )
            ],
        )
        session.flush()
        return _view(file, debtor_ref)


def _file_for(
    session: Session,
    organism_id: int,
    debtor_id: int,
    organism_code: str,
    debtor_ref: str,
    on: date,
    actor: str,
    why: str,
) -> tuple[OverIndebtednessFileRow, list[ClaimRow]]:
    """The open file, or one recorded on ``on`` when the commission's decision comes first here."""
    file = _open_file(session, debtor_id, on)
    if file is None:
        claims = _claims(session, debtor_id, on)
        if not claims:
            raise Refused(
                EVENT, debtor_ref, f"le débiteur {debtor_ref} n'a aucune créance au {on.isoformat()}"
            )
        key = _file_key(organism_code, debtor_ref, on)
        file = _new_file(
            session,
            organism_id,
            debtor_id,
            key,
            on,
            claims,
            commission="",
            procedure_ref="",
            actor=actor,
            why=why,
        )
        session.flush()
        return file, claims
    refs = file.data.get("claims", [])
    rows = repository.claim_rows(
        session, organism_id, [str(ref) for ref in refs] if isinstance(refs, list) else []
    )
    return file, sorted(rows.values(), key=lambda row: (row.established_on, row.ref))


def plan(
    services: Services,
    organism_code: str,
    debtor_ref: str,
    on: date,
    monthly: Cents,
    *,
    first_due: date | None = None,
    actor: str = "",
    why: str = "",
) -> OverIndebtednessView:
    """Procedure 17: an instalment plan of ``monthly`` on each claim of the file, then resume."""
    if monthly <= 0:
        raise DomainError("over_indebtedness.monthly", monthly, "doit être positif")
    due = first_due or on + relativedelta(months=1)
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        organism_id, debtor_id = _debtor(services, session, organism_code, debtor_ref)
        file, claims = _file_for(session, organism_id, debtor_id, organism_code, debtor_ref, on, actor, why)
        owing = [row.ref for row in claims if repository.load_ledger(session, row.id, until=on).balance > 0]
        file_key = file.key
    for ref in owing:
        agree_plan(
            services,
            organism_code,
            ref,
            monthly,
            due,
            on,
            key=f"over_indebtedness:{on.isoformat()}",
            origin="over_indebtedness",
            by=actor,
            why=why or "over-indebtedness plan (procedure 17)",
        )
    with services.db.unit_of_work() as session:
        file = session.scalars(
            select(OverIndebtednessFileRow).where(OverIndebtednessFileRow.key == file_key)
        ).one()
        organism_id, debtor_id = _debtor(services, session, organism_code, debtor_ref)
        refs = file.data.get("claims", [])
        rows = repository.claim_rows(
            session, organism_id, [str(r) for r in refs] if isinstance(refs, list) else []
        )
        claims = sorted(rows.values(), key=lambda row: (row.established_on, row.ref))
        _resume_all(session, claims, on, f"{file_key}:plan", actor, why or "over-indebtedness plan agreed")
        _event(
            session,
            claims,
            on,
            f"{file_key}:plan:{on.isoformat()}",
            {"step": "plan", "monthly": monthly, "first_due": due.isoformat(), "by": actor, "why": why},
        )
        file.status = FileStatus.PLAN.value
        file.plan_on = on
        file.monthly_cents = monthly
        file.data = {**file.data, "plan": {"first_due": due.isoformat(), "claims": owing}}
        session.flush()
        return _view(file, debtor_ref)


def contested(
    services: Services,
    organism_code: str,
    debtor_ref: str,
    on: date,
    deadline: date,
    *,
    actor: str = "",
    why: str = "",
) -> OverIndebtednessView:
    """Procedure 18: the organism contests the proposed plan by ``deadline``; recovery stays suspended."""
    if deadline < on:
        raise DomainError("over_indebtedness.deadline", deadline.isoformat(), f"avant le {on.isoformat()}")
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        organism_id, debtor_id = _debtor(services, session, organism_code, debtor_ref)
        file = _open_file(session, debtor_id, on)
        if file is None:
            raise Refused(
                EVENT, debtor_ref, f"le débiteur {debtor_ref} n'a aucun dossier de surendettement ouvert"
            )
        _, claims = _file_for(session, organism_id, debtor_id, organism_code, debtor_ref, on, actor, why)
        _suspend_all(session, claims, on, f"{file.key}:contested:{on.isoformat()}", actor, why)
        _event(
            session,
            claims,
            on,
            f"{file.key}:contested:{on.isoformat()}",
            {"step": "contested", "deadline": deadline.isoformat(), "by": actor, "why": why},
        )
        file.status = FileStatus.CONTESTED.value
        file.contested_on = on
        file.contest_deadline = deadline
        session.flush()
        return _view(file, debtor_ref)


def discharge(
    services: Services, organism_code: str, debtor_ref: str, on: date, *, actor: str = "", why: str = ""
) -> OverIndebtednessView:
    """Procedure 19: personal recovery ordered on ``on`` erases what the law erases (R-SUR-2)."""
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        organism_id, debtor_id = _debtor(services, session, organism_code, debtor_ref)
        file, _ = _file_for(session, organism_id, debtor_id, organism_code, debtor_ref, on, actor, why)
        claims = _claims(session, debtor_id, on)
        facts: list[DischargeFacts] = []
        for row in claims:
            ledger = repository.load_ledger(session, row.id, until=on)
            increases = sum(
                m.amount
                for m in ledger.effective()
                if m.kind in INCREASES_AFTER_PRINCIPAL and m.booked_on >= on
            )
            facts.append(
                DischargeFacts(
                    claim_ref=row.ref,
                    benefit=Benefit(row.benefit),
                    creditor=Creditor(row.creditor),
                    responsibility=Responsibility(row.responsibility),
                    lines=repository.claim_lines(session, row.id),
                    balance=ledger.balance,
                    increases_since=increases,
                )
            )
        decisions = discharge_all(facts, on)
        by_ref = {row.ref: row for row in claims}
        for decision in decisions:
            if decision.erased <= 0:
                continue
            row = by_ref[decision.claim_ref]
            post(
                session,
                services,
                row,
                MovementRequest(
                    key=f"{organism_code}:{row.ref}:discharge:{on.isoformat()}",
                    kind=MovementKind.DISCHARGE,
                    amount=decision.erased,
                    booked_on=on,
                    note=f"rétablissement personnel : {decision.rule}",
                ),
            )
        _resume_all(session, claims, on, f"{file.key}:discharge", actor, why or "personal recovery ordered")
        for decision in decisions:
            row = by_ref[decision.claim_ref]
            repository.add_claim_event(
                session,
                f"{file.key}:discharge:{on.isoformat()}:{row.ref}",
                row.id,
                on,
                EVENT,
                {"step": "discharge", **decision.explain(), "by": actor, "why": why},
            )
        file.status = FileStatus.DISCHARGED.value
        file.discharged_on = on
        file.data = {
            **file.data,
            "discharge": [decision.explain() | {"claim": decision.claim_ref} for decision in decisions],
        }
        session.flush()
        queues.close_tasks_of_claims(services, session, organism_code, on, [row.id for row in claims])
        return _view(file, debtor_ref, tuple(decisions))


def file_of(services: Services, organism_code: str, debtor_ref: str, on: date) -> OverIndebtednessView | None:
    """The debtor's latest over-indebtedness file admissible on or before ``on``."""
    with services.db.unit_of_work() as session:
        _, debtor_id = _debtor(services, session, organism_code, debtor_ref)
        query = (
            select(OverIndebtednessFileRow)
            .where(
                OverIndebtednessFileRow.debtor_id == debtor_id, OverIndebtednessFileRow.admissible_on <= on
            )
            .order_by(OverIndebtednessFileRow.admissible_on.desc(), OverIndebtednessFileRow.id.desc())
        )
        file = session.scalars(query).first()
        return None if file is None else _view(file, debtor_ref)
