"""The API's agency routes (included in ``routes.router``): the organism's agencies and
contracts, the files handed over, and the agency portal — what an agency (collection agency or
bailiff) reports on the files placed with it, the payments it collects, its statements.

Imported at the end of ``recouvre.api.routes``: the routes are added to its ``router``.
An agency user reaches only the files placed with its agency on the day of the call: a claim not
placed with it, or recalled, is refused (403) and the denial is in the audit trail, like every
claim route (``security.authorize``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Path, Query, status
from pydantic import BaseModel, Field

from recouvre.api.deps import ActorDep, OrganismPath, RefPath, ServicesDep
from recouvre.api.routes import router
from recouvre.domain.money import format_amount, parse_amount
from recouvre.service import agency_reports, agency_work, commands, placements
from recouvre.service.models import Amount, Request, Why

AgencyPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
Key = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")]


def action(name: str) -> dict[str, Any]:
    return {"x-action": name}


class AgencyIn(Request):
    code: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    kind: Literal["amicable", "bailiff"]
    commission_rate: Annotated[str, Field(pattern=r"^[0-9]{1,3}(\.[0-9]{1,2})?$")]
    name: Annotated[str, Field(max_length=200)] = ""
    capacity: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    contract_from: date | None = None
    contract_until: date | None = None
    first_reminder_days: Annotated[int, Field(ge=0, le=366)] | None = None
    grid: list[dict[str, str | int | None]] = Field(default_factory=list, max_length=50)
    why: Why = ""


class AgencyOut(BaseModel):
    code: str
    name: str
    kind: str
    commission_rate: str
    capacity: int | None
    contract_from: date | None
    contract_until: date | None
    first_reminder_days: int | None
    grid: list[dict[str, object]]


def _agency(view: placements.AgencyView) -> AgencyOut:
    return AgencyOut(
        code=view.code,
        name=view.name,
        kind=view.kind,
        commission_rate=view.commission_rate,
        capacity=view.capacity,
        contract_from=view.contract_from,
        contract_until=view.contract_until,
        first_reminder_days=view.first_reminder_days,
        grid=[dict(item) for item in view.grid],
    )


@router.get(
    "/organisms/{organism}/agencies",
    tags=["agences"],
    response_model=list[AgencyOut],
    openapi_extra=action("agencies.read"),
)
def list_agencies(services: ServicesDep, actor: ActorDep, organism: OrganismPath) -> list[AgencyOut]:
    """The agencies and bailiffs under contract."""
    return [_agency(view) for view in commands.list_agencies(services, actor, organism)]


@router.post(
    "/organisms/{organism}/agencies",
    tags=["agences"],
    response_model=AgencyOut,
    openapi_extra=action("agencies.manage"),
)
def save_agency(services: ServicesDep, actor: ActorDep, organism: OrganismPath, body: AgencyIn) -> AgencyOut:
    """Register an agency's contract, or change it."""
    data = body.model_dump(exclude={"why"})
    data["id"] = data.pop("code")
    (spec,) = agency_work.contracts_from_data([data])
    return _agency(commands.save_agency(services, actor, organism, spec, body.why))


class FileOut(BaseModel):
    priority: int
    claim: str
    debtor: str
    debtor_kind: str
    debtor_name: str
    address: str
    email: str
    phone: str
    benefit: str
    principal: str
    balance: str
    notified_on: date | None
    placed_from: date
    phase: str
    title_letters: list[int]


@router.get(
    "/organisms/{organism}/agencies/{agency}/files",
    tags=["agences"],
    response_model=list[FileOut],
    openapi_extra=action("agencies.read"),
)
def agency_files(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    agency: AgencyPath,
    on: Annotated[date, Query(description="date (AAAA-MM-JJ)")],
) -> list[FileOut]:
    """The files placed with the agency on that date, by priority (the handover file; an agency
    reads its own only)."""
    return [
        FileOut(
            priority=item.priority,
            claim=item.claim_ref,
            debtor=item.debtor_ref,
            debtor_kind=item.debtor_kind,
            debtor_name=item.debtor_name,
            address=item.address,
            email=item.email,
            phone=item.phone,
            benefit=item.benefit,
            principal=format_amount(item.principal),
            balance=format_amount(item.balance),
            notified_on=item.notified_on,
            placed_from=item.placed_from,
            phase=item.phase,
            title_letters=list(item.title_letters),
        )
        for item in commands.handover(services, actor, organism, agency, on)
    ]


class AgencyPaymentIn(Request):
    agency: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    amount: Amount
    on: date
    key: Key
    why: Why = ""


class AgencyPaymentOut(BaseModel):
    claim: str
    agency: str
    amount: str
    commission: str
    rate: str
    movement: str


