"""Money in over HTTP: bank statements, the unmatched queue, payment references, SEPA mandates,
direct-debit runs and returns. Every route parses, calls ``service.commands.money_in``, formats."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from recouvre.adapters.bank_statements import parse_statement
from recouvre.api.deps import ActorDep, OrganismPath, RefPath, ServicesDep
from recouvre.domain.days import RANGE_REASON, supported
from recouvre.domain.errors import BatchRejected, Problem
from recouvre.domain.money import format_amount
from recouvre.security.authorization import Subject
from recouvre.service import commands
from recouvre.service.commands import money_in

router = APIRouter(tags=["encaissements"])
"""Declares the routes; ``register`` adds them to ``api.routes.router`` (prefix ``/api/v1``)."""
CreditPath = Annotated[int, Path(ge=1)]


def _supported_day(day: date) -> date:
    if not supported(day):
        raise ValueError(RANGE_REASON)
    return day


Day = Annotated[date, AfterValidator(_supported_day)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StatementOut(BaseModel):
    format: str
    statements: list[str]
    received: int
    matched: int
    unmatched: int
    replayed: int
    skipped: int


class CreditOut(BaseModel):
    id: int
    statement_id: str
    entry_id: str
    booked_on: date
    amount: str
    reference: str
    payer_name: str
    source: str
    status: str
    reason: str
    claim: str | None


class SuggestionOut(BaseModel):
    claim: str
    debtor: str
    debtor_name: str
    balance: str
    score: int
    why: list[str]


class BookIn(_In):
    claim: Annotated[str, Field(min_length=1, max_length=64)]
    on: Day
    why: Annotated[str, Field(max_length=2000)] = ""


class ReturnIn(_In):
    on: Day
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class ReferenceOut(BaseModel):
    claim: str
    reference: str


class MandateIn(_In):
    iban: Annotated[str, Field(min_length=1, max_length=50)]
    signed_on: Day
    form: Literal["paper", "electronic"] = "paper"
    rum: Annotated[str | None, Field(max_length=35)] = None
    bic: Annotated[str | None, Field(max_length=11)] = None
    why: Annotated[str, Field(max_length=2000)] = ""


class MandateOut(BaseModel):
    id: int
    debtor: str
    rum: str
    iban: str
    signed_on: date
    form: str
    last_collected_on: date | None
    lapses_on: date


class RunIn(_In):
    on: Day


class CollectionOut(BaseModel):
    claim: str
    debtor: str
    rum: str
    amount: str


class DirectDebitReturnIn(_In):
    on: Day
    reason: Annotated[str, Field(min_length=1, max_length=35, description="code ISO 20022, ex. AM04")]


def _credit(credit: money_in.CreditView) -> CreditOut:
    return CreditOut(
        id=credit.id,
        statement_id=credit.statement_id,
        entry_id=credit.entry_id,
        booked_on=credit.booked_on,
        amount=format_amount(credit.amount),
        reference=credit.reference,
        payer_name=credit.payer_name,
        source=credit.source,
        status=credit.status,
        reason=credit.reason,
        claim=credit.claim_ref,
    )


def _mandate(mandate: money_in.MandateView) -> MandateOut:
    return MandateOut(
        id=mandate.id,
        debtor=mandate.debtor_ref,
        rum=mandate.rum,
        iban=mandate.iban_masked,
        signed_on=mandate.signed_on,
        form=mandate.form,
        last_collected_on=mandate.last_collected_on,
        lapses_on=mandate.lapses_on,
    )


@router.post(
    "/organisms/{organism}/bank/statements",
    response_model=StatementOut,
    openapi_extra={
        "x-action": "bank.receive",
        "requestBody": {"content": {"application/xml": {}, "text/plain": {}}, "required": True},
    },
)
async def import_statement(
    request: Request, services: ServicesDep, actor: ActorDep, organism: OrganismPath
) -> StatementOut:
    """Import a bank statement (camt.053 XML or CFONB 120, sent as the request's body), all or
    nothing: every problem is answered (422) with its place in the file; a statement sent again
    books nothing."""
    commands.guard(services, actor, "bank.receive", Subject(organism=organism))
    parsed = parse_statement(await request.body())
    if parsed.problems:
        raise BatchRejected(
            [
                Problem(problem.line, problem.column or "fichier", problem.value, problem.reason)
                for problem in parsed.problems
            ]
        )
    lines = [
        money_in.CreditLine(
            line.statement_id,
            line.entry_id,
            line.booked_on,
            line.amount,
            line.reference,
            payer_name=line.payer_name,
            payer_iban=line.payer_iban,
            source=parsed.format,
        )
        for line in parsed.lines
    ]
    result = money_in.import_bank_statement(
        services, actor, organism, lines, currency=parsed.currency, source="api"
    )
    return StatementOut(
        format=parsed.format,
        statements=parsed.statements,
        received=result.received,
        matched=result.matched,
        unmatched=result.unmatched,
        replayed=result.replayed,
        skipped=parsed.skipped,
    )


@router.get(
    "/organisms/{organism}/bank/credits",
    response_model=list[CreditOut],
    openapi_extra={"x-action": "bank.read"},
)
def list_credits(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    status: Annotated[Literal["matched", "unmatched", "booked", "returned"] | None, Query()] = None,
    on: Annotated[Day | None, Query(description="date de comptabilisation")] = None,
) -> list[CreditOut]:
    """The bank credits received (``status=unmatched``: the queue to reconcile)."""
    return [_credit(item) for item in money_in.bank_credits(services, actor, organism, status=status, on=on)]


@router.get(
    "/organisms/{organism}/bank/credits/{credit}/suggestions",
    response_model=list[SuggestionOut],
    openapi_extra={"x-action": "bank.read"},
)
def credit_suggestions(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, credit: CreditPath
) -> list[SuggestionOut]:
    """The claims an unmatched credit may settle, best first."""
    return [
        SuggestionOut(
            claim=item.claim_ref,
            debtor=item.debtor_ref,
            debtor_name=item.debtor_name,
            balance=format_amount(item.balance),
            score=item.score,
            why=list(item.why),
        )
        for item in money_in.credit_suggestions(services, actor, organism, credit)
    ]


@router.post(
    "/organisms/{organism}/bank/credits/{credit}/book",
    response_model=CreditOut,
    openapi_extra={"x-action": "bank.assign"},
)
def book_credit(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, credit: CreditPath, body: BookIn
) -> CreditOut:
    """Book an unmatched credit on the chosen claim (a transfer payment at the credit's date)."""
    return _credit(
        money_in.book_unmatched_credit(services, actor, organism, credit, body.claim, body.on, body.why)
    )


@router.post(
    "/organisms/{organism}/bank/credits/{credit}/return",
    response_model=CreditOut,
    openapi_extra={"x-action": "bank.assign"},
)
def return_credit(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, credit: CreditPath, body: ReturnIn
) -> CreditOut:
    """Send an unmatched credit back to the payer."""
    return _credit(money_in.return_unmatched_credit(services, actor, organism, credit, body.on, body.reason))


@router.get(
    "/organisms/{organism}/claims/{claim}/payment-reference",
    response_model=ReferenceOut,
    openapi_extra={"x-action": "claims.read"},
)
def payment_reference(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath
) -> ReferenceOut:
    """The claim's ISO 11649 payment reference, to quote on a transfer."""
    return ReferenceOut(claim=claim, reference=money_in.payment_reference(services, actor, organism, claim))


@router.post(
    "/organisms/{organism}/debtors/{debtor}/sepa-mandates",
    response_model=MandateOut,
    openapi_extra={"x-action": "debit_mandates.record"},
)
def sign_mandate(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, debtor: RefPath, body: MandateIn
) -> MandateOut:
    """Record a SEPA direct-debit mandate signed by the debtor; a bad IBAN is refused (422)."""
    return _mandate(
        money_in.sign_mandate(
            services,
            actor,
            organism,
            debtor,
            body.iban,
            body.signed_on,
            form=body.form,
            rum=body.rum,
            bic=body.bic,
            why=body.why,
        )
    )


@router.get(
    "/organisms/{organism}/debtors/{debtor}/sepa-mandates",
    response_model=list[MandateOut],
    openapi_extra={"x-action": "debtors.read"},
)
def list_mandates(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, debtor: RefPath
) -> list[MandateOut]:
    """The debtor's SEPA mandates (IBAN masked)."""
    return [_mandate(item) for item in money_in.debtor_mandates(services, actor, organism, debtor)]


@router.post(
    "/organisms/{organism}/direct-debits/runs",
    response_model=list[CollectionOut],
    openapi_extra={"x-action": "direct_debits.run"},
)
def run_direct_debits(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, body: RunIn
) -> list[CollectionOut]:
    """Collect every plan instalment due that day from the debtors with a usable mandate."""
    return [
        CollectionOut(
            claim=item.claim_ref, debtor=item.debtor_ref, rum=item.rum, amount=format_amount(item.amount)
        )
        for item in money_in.run_direct_debits(services, actor, organism, body.on)
    ]


@router.post(
    "/organisms/{organism}/claims/{claim}/direct-debit-returns",
    status_code=204,
    openapi_extra={"x-action": "direct_debits.return"},
)
def return_direct_debit(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: DirectDebitReturnIn
) -> None:
    """The bank returned the claim's last direct-debit collection: a reversal of the same amount."""
    money_in.return_direct_debit(services, actor, organism, claim, body.on, body.reason)


class PrenotifyIn(_In):
    due_on: Day
    on: Day


class NoticeOut(BaseModel):
    claim: str
    debtor: str
    due_on: date
    amount: str
    notified_on: date


class CreditorIn(_In):
    name: Annotated[str, Field(min_length=1, max_length=70)]
    iban: Annotated[str, Field(min_length=1, max_length=50)]
    bic: Annotated[str, Field(min_length=8, max_length=11)]


class CollectionFileIn(_In):
    due_on: Day
    on: Day
    creditor: CreditorIn
    creditor_id: Annotated[
        str, Field(min_length=1, max_length=35, description="identifiant créancier SEPA (ICS)")
    ]


class RefundProposalIn(_In):
    on: Day
    why: Annotated[str, Field(min_length=1, max_length=2000)]


class RefundProposalOut(BaseModel):
    id: int
    claim: str
    amount: str
    iban: str
    status: str


class RefundFileIn(_In):
    on: Day
    debtor: CreditorIn


XML = {"content": {"application/xml": {}}, "description": "le fichier XML (ISO 20022)"}


@router.post(
    "/organisms/{organism}/direct-debits/prenotifications",
    response_model=list[NoticeOut],
    openapi_extra={"x-action": "direct_debits.run"},
)
def prenotify(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, body: PrenotifyIn
) -> list[NoticeOut]:
    """Pre-notify the collections due on ``due_on`` (at least 14 days before, to be filed)."""
    return [
        NoticeOut(
            claim=item.claim_ref,
            debtor=item.debtor_ref,
            due_on=item.due_on,
            amount=format_amount(item.amount),
            notified_on=item.notified_on,
        )
        for item in money_in.prenotify_collections(services, actor, organism, body.due_on, body.on)
    ]


@router.post(
    "/organisms/{organism}/direct-debits/files",
    response_class=Response,
    responses={200: XML},
    openapi_extra={"x-action": "direct_debits.run"},
)
def collection_file(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, body: CollectionFileIn
) -> Response:
    """The pain.008.001.02 file of the collections due on ``due_on`` (XSD-valid; a collection whose
    IBAN fails is left out and named in the ``X-Excluded`` header)."""
    creditor = money_in.Creditor(body.creditor.name, body.creditor.iban, body.creditor.bic, body.creditor_id)
    produced = money_in.collection_file(services, actor, organism, body.due_on, creditor, body.on)
    excluded = ", ".join(str(problem.value) for problem in produced.excluded)
    return Response(produced.xml, media_type="application/xml", headers={"X-Excluded": excluded})


@router.post(
    "/organisms/{organism}/direct-debits/returns",
    response_model=int,
    openapi_extra={
        "x-action": "direct_debits.return",
        "requestBody": {"content": {"application/xml": {}}, "required": True},
    },
)
async def direct_debit_returns(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    on: Annotated[Day, Query(description="date d'enregistrement")],
) -> int:
    """Book the rejects (pain.002) and returns (camt.054) of collections as reversals; how many are new."""
    commands.guard(services, actor, "direct_debits.return", Subject(organism=organism))
    return money_in.import_direct_debit_returns(
        services, actor, organism, await request.body(), on, source="api"
    )


@router.post(
    "/organisms/{organism}/claims/{claim}/refund-proposals",
    response_model=RefundProposalOut,
    openapi_extra={"x-action": "refunds.propose"},
)
def propose_refund(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, claim: RefPath, body: RefundProposalIn
) -> RefundProposalOut:
    """Propose repaying the claim's credit by SEPA transfer; an accountant, another person, decides
    it (``GET /proposals``, decided through the proposals' decision)."""
    proposal = money_in.propose_refund(services, actor, organism, claim, body.on, body.why)
    return RefundProposalOut(
        id=proposal.id,
        claim=proposal.claim_ref,
        amount=format_amount(int(str(proposal.payload["amount_cents"]))),
        iban=str(proposal.payload["iban_masked"]),
        status=proposal.status.value,
    )


@router.post(
    "/organisms/{organism}/refunds/files",
    response_class=Response,
    responses={200: XML},
    openapi_extra={"x-action": "refunds.transfer"},
)
def refund_file(
    services: ServicesDep, actor: ActorDep, organism: OrganismPath, body: RefundFileIn
) -> Response:
    """The pain.001.001.03 file of the approved refunds not yet transferred (each one once)."""
    produced = money_in.refund_transfer_file(
        services, actor, organism, body.on, name=body.debtor.name, iban=body.debtor.iban, bic=body.debtor.bic
    )
    return Response(produced.xml, media_type="application/xml")


def register(target: APIRouter) -> None:
    """Add these routes to the API's router (``api.routes``: its prefix, its error responses)."""
    for route in router.routes:
        assert isinstance(route, APIRoute)
        target.add_api_route(
            route.path,
            route.endpoint,
            methods=sorted(route.methods or ()),
            response_model=route.response_model,
            status_code=route.status_code,
            tags=list(route.tags),
            description=route.description,
            openapi_extra=route.openapi_extra,
            response_class=route.response_class,
            responses=route.responses,
        )
