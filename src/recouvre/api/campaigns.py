"""Phone campaigns (télérecouvrement) in the REST API: build a campaign at a trigger, read its
call list and its KPIs, record a call's outcome (a code of ``call_outcomes.yaml``: any other is
refused with 422). The routes are added to ``recouvre.api.routes.router`` (prefix ``/api/v1``),
which imports this module at its end."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated, Any, Literal

from fastapi import Path, status
from pydantic import BaseModel, Field

from recouvre.api.deps import ActorDep, OrganismPath, ServicesDep
from recouvre.api.routes import OnQuery, router
from recouvre.domain.money import format_amount, parse_amount
from recouvre.service import campaigns as campaign_rules
from recouvre.service.commands import campaigns as commands
from recouvre.service.models import Amount, Request

TAGS: list[str | Enum] = ["télérecouvrement"]
IdPath = Annotated[int, Path(ge=1, le=2**62)]
Trigger = Literal["new_claim_without_rights", "default_m1", "default_m2", "end_of_rights"]


def _action(name: str) -> dict[str, Any]:
    return {"x-action": name}


class CampaignIn(Request):
    trigger: Trigger
    period_from: date
    period_to: date
    name: Annotated[str, Field(max_length=200)] = ""


class CampaignOut(BaseModel):
    id: int
    trigger: str
    trigger_label: str
    period_from: date
    period_to: date
    name: str
    created_by: str
    targets: int


class ClaimLineOut(BaseModel):
    ref: str
    balance: Amount
    established_on: date


class CallLineOut(BaseModel):
    id: int
    debtor: str
    debtor_name: str
    phone: str | None
    receives_benefits: bool
    claim: str
    triggered_on: date
    status: str
    attempts: int
    outcome: str | None
    callback_on: date | None
    claims: list[ClaimLineOut]
    total: Amount
    last_contacts: list[str]


class CallListOut(BaseModel):
    campaign: CampaignOut
    on: date
    script: str
    outcomes: dict[str, str] = Field(description="les codes d'issue permis et leur libellé")
    lines: list[CallLineOut]


class CallIn(Request):
    outcome: Annotated[str, Field(min_length=1, max_length=32, description="un code de call_outcomes.yaml")]
    on: date
    promise_amount: Annotated[str | None, Field(max_length=20, examples=["50.00"])] = None
    promise_due: date | None = None
    callback_on: date | None = None
    note: Annotated[str, Field(max_length=2000)] = ""


class CallOut(BaseModel):
    line: int
    outcome: str
    label: str


class KpiOut(BaseModel):
    name: str
    campaign: float | None
    seed: float
    numerator: int
    denominator: int


class KpisOut(BaseModel):
    campaign: int
    on: date
    kpis: list[KpiOut]


def _campaign(view: campaign_rules.CampaignView) -> CampaignOut:
    return CampaignOut(
        id=view.id,
        trigger=view.trigger,
        trigger_label=campaign_rules.TRIGGERS[view.trigger],
        period_from=view.period_from,
        period_to=view.period_to,
        name=view.name,
        created_by=view.created_by,
        targets=view.targets,
    )


@router.post(
    "/organisms/{organism}/campaigns",
    response_model=CampaignOut,
    status_code=status.HTTP_201_CREATED,
    tags=TAGS,
    openapi_extra=_action("campaigns.manage"),
)
def create_campaign(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, body: CampaignIn
) -> CampaignOut:
    """Build a campaign's call list at one of the four triggers over a period."""
    view = commands.create_campaign(
        services, actor, organism, body.trigger, body.period_from, body.period_to, body.name
    )
    return _campaign(view)


@router.get(
    "/organisms/{organism}/campaigns",
    response_model=list[CampaignOut],
    tags=TAGS,
    openapi_extra=_action("campaigns.read"),
)
def list_campaigns(services: ServicesDep, actor: ActorDep, organism: OrganismPath) -> list[CampaignOut]:
    return [_campaign(view) for view in commands.list_campaigns(services, actor, organism)]


@router.get(
    "/organisms/{organism}/campaigns/{campaign}/calls",
    response_model=CallListOut,
    tags=TAGS,
    openapi_extra=_action("campaigns.read"),
)
def call_list(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, campaign: IdPath, on: OnQuery
) -> CallListOut:
    """The lines to call on ``on``, each with the debtor's context, and the script."""
    view, lines, script = commands.call_list(services, actor, organism, campaign, on)
    return CallListOut(
        campaign=_campaign(view),
        on=on,
        script=script,
        outcomes={code: outcome.label for code, outcome in campaign_rules.call_outcomes().items()},
        lines=[
            CallLineOut(
                id=line.id,
                debtor=line.debtor_ref,
                debtor_name=line.debtor_name,
                phone=line.phone,
                receives_benefits=line.receives_benefits,
                claim=line.claim_ref,
                triggered_on=line.triggered_on,
                status=line.status,
                attempts=line.attempts,
                outcome=line.outcome,
                callback_on=line.callback_on,
                claims=[
                    ClaimLineOut(ref=c.ref, balance=format_amount(c.balance), established_on=c.established_on)
                    for c in line.claims
                ],
                total=format_amount(line.total),
                last_contacts=list(line.last_contacts),
            )
            for line in lines
        ],
    )


@router.post(
    "/organisms/{organism}/campaigns/{campaign}/calls/{line}",
    response_model=CallOut,
    status_code=status.HTTP_201_CREATED,
    tags=TAGS,
    openapi_extra=_action("campaigns.call"),
)
def record_call(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    campaign: IdPath,
    line: IdPath,
    body: CallIn,
) -> CallOut:
    """Record a call's outcome; an unknown code, or a promise without its amount and date, or a
    callback without its date, is refused (422)."""
    promise = None
    if body.promise_amount is not None and body.promise_due is not None:
        promise = commands.Promise(
            parse_amount(body.promise_amount, field="promise_amount"), body.promise_due
        )
    found = commands.record_call(
        services,
        actor,
        organism,
        campaign,
        line,
        body.outcome,
        body.on,
        promise=promise,
        callback_on=body.callback_on,
        note=body.note,
    )
    return CallOut(line=line, outcome=found.code, label=found.label)


@router.get(
    "/organisms/{organism}/campaigns/{campaign}/kpis",
    response_model=KpisOut,
    tags=TAGS,
    openapi_extra=_action("campaigns.read"),
)
def kpis(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, campaign: IdPath, on: OnQuery
) -> KpisOut:
    """Reached, effective when reached, formal notices against the previous year — with the
    seed's 60 %, 73 %, −47 %."""
    found = commands.kpis(services, actor, organism, campaign, on)
    seed = campaign_rules.SEED
    return KpisOut(
        campaign=campaign,
        on=on,
        kpis=[
            KpiOut(
                name="reached",
                campaign=found.reached_rate,
                seed=seed["reached"],
                numerator=found.reached,
                denominator=found.targets,
            ),
            KpiOut(
                name="effective_when_reached",
                campaign=found.effective_rate,
                seed=seed["effective"],
                numerator=found.effective,
                denominator=found.reached,
            ),
            KpiOut(
                name="formal_notices_vs_previous_year",
                campaign=found.formal_notices_change,
                seed=seed["formal_notices"],
                numerator=found.formal_notices,
                denominator=found.targets,
            ),
        ],
    )
