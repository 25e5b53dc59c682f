"""The REST API's routes for enforcement titles (contrainte, payment injunction) and for the
interruptions of prescription recorded in real use (a registered letter's delivery, a written
acknowledgment of the debt), under ``/api/v1``. Each route names its action (``x-action``)
and goes through ``recouvre.service.commands``; none writes to the database itself.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from recouvre.api.deps import ActorDep, OrganismPath, RefPath, ServicesDep
from recouvre.domain.enforcement import Outcome, ServiceVia, TitleAct, TitleKind
from recouvre.domain.money import format_amount, parse_amount
from recouvre.letters.status import LetterStatus
from recouvre.service import commands, enforcement
from recouvre.service.commands import enforcement as titles

router = APIRouter(prefix="/api/v1", tags=["titres exécutoires"])
TitleId = Annotated[int, Path(ge=1, le=2**62)]
OnQuery = Annotated[date, Query(description="date de la situation (AAAA-MM-JJ)")]


def action(name: str) -> dict[str, object]:
    return {"x-action": name}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActOut(BaseModel):
    act: str
    on: date
    outcome: str | None
    by: str
    data: dict[str, object]


class TitleOut(BaseModel):
    id: int
    claim: str
    kind: str
    state: str
    drafted_on: date
    amount: str
    signed_on: date | None
    signed_by: str | None
    mandate_id: int | None
    mandate: str | None
    served_on: date | None
    served_via: str | None
    opposition_until: date | None
    acts: list[ActOut]


class QueueItemOut(BaseModel):
    title: TitleOut
    debtor: str
    benefit: str
    balance: str


class ToDraftOut(BaseModel):
    task: int
    claim: str
    debtor: str
    benefit: str
    kind: str
    balance: str
    due_on: date | None


class ContentiousQueueOut(BaseModel):
    to_draft: list[ToDraftOut]
    to_sign: list[QueueItemOut]
    to_serve: list[QueueItemOut]
    windows: list[QueueItemOut]
    opposed: list[QueueItemOut]


class DraftIn(_In):
    on: date
    kind: TitleKind | None = None
    why: Annotated[str, Field(max_length=2000)] = ""


class SignIn(_In):
    on: date
    titles: Annotated[list[int], Field(min_length=1, max_length=500)]
    why: Annotated[str, Field(max_length=2000)] = ""


class SignedOut(BaseModel):
    id: int
    signed: bool
    error: str | None
    title: TitleOut | None


class ActIn(_In):
    act: Literal["granted", "served", "opposed", "hearing", "decided", "annulled"]
    on: date
    via: ServiceVia | None = None
    outcome: Outcome | None = None
    amount: str | None = Field(default=None, description="nouveau principal, pour une décision reduced")
    hearing_on: date | None = None
    why: Annotated[str, Field(max_length=2000)] = ""


class LetterStatusIn(_In):
    status: LetterStatus
    on: date
    note: Annotated[str | None, Field(max_length=200, description="motif du retour : NPAI, non réclamé")] = (
        None
    )
    why: Annotated[str, Field(max_length=2000)] = ""


class AcknowledgmentIn(_In):
    on: date
    by: Literal["debtor", "representative", "mandatary"] = "debtor"
    why: Annotated[str, Field(max_length=2000)] = "reconnaissance de dette écrite"


def title_out(view: enforcement.TitleView) -> TitleOut:
    mandate = view.data.get("mandate")
    return TitleOut(
        id=view.id,
        claim=view.claim,
        kind=view.kind.value,
        state=view.state.value,
        drafted_on=view.drafted_on,
        amount=format_amount(view.amount),
        signed_on=view.signed_on,
        signed_by=view.signed_by,
        mandate_id=view.mandate_id,
        mandate=None if mandate is None else str(mandate),
        served_on=view.served_on,
        served_via=view.served_via,
        opposition_until=view.opposition_until,
        acts=[
            ActOut(
                act=a.act.value,
                on=a.on,
                outcome=None if a.outcome is None else a.outcome.value,
                by=a.by,
                data=a.data,
            )
            for a in view.acts
        ],
    )


def _item(item: enforcement.QueueItem) -> QueueItemOut:
    return QueueItemOut(
        title=title_out(item.title),
        debtor=item.debtor,
        benefit=item.benefit,
        balance=format_amount(item.balance),
    )


@router.get(
    "/organisms/{organism}/claims/{claim}/titles",
    response_model=list[TitleOut],
    openapi_extra=action("claims.read"),
)
def claim_titles(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, on: OnQuery
) -> list[TitleOut]:
    """The claim's enforcement titles, each with its acts and its state on ``on``."""
    return [title_out(view) for view in titles.claim_titles(services, actor, organism, claim, on)]