@router.post(
    "/organisms/{organism}/claims/{claim}/agency-payments",
    tags=["agences"],
    response_model=AgencyPaymentOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("payments.record"),
)
def agency_payment(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: AgencyPaymentIn
) -> AgencyPaymentOut:
    """A payment collected by the agency the claim is placed with (its commission accrues); an
    agency user declares its own collections only."""
    agency = actor.agency or body.agency or ""
    done = commands.record_agency_payment(
        services, actor, organism, claim, agency, parse_amount(body.amount), body.on, body.key, body.why
    )
    return AgencyPaymentOut(
        claim=done.claim_ref,
        agency=done.agency,
        amount=format_amount(done.amount),
        commission=format_amount(done.commission),
        rate=done.rate,
        movement=done.movement_key,
    )


class ReportIn(Request):
    kind: Literal[
        "contact", "letter", "address", "asset", "facility", "write_off", "bailiff_act", "remittance"
    ]
    on: date
    data: dict[str, str | int | None] = Field(default_factory=dict, max_length=20)
    key: Key
    why: Why = ""


class ReportOut(BaseModel):
    id: int
    agency: str
    claim: str
    kind: str
    reported_on: date
    data: dict[str, object]
    status: str
    reported_by: str
    decided_by: str | None
    decided_on: date | None


def _report(view: agency_reports.ReportView) -> ReportOut:
    data = {
        name: format_amount(value)
        if name in ("amount", "monthly", "estimated_value") and isinstance(value, int)
        else value
        for name, value in view.data.items()
    }
    return ReportOut(
        id=view.id,
        agency=view.agency,
        claim=view.claim_ref,
        kind=view.kind,
        reported_on=view.reported_on,
        data=data,
        status=view.status,
        reported_by=view.reported_by,
        decided_by=view.decided_by,
        decided_on=view.decided_on,
    )


@router.post(
    "/organisms/{organism}/claims/{claim}/agency-reports",
    tags=["agences"],
    response_model=ReportOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("agencies.report"),
)
def report(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: ReportIn
) -> ReportOut:
    """The agency reports on a file placed with it: a contact, a letter sent from the system's
    templates, an address, an asset found, a payment-facility or write-off proposal, a bailiff's
    act, a remittance."""
    return _report(
        commands.report(
            services, actor, organism, claim, body.kind, body.on, dict(body.data), key=body.key, why=body.why
        )
    )


@router.get(
    "/organisms/{organism}/agency-reports",
    tags=["agences"],
    response_model=list[ReportOut],
    openapi_extra=action("agencies.read"),
)
def list_reports(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    claim: Annotated[str | None, Query(max_length=64)] = None,
    report_status: Annotated[str | None, Query(alias="status", max_length=16)] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
) -> list[ReportOut]:
    """The agencies' reports (an agency: its own, on the files placed with it today)."""
    found = commands.list_reports(services, actor, organism, claim_ref=claim, status=report_status, kind=kind)
    return [_report(view) for view in found]


class DecisionIn(Request):
    approve: bool
    on: date
    why: Why = ""


@router.post(
    "/organisms/{organism}/agency-reports/{report_id}/decision",
    tags=["agences"],
    response_model=ReportOut,
    openapi_extra=action("agencies.decide"),
)
def decide_report(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    report_id: Annotated[int, Path(ge=1, le=2**62)],
    body: DecisionIn,
) -> ReportOut:
    """Approve (a plan is agreed / a write-off is proposed) or refuse an agency's proposal."""
    decided = commands.decide_report(services, actor, organism, report_id, body.approve, body.on, body.why)
    return _report(decided)


class StatementOut(BaseModel):
    agency: str
    kind: str
    month: str
    payments: int
    collected: str
    remitted: str
    gap: str
    commission: str


@router.get(
    "/organisms/{organism}/agency-statements",
    tags=["agences"],
    response_model=list[StatementOut],
    openapi_extra=action("agencies.read"),
)
def statements(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    month: Annotated[str, Query(pattern=r"^[0-9]{4}-[0-9]{2}$")],
    agency: Annotated[str | None, Query(max_length=64)] = None,
) -> list[StatementOut]:
    """The monthly commission statements with the reconciliation collected / remitted."""
    lines = commands.agency_statements(services, actor, organism, month, agency)
    return [StatementOut.model_validate(line.as_row()) for line in lines]


class LeagueOut(BaseModel):
    agency: str
    kind: str
    files: int
    placed_balance: str
    collected: str
    commission: str
    recovery_rate: Decimal
    cost_per_unit: Decimal | None
    days_to_first_contact: Decimal | None
    asset_share: Decimal
    service_level_share: Decimal | None


@router.get(
    "/organisms/{organism}/agency-league",
    tags=["agences"],
    response_model=list[LeagueOut],
    openapi_extra=action("agencies.read"),
)
def league(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> list[LeagueOut]:
    """The agencies' league table over the period."""
    return [
        LeagueOut(
            agency=row.agency,
            kind=row.kind,
            files=row.files,
            placed_balance=format_amount(row.placed_balance),
            collected=format_amount(row.collected),
            commission=format_amount(row.commission),
            recovery_rate=row.recovery_rate,
            cost_per_unit=row.cost_per_unit,
            days_to_first_contact=row.days_to_first_contact,
            asset_share=row.asset_share,
            service_level_share=row.service_level_share,
        )
        for row in commands.agency_league(services, actor, organism, start, end)
    ]
