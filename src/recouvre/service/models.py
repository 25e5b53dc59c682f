"""The API's request and response bodies (JSON). Amounts are text with two decimals ("120.50"),
never floats; dates are ISO ``YYYY-MM-DD``; NIR and IBAN only ever appear masked ("18…58")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from recouvre.domain.appeals import AppealOutcome, AppealStage, Appellant
from recouvre.domain.days import RANGE_REASON, supported
from recouvre.domain.model import Benefit, Creditor, PaymentChannel, Responsibility
from recouvre.service.contacts import ContactChannel, ContactOutcome

Amount = Annotated[
    str,
    Field(pattern=r"^[0-9]{1,12}(\.[0-9]{1,2})?$", examples=["120.50"], description="montant, 2 décimales"),
]
SignedAmount = Annotated[str, Field(examples=["-120.50"], description="montant signé, 2 décimales")]
Why = Annotated[str, Field(max_length=2000, description="motif (piste d'audit)")]
Ref = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\s/]+$")]
UserName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
AgencyCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
"""An agency's code, as its contract names it (``agencies.code``)."""


def _encodable(text: str) -> bool:
    """JSON may carry a lone surrogate (``"\\ud800"``), which no UTF-8 column or page can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _supported_days(cls, value: object, info: ValidationInfo) -> object:
        """Every date of a request body within the supported range (``recouvre.domain.days``):
        a 422 naming the field, never an overflow (a 500) further in."""
        items = value if isinstance(value, list | tuple) else (value,)
        if any(isinstance(day, date) and not supported(day) for day in items):
            raise ValueError(RANGE_REASON)
        if any(isinstance(text, str) and not _encodable(text) for text in items):
            raise ValueError("texte invalide : caractère de substitution isolé (pas de l'UTF-8)")
        return value


# Sign-in ----------------------------------------------------------------------------------------


class TokenRequest(Request):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class MandateOut(BaseModel):
    id: int
    user: str
    organism: str | None
    power: str
    valid_from: date
    valid_until: date
    granted_by: str
    why: str
    revoked_on: date | None
    revoked_by: str | None


class MeOut(BaseModel):
    username: str
    roles: list[str]
    organism: str | None
    agency: str | None
    actions: list[str] = Field(description="actions permises aujourd'hui (rôles et mandats valides)")


# Organisms and debtors --------------------------------------------------------------------------


class OrganismOut(BaseModel):
    code: str
    country: str
    name: str


class DebtorSearch(Request):
    name: Annotated[str | None, Field(max_length=200)] = None
    nir: Annotated[str | None, Field(max_length=32, description="NIR complet (recherche exacte)")] = None
    ref: Annotated[str | None, Field(max_length=64, description="référence, exacte ou début")] = None
    ice: Annotated[str | None, Field(max_length=15, description="ICE d'une entreprise (CNSS), exact")] = None
    on: date = Field(description="date de la situation (soldes)")
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class DebtorListItem(BaseModel):
    ref: str
    kind: str
    name: str
    nir: str | None = Field(description="masqué")
    iban: str | None = Field(description="masqué")
    siren: str | None
    claims: int
    balance: Amount


class MovementOut(BaseModel):
    claim: str
    sequence: int
    kind: str
    amount: Amount
    signed: SignedAmount
    booked_on: date
    channel: str | None
    reverses: str | None
    note: str
    key: str


class PlanOut(BaseModel):
    claim: str
    agreed_on: date
    first_due: date
    monthly: Amount
    total: Amount
    months: int
    status: str


class ClaimOut(BaseModel):
    organism: str
    ref: str
    debtor: str
    benefit: str
    responsibility: str
    creditor: str
    established_on: date
    notified_on: date | None
    on: date
    principal: Amount
    balance: Amount
    credit: Amount
    status: str
    phase: str
    plan: PlanOut | None
    placed_with: str | None
    established_by: str | None
    movements: list[MovementOut]


class AppealOut(BaseModel):
    claim: str
    stage: str = Field(description="amicable (commission de recours amiable) ou court (tribunal)")
    filed_by: str = Field(description="debtor, ou organism (recours de l'organisme contre un jugement)")
    filed_on: date
    status: str = Field(description="pending, decided, withdrawn, implicitly_rejected")
    filing_deadline: date | None = Field(description="dernier jour pour former ce recours")
    implicit_rejection_on: date | None = Field(description="rejet implicite à cette date sans réponse")
    court_deadline: date | None = Field(description="dernier jour pour saisir le tribunal ensuite")
    suspends: bool = Field(description="le recours suspend le recouvrement")
    decided_on: date | None
    outcome: str | None = Field(description="rejected, upheld, reduced")
    new_principal: Amount | None
    cancellation: Amount
    refund: Amount


class AppealResultOut(BaseModel):
    appeal: AppealOut
    claim: ClaimOut = Field(description="la créance après l'acte, avec son grand livre")


class ClaimSummaryOut(BaseModel):
    ref: str
    benefit: str
    responsibility: str
    established_on: date
    principal: Amount
    balance: Amount
    credit: Amount
    status: str
    phase: str
    placed_with: str | None
    appeal: AppealOut | None = Field(
        default=None, description="le recours en attente de décision (en cours ou rejeté implicitement)"
    )


class LetterOut(BaseModel):
    id: int
    type: str
    issued_on: date
    status: str
    claims: list[str]


class TaskOut(BaseModel):
    id: int
    type: str
    status: str
    claim: str | None
    debtor: str
    debtor_name: str
    created_on: date
    due_on: date | None
    assignee: str | None
    balance: Amount
    prescription_date: date | None
    priority: int = Field(description="rang dans la corbeille, 1 = à traiter en premier")
    reasons: list[str]
    closed_on: date | None = Field(default=None, description="jour de clôture (tâche traitée)")
    closed_by: str | None = Field(default=None, description="qui l'a close (« system » : fin de la créance)")
    close_reason: str | None = Field(
        default=None,
        description="pourquoi le système l'a close : la créance a pris fin (code stable)",
        examples=["settled", "suspended", "written_off", "placed", "prescribed"],
    )
    close_reason_text: str | None = Field(default=None, description="la même raison, en français")


class DebtorFileOut(BaseModel):
    organism: str
    ref: str
    kind: str
    name: str
    nir: str | None = Field(description="masqué")
    iban: str | None = Field(description="masqué")
    siren: str | None
    siret: str | None
    ice: str | None
    email: str | None
    phone: str | None
    address: str | None
    receives_benefits: bool
    on: date
    balance: Amount
    claims: list[ClaimSummaryOut]
    movements: list[MovementOut]
    letters: list[LetterOut]
    tasks: list[TaskOut]


# Claim commands ---------------------------------------------------------------------------------


class Line(Request):
    paid_on: date
    amount: Amount


class ClaimIn(Request):
    ref: Ref
    debtor: Ref
    benefit: Benefit
    creditor: Creditor = Creditor.OWN
    responsibility: Responsibility
    lines: Annotated[list[Line], Field(min_length=1, max_length=240)]
    established_on: date
    notified_on: date | None = None
    detected_on: date | None = None
    reason: Annotated[str, Field(max_length=2000)] = ""


class PaymentIn(Request):
    amount: Amount
    on: date
    channel: PaymentChannel = PaymentChannel.TRANSFER
    key: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")] = Field(
        description="référence du paiement: le même paiement envoyé deux fois n'est compté qu'une fois"
    )
    why: Why = ""
    confirm_overpayment: bool = Field(
        default=False,
        description="confirme un paiement supérieur au solde: l'excédent devient un trop-perçu à "
        "rembourser (sans cette confirmation, un tel paiement est refusé)",
    )


class PaymentOut(BaseModel):
    claim: str
    key: str
    amount: Amount
    booked_on: date
    new: bool
    balance: Amount


class PlanIn(Request):
    monthly: Amount
    first_due: date
    on: date
    within_launch_bounds: bool = Field(
        default=True, description="appliquer la durée maximale au lancement du recouvrement"
    )
    why: Why = ""


class PromiseIn(Request):
    amount: Amount
    due_on: date
    on: date
    why: Why = ""


class ContactIn(Request):
    on: date = Field(description="date du contact")
    channel: ContactChannel = ContactChannel.PHONE
    outcome: ContactOutcome
    note: Annotated[str, Field(max_length=2000, description="ce qui a été dit")] = ""
    key: Annotated[str | None, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")] = Field(
        default=None,
        description="référence du contact: le même contact envoyé deux fois n'est enregistré qu'une fois",
    )


class ContactOut(BaseModel):
    claim: str
    key: str
    on: date
    channel: str
    outcome: str
    note: str
    recorded_by: str
    new: bool


class AppealIn(Request):
    on: date = Field(description="date de réception du recours")
    filed_by: Appellant = Field(
        default=Appellant.DEBTOR,
        description="debtor, ou organism : l'appel de l'organisme contre un jugement (court.represent)",
    )
    stage: AppealStage | None = Field(
        default=None, description="déduite des recours précédents : la commission d'abord, puis le tribunal"
    )
    why: Why = ""


class AppealDecisionIn(Request):
    on: date = Field(description="date de la décision")
    outcome: AppealOutcome
    amount: Amount | None = Field(default=None, description="nouveau principal, pour reduced seulement")
    why: Annotated[str, Field(min_length=1, max_length=2000)]
    reasons: Annotated[
        str, Field(max_length=4000, description="motifs de la décision, repris au courrier")
    ] = ""


class AppealWithdrawalIn(Request):
    on: date = Field(description="date du désistement")
    why: Why = ""


class SuspensionIn(Request):
    on: date
    until: date
    why: Annotated[str, Field(min_length=1, max_length=2000)]


class ResumptionIn(Request):
    on: date
    why: Annotated[str, Field(min_length=1, max_length=2000)]


class PlacementIn(Request):
    agency: AgencyCode
    placed_from: date
    why: Why = ""


class RecallIn(Request):
    on: date
    why: Why = ""


class PlacementOut(BaseModel):
    id: int
    claim: str
    agency: str
    placed_from: date
    placed_until: date | None
    placed_by: str
    recalled_by: str | None


class RemissionRequestIn(Request):
    on: date
    requested_by: Literal["debtor", "representative", "mandatary"] = "debtor"
    channel: Annotated[str, Field(max_length=32)] = ""
    trace: Annotated[str, Field(max_length=200)] = ""
    why: Why = ""


class RemissionCaseOut(BaseModel):
    claim: str
    requested_on: date
    requested_by: str
    route: str
    balance: Amount
    proposed_rate: str | None
    status: str


class WriteOffProposalIn(Request):
    on: date
    authority: Literal["board", "accountant", "director"] = "board"
    reasons: Annotated[str, Field(max_length=2000)] = ""
    why: Annotated[str, Field(min_length=1, max_length=2000)]


class RemissionProposalIn(Request):
    on: date
    rate: Annotated[str, Field(pattern=r"^[0-9]{1,3}(\.[0-9]{1,2})?$", examples=["50"])]
    reasons: Annotated[str, Field(max_length=2000)] = ""
    why: Annotated[str, Field(min_length=1, max_length=2000)]


class DecisionIn(Request):
    approve: bool
    on: date
    why: Annotated[str, Field(min_length=1, max_length=2000)]


class ProposalOut(BaseModel):
    id: int
    kind: str
    claim: str
    proposed_on: date
    proposed_by: str
    payload: dict[str, str]
    why: str
    status: str
    decided_on: date | None
    decided_by: str | None
    decision_why: str


# Batch, reports, queues -------------------------------------------------------------------------


class CycleIn(Request):
    month: Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", examples=["2026-03"])]
    on: date | None = Field(default=None, description="date du cycle (défaut: 1er jour du mois suivant)")
    without_payment_run: bool = Field(
        default=False,
        description="confirme que le cycle tourne sans le paiement des prestations du mois "
        "(sans cette confirmation, le cycle d'un organisme qui recouvre par retenue est refusé "
        "tant que le paiement du mois n'est pas enregistré)",
    )


class CycleOut(BaseModel):
    organism: str
    month: str
    run_on: date
    already_done: bool
    claims: int
    in_default: int
    cured: int
    contentious: int
    surcharges: int
    surcharge_amount: Amount
    letters: dict[str, int]
    tasks: dict[str, int]


class BucketOut(BaseModel):
    key: str
    count: int
    principal: Amount
    balance: Amount


class SummaryOut(BaseModel):
    organism: str
    currency: str
    on: date
    by_benefit: list[BucketOut]
    by_responsibility: list[BucketOut]
    by_status: list[BucketOut]
    total: BucketOut


class QueueOut(BaseModel):
    organism: str
    on: date
    total: int
    tasks: list[TaskOut]


class QueueCount(BaseModel):
    type: str
    status: str
    count: int
    unassigned: int


class AssignIn(Request):
    assignee: UserName | None = Field(description="utilisateur, ou null pour remettre dans la corbeille")
    on: date
    why: Why = ""


class CloseIn(Request):
    outcome: Annotated[str, Field(min_length=1, max_length=64, examples=["reached", "no_answer"])]
    on: date
    why: Why = ""


class TaskChangeOut(BaseModel):
    id: int
    type: str
    status: str
    assignee: str | None


# Administration ---------------------------------------------------------------------------------


class UserIn(Request):
    """A proposed user: no password (the user sets his own with a one-time activation link)."""

    username: UserName
    roles: Annotated[list[str], Field(min_length=1, max_length=9)]
    full_name: Annotated[str, Field(max_length=200)] = ""
    organism: Annotated[str | None, Field(max_length=32)] = None
    agency: AgencyCode | None = None
    why: Why = ""


class RolesIn(Request):
    roles: Annotated[list[str], Field(min_length=1, max_length=9)]
    why: Why = ""


class UserDecisionIn(Request):
    approve: bool
    why: Why = ""


class ActivationIn(Request):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class UserOut(BaseModel):
    username: str
    full_name: str
    roles: list[str]
    organism: str | None
    agency: str | None
    active: bool
    locked_until: datetime | None
    created_at: datetime


class AdministeredOut(UserOut):
    """A user after an act of administration: the change proposed or decided and, when one was
    issued, the one-time activation link (shown once; only its hash is kept)."""

    change_status: str | None = Field(None, description="pending, approved, rejected")
    proposed_by: str | None = None
    decided_by: str | None = None
    activation_token: str | None = None
    activation_link: str | None = None
    activation_expires_at: datetime | None = None


class DisableIn(Request):
    why: Why = ""


class MandateIn(Request):
    user: UserName
    power: Literal["sign_enforcement_titles", "file_payment_injunctions", "represent_in_court"]
    valid_from: date
    valid_until: date
    why: Annotated[str, Field(min_length=1, max_length=2000)]


class RevokeIn(Request):
    on: date
    why: Annotated[str, Field(min_length=1, max_length=2000)]


class AuditRowOut(BaseModel):
    seq: int
    recorded_at: datetime
    actor: str
    action: str
    outcome: str
    organism: str | None
    subject: str
    occurred_on: date | None
    why: str
    before: dict[str, object] | None
    after: dict[str, object] | None
    hash: str


class BrokenOut(BaseModel):
    seq: int
    row_id: int
    reason: str


class VerificationOut(BaseModel):
    ok: bool
    rows: int
    head: str
    broken: BrokenOut | None


class Problem(BaseModel):
    field: str
    value: object
    reason: str


class FieldProblem(BaseModel):
    field: str
    reason: str
    index: int | None = None
    value: object | None = None


class ErrorOut(BaseModel):
    """Every error: a message, and for an invalid value the field, the value and the reason
    (values sent in a body are not echoed: a NIR or a password could be one)."""

    detail: str
    action: str | None = Field(default=None, description="403: the action refused")
    field: str | None = None
    value: object | None = None
    reason: str | None = None
    locked_until: datetime | None = None
    problems: list[FieldProblem] | None = None
