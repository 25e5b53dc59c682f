"""REST routes of recovery for a third party (procedure 10) and of the SATD received, under
``/api/v1``. Each names its action (``x-action``, roles.yaml) and calls an authorised command of
``recouvre.service.commands.third_party``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from recouvre.api.deps import ActorDep, OrganismPath, RefPath, ServicesDep
from recouvre.api.routes import ERRORS, action
from recouvre.domain.money import format_amount, parse_amount
from recouvre.domain.satd import DebtKind
from recouvre.domain.third_party import Funder
from recouvre.service import satd, third_party
from recouvre.service.commands import third_party as commands

router = APIRouter(prefix="/api/v1", responses=ERRORS, tags=["recouvrement pour tiers"])


class TransferIn(BaseModel):
    on: date = Field(description="date du transfert")
    departement: str | None = Field(
        default=None, max_length=3, description="code du département (44, 2A, 974)"
    )
    benefits_ended_on: date | None = Field(
        default=None, description="date de fin des prestations du débiteur"
    )
    reason: str = Field(default="", max_length=2000)
    why: str = Field(default="", max_length=2000)


class MoveIn(BaseModel):
    on: date
    departement: str = Field(max_length=3, description="code du nouveau département")
    reason: str = Field(default="", max_length=2000)
    why: str = Field(default="", max_length=2000)


class TransferOut(BaseModel):
    id: int
    claim: str
    debtor: str
    kind: str
    departement: str
    from_departement: str | None
    on: date
    principal: str
    extras: str
    costs: str
    recovered: str
    balance: str
    reason: str


class StatementLineOut(BaseModel):
    claim: str
    debtor: str
    benefit: str
    departement: str | None
    established: str
    recovered: str
    transferred: bool


class StatementOut(BaseModel):
    creditor: str
    start: date
    end: date
    established: str
    recovered: str
    lines: list[StatementLineOut]


def _out(view: third_party.TransferView) -> TransferOut:
    return TransferOut(
        id=view.id,
        claim=view.claim_ref,
        debtor=view.debtor_ref,
        kind=view.kind,
        departement=view.departement,
        from_departement=view.from_departement,
        on=view.on,
        principal=format_amount(view.principal),
        extras=format_amount(view.extras),
        costs=format_amount(view.costs),
        recovered=format_amount(view.recovered),
        balance=format_amount(view.balance),
        reason=view.reason,
    )


@router.post(
    "/organisms/{organism}/claims/{claim}/transfer",
    response_model=TransferOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("third_party.transfer"),
)
def transfer_claim(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: TransferIn
) -> TransferOut:
    """Transfer an RSA claim to the département: the debtor receives no more benefits (CASF L262-46)."""
    return _out(
        commands.transfer_claim(
            services,
            actor,
            organism,
            claim,
            body.on,
            departement=body.departement,
            benefits_ended_on=body.benefits_ended_on,
            reason=body.reason,
            why=body.why,
        )
    )


@router.post(
    "/organisms/{organism}/claims/{claim}/departement",
    response_model=TransferOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("third_party.transfer"),
)
def move_claim(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: MoveIn
) -> TransferOut:
    """The debtor moved: the claim is recovered for the new département."""
    return _out(
        commands.move_claim(
            services, actor, organism, claim, body.on, body.departement, reason=body.reason, why=body.why
        )
    )


@router.get(
    "/organisms/{organism}/claims/{claim}/transfers",
    response_model=list[TransferOut],
    openapi_extra=action("claims.read"),
)
def claim_transfers(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath
) -> list[TransferOut]:
    """The claim's transfers and changes of département."""
    return [_out(view) for view in commands.transfers(services, actor, organism, claim)]


@router.get(
    "/organisms/{organism}/claims/{claim}/transfer-file",
    openapi_extra=action("third_party.read"),
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def transfer_file(services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath) -> Response:
    """The claim's transfer file (figures and whole history), as CSV."""
    import csv
    import io

    from recouvre.adapters.third_party_files import cell

    columns, rows = third_party.file_rows(commands.transfer_file(services, actor, organism, claim))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(name, value) for name, value in zip(columns, row, strict=True)])
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8")


@router.get(
    "/organisms/{organism}/third-party-statements/{creditor}",
    response_model=StatementOut,
    openapi_extra=action("third_party.read"),
    responses={200: {"content": {"application/pdf": {}}}},
)
def statement(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    creditor: Funder,
    month: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="mois AAAA-MM")],
    departement: Annotated[str | None, Query(max_length=3)] = None,
    format: Annotated[str, Query(pattern="^(json|pdf)$")] = "json",
) -> StatementOut | Response:
    """The monthly statement of sums established and recovered on behalf of a creditor."""
    found = commands.statement(services, actor, organism, month, creditor, departement)
    if format == "pdf":
        return Response(commands.statement_pdf(found), media_type="application/pdf")
    return StatementOut(
        creditor=found.creditor_name,
        start=found.start,
        end=found.end,
        established=format_amount(found.established),
        recovered=format_amount(found.recovered),
        lines=[
            StatementLineOut(
                claim=line.claim,
                debtor=line.debtor,
                benefit=line.benefit,
                departement=line.departement,
                established=format_amount(line.established),
                recovered=format_amount(line.recovered),
                transferred=line.transferred,
            )
            for line in found.lines
        ],
    )


