"""The CNSS's routes under ``/api/v1``: seizures (saisie-arrêt) on a claim in forced recovery,
amnesty applications. Each route names its action (``x-action``, roles.yaml)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from recouvre.api.deps import ActorDep, OrganismPath, RefPath, ServicesDep
from recouvre.api.routes import ERRORS, action
from recouvre.domain.money import format_amount, parse_amount
from recouvre.service import commands
from recouvre.service.seizures import SeizureAct, SeizureStep

router = APIRouter(prefix="/api/v1", responses=ERRORS)


class SeizureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: date = Field(description="date de l'acte")
    step: SeizureStep = Field(description="served, declared, collected ou released")
    reference: Annotated[str, Field(min_length=1, max_length=64, description="référence de la saisie")]
    third_party: Annotated[str, Field(max_length=200, description="tiers détenteur saisi")] = ""
    amount: str | None = Field(default=None, description="montant déclaré ou encaissé (« 1234.56 »)")
    why: Annotated[str, Field(max_length=2000)] = ""


class SeizureOut(BaseModel):
    claim: str
    reference: str
    step: str
    on: date
    third_party: str
    amount: str | None
    new: bool


def _out(act: SeizureAct) -> SeizureOut:
    return SeizureOut(
        claim=act.claim_ref,
        reference=act.reference,
        step=act.step.value,
        on=act.on,
        third_party=act.third_party,
        amount=None if act.amount is None else format_amount(act.amount),
        new=act.new,
    )


@router.post(
    "/organisms/{organism}/claims/{claim}/seizures",
    tags=["recouvrement forcé"],
    response_model=SeizureOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("seizures.record"),
)
def record_seizure(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: SeizureIn
) -> SeizureOut:
    """Record a step of a saisie-arrêt on a claim in forced recovery (CNSS); ``collected`` books
    the sums received as a payment on the claim."""
    amount = None if body.amount is None else parse_amount(body.amount, field="amount")
    act = commands.cnss.record_seizure(
        services,
        actor,
        organism,
        claim,
        body.on,
        body.step,
        body.reference,
        third_party=body.third_party,
        amount=amount,
        why=body.why,
    )
    return _out(act)


@router.get(
    "/organisms/{organism}/claims/{claim}/seizures",
    tags=["recouvrement forcé"],
    response_model=list[SeizureOut],
    openapi_extra=action("claims.read"),
)
def list_seizures(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath
) -> list[SeizureOut]:
    """The seizure acts recorded on a claim, in date order."""
    return [_out(act) for act in commands.cnss.seizures_of(services, actor, organism, claim)]


class AmnestyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: date = Field(description="date de la demande")
    option: Literal["full", "plan_24", "plan_more"] = Field(description="paiement intégral ou échéancier")
    why: Annotated[str, Field(max_length=2000)] = ""


class AmnestyOut(BaseModel):
    claim: str
    option: str
    rate: str
    applied_on: date
    status: str
    remitted: str


@router.post(
    "/organisms/{organism}/claims/{claim}/amnesty",
    tags=["recouvrement forcé"],
    response_model=AmnestyOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("amnesty.apply"),
)
def apply_amnesty(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: AmnestyIn
) -> AmnestyOut:
    """Record an employer's application for the CNSS amnesty campaign in force (refused outside a
    campaign, for another claim than a contribution, or without the plan its option needs)."""
    state = commands.cnss.apply_amnesty(services, actor, organism, claim, body.option, body.on, body.why)
    return AmnestyOut(
        claim=claim,
        option=state.option,
        rate=str(state.rate),
        applied_on=state.applied_on,
        status=state.status,
        remitted=format_amount(state.remitted),
    )