@router.post(
    "/organisms/{organism}/claims/{claim}/titles",
    response_model=TitleOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=action("titles.draft"),
)
def draft_title(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: DraftIn
) -> TitleOut:
    """Draft the claim's title from its review task (a contrainte; an injunction for ALS, LOAN)."""
    return title_out(titles.draft_title(services, actor, organism, claim, body.on, body.kind, why=body.why))


@router.get(
    "/organisms/{organism}/titles/basket",
    response_model=list[QueueItemOut],
    openapi_extra=action("enforcement.sign"),
)
def signature_basket(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, on: OnQuery
) -> list[QueueItemOut]:
    """The signature basket: titles awaiting the signature of the director or of a mandated agent."""
    return [_item(item) for item in titles.signature_basket(services, actor, organism, on)]


@router.post(
    "/organisms/{organism}/titles/signatures",
    response_model=list[SignedOut],
    openapi_extra=action("enforcement.sign"),
)
def sign_titles(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, body: SignIn
) -> list[SignedOut]:
    """Sign titles one by one or in a batch (the director, or an agent under a valid mandate)."""
    done = titles.sign_titles(services, actor, organism, body.titles, body.on, why=body.why)
    return [
        SignedOut(
            id=result.title_id,
            signed=result.view is not None,
            error=result.error,
            title=None if result.view is None else title_out(result.view),
        )
        for result in done
    ]


@router.get(
    "/organisms/{organism}/titles/queue",
    response_model=ContentiousQueueOut,
    openapi_extra=action("queues.read"),
)
def contentious_queue(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, on: OnQuery
) -> ContentiousQueueOut:
    """The contentious queue: titles to draft, to sign, to serve; opposition windows running; oppositions."""
    queue = titles.contentious_queue(services, actor, organism, on)
    return ContentiousQueueOut(
        to_draft=[
            ToDraftOut(
                task=int(str(row["task"])),
                claim=str(row["claim"]),
                debtor=str(row["debtor"]),
                benefit=str(row["benefit"]),
                kind=str(row["kind"]),
                balance=format_amount(int(str(row["balance"]))),
                due_on=row["due_on"] if isinstance(row["due_on"], date) else None,
            )
            for row in queue.to_draft
        ],
        to_sign=[_item(item) for item in queue.to_sign],
        to_serve=[_item(item) for item in queue.to_serve],
        windows=[_item(item) for item in queue.windows],
        opposed=[_item(item) for item in queue.opposed],
    )


@router.post(
    "/organisms/{organism}/titles/{title}/acts",
    response_model=TitleOut,
    openapi_extra=action("titles.record"),
)
def record_act(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, title: TitleId, body: ActIn
) -> TitleOut:
    """Record an act on a title: the order (granted), the service (served, with via), the opposition,
    a hearing date, the court's decision (titles.decide), the annulment (titles.annul)."""
    amount = None if body.amount is None else parse_amount(body.amount, field="amount")
    view = titles.record_title_act(
        services,
        actor,
        organism,
        title,
        TitleAct(body.act),
        body.on,
        via=body.via,
        outcome=body.outcome,
        amount=amount,
        hearing_on=body.hearing_on,
        why=body.why,
    )
    return title_out(view)


@router.get(
    "/organisms/{organism}/titles/{title}/document",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    openapi_extra=action("claims.read"),
)
def title_document(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, title: TitleId
) -> Response:
    """The title's PDF: the contrainte as sent to the debtor, or the request for a payment injunction."""
    name, pdf = titles.title_document(services, actor, organism, title)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.post(
    "/organisms/{organism}/letters/{letter}/status",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=action("letters.mark"),
)
def mark_letter(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    letter: Annotated[int, Path(ge=1, le=2**62)],
    body: LetterStatusIn,
) -> Response:
    """Record that a letter was sent, delivered or returned; a registered letter delivered or returned
    unclaimed ("non réclamé" in ``note``) interrupts the prescription of its claims."""
    commands.mark_letter(
        services, actor, letter, body.status, body.on, body.note, body.why, organism_code=organism
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/organisms/{organism}/claims/{claim}/acknowledgments",
    status_code=status.HTTP_204_NO_CONTENT,
    openapi_extra=action("debts.acknowledge"),
)
def acknowledge(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: AcknowledgmentIn
) -> Response:
    """Record the debtor's written acknowledgment of the debt (it interrupts prescription, C. civ. 2240)."""
    commands.record_acknowledgment(services, actor, organism, claim, body.on, by=body.by, why=body.why)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