# SATD received ------------------------------------------------------------------------------------


class SatdIn(BaseModel):
    creditor: str = Field(min_length=1, max_length=200, description="comptable public saisissant")
    reference: str = Field(min_length=1, max_length=64, description="référence de l'avis")
    kind: DebtKind = Field(description="fraud (indu frauduleux), maintenance (dette alimentaire) ou other")
    amount: str = Field(description="montant de la saisie, en euros")
    received_on: date
    received_at: datetime | None = Field(default=None, description="heure de réception (rang des saisies)")
    why: str = Field(default="", max_length=2000)


class SatdActIn(BaseModel):
    on: date
    why: str = Field(default="", max_length=2000)


class SatdOut(BaseModel):
    id: int
    debtor: str
    creditor: str
    reference: str
    kind: DebtKind
    amount: str
    received_on: date
    status: str
    released_on: date | None
    set_aside: str
    paid: str
    remaining: str


class PayableOut(BaseModel):
    id: int
    notice: int
    debtor: str
    creditor: str
    benefit: str
    paid_on: date
    due_on: date
    amount: str
    status: str
    settled_on: date | None


def _satd(view: satd.NoticeView) -> SatdOut:
    return SatdOut(
        id=view.id,
        debtor=view.debtor_ref,
        creditor=view.creditor,
        reference=view.reference,
        kind=view.kind,
        amount=format_amount(view.amount),
        received_on=view.received_on,
        status=view.status,
        released_on=view.released_on,
        set_aside=format_amount(view.set_aside),
        paid=format_amount(view.paid),
        remaining=format_amount(view.remaining),
    )


def _payable(view: satd.PayableView) -> PayableOut:
    return PayableOut(
        id=view.id,
        notice=view.notice_id,
        debtor=view.debtor_ref,
        creditor=view.creditor,
        benefit=view.benefit,
        paid_on=view.paid_on,
        due_on=view.due_on,
        amount=format_amount(view.amount),
        status=view.status,
        settled_on=view.settled_on,
    )


@router.post(
    "/organisms/{organism}/debtors/{debtor}/satd",
    response_model=SatdOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("satd.record"),
)
def record_satd(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, debtor: RefPath, body: SatdIn
) -> SatdOut:
    """Record a SATD received against the debtor's benefits (CSS L553-4: only what the law allows)."""
    return _satd(
        commands.record_satd(
            services,
            actor,
            organism,
            debtor,
            creditor=body.creditor,
            reference=body.reference,
            kind=body.kind,
            amount=parse_amount(body.amount, field="amount"),
            received_on=body.received_on,
            received_at=body.received_at,
            why=body.why,
        )
    )


@router.get(
    "/organisms/{organism}/debtors/{debtor}/satd",
    response_model=list[SatdOut],
    openapi_extra=action("debtors.read"),
)
def debtor_satd(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, debtor: RefPath
) -> list[SatdOut]:
    """The SATD received against the debtor."""
    return [_satd(view) for view in commands.satd_notices(services, actor, organism, debtor)]


@router.post(
    "/organisms/{organism}/satd/{notice}/release",
    response_model=SatdOut,
    openapi_extra=action("satd.release"),
)
def release_satd(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, notice: int, body: SatdActIn
) -> SatdOut:
    """The seizing creditor lifts its notice (mainlevée)."""
    return _satd(commands.release_satd(services, actor, organism, notice, body.on, body.why))


@router.get(
    "/organisms/{organism}/satd-payables", response_model=list[PayableOut], openapi_extra=action("satd.pay")
)
def satd_payables(services: ServicesDep, actor: ActorDep, organism: OrganismPath) -> list[PayableOut]:
    """The sums set aside for seizing creditors and not yet paid, by due date (30 days)."""
    return [_payable(view) for view in commands.satd_payables(services, actor, organism)]


@router.post(
    "/organisms/{organism}/satd-payables/{payable}/payment",
    response_model=PayableOut,
    openapi_extra=action("satd.pay"),
)
def pay_satd(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, payable: int, body: SatdActIn
) -> PayableOut:
    """Record the payment of a sum set aside to the seizing creditor."""
    return _payable(commands.pay_satd(services, actor, organism, payable, body.on, body.why))
