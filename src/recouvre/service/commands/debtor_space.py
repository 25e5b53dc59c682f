"""What a debtor reads and does in his own space (``/debiteur/``), through the door.

The actor is the debtor of a session (``service.debtor_space.debtor_actor``: role ``debtor``,
his reference in ``Actor.debtor``). Every id that comes from a URL or a form (a claim, a letter,
a document) is first checked against its owner (``own``): another debtor's id and an unknown id
are refused alike by ``authorize`` (debtor scope) and audited ``denied``; the pages answer 404
in both cases, so that nothing tells whether the id exists.

The acts reuse the back office's commands (``agree_plan``, ``request_remission``,
``file_appeal``), with the debtor as the actor of their audit rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from recouvre.adapters.card_payments import CardPayment
from recouvre.domain import money_in as money_in_rules
from recouvre.domain.appeals import Appellant
from recouvre.domain.model import DomainError
from recouvre.domain.money import Cents, format_amount
from recouvre.security.authorization import Actor, Subject
from recouvre.service import (
    appeals,
    claim_actions,
    claims,
    debtor_space,
    explanations,
    letters,
    models,
    outbox,
    plans,
    queries,
    references,
    remission,
)
from recouvre.service.commands.appeals import file_appeal as file_appeal_command
from recouvre.service.commands.decisions import request_remission
from recouvre.service.commands.money_in import MandateView, debtor_mandates, sign_mandate
from recouvre.service.commands.outbox import record_consent
from recouvre.service.commands.recovery import agree_plan
from recouvre.service.context import Services
from recouvre.service.door import act, guard, guard_debtor, today
from recouvre.storage import repository
from recouvre.storage.repository import TaskDraft

PLAN_REQUEST_TASK = "plan_request"
"""The task a case worker gets when a debtor asks for a plan outside the policy's bounds."""
MAX_FIRST_DUE_DAYS = 60
"""How far the first instalment of a plan accepted at once may be (days after the request)."""


def _debtor(actor: Actor) -> tuple[str, str]:
    if actor.debtor is None or actor.organism is None:
        raise ValueError("not a debtor of the debtor space")
    return actor.organism, actor.debtor


def own(
    services: Services,
    actor: Actor,
    action: str,
    *,
    claim: str | None = None,
    letter: int | None = None,
    document: int | None = None,
) -> None:
    """Guard ``action`` on an id the debtor gave: refused (and audited ``denied``) unless it is his."""
    organism, debtor = _debtor(actor)
    if claim is not None:
        subject = Subject(
            organism=organism, claim=claim, owner=debtor_space.claim_owner(services, organism, claim)
        )
    elif letter is not None:
        subject = Subject(
            organism=organism,
            debtor=f"{debtor} (courrier {letter})",
            owner=debtor_space.letter_owner(services, organism, letter),
        )
    elif document is not None:
        subject = Subject(
            organism=organism,
            debtor=f"{debtor} (pièce {document})",
            owner=debtor_space.document_owner(services, organism, document),
        )
    else:
        subject = Subject(organism=organism, debtor=debtor, owner=debtor)
    guard(services, actor, action, subject)


def organisms(services: Services) -> dict[str, str]:
    """The organisms a debtor may sign in to (code: name), for the sign-in form (public)."""
    return {item.code: item.name or item.code for item in queries.organisms(services, None)}


# Reads -------------------------------------------------------------------------------------------


def my_file(services: Services, actor: Actor, on: date) -> models.DebtorFileOut:
    organism, debtor = _debtor(actor)
    guard_debtor(services, actor, "debtors.read", organism, debtor)
    return queries.debtor_file(services, organism, debtor, on, agency=None, today=on)


def my_claim(services: Services, actor: Actor, claim_ref: str, on: date) -> models.ClaimOut:
    organism, _ = _debtor(actor)
    own(services, actor, "claims.read", claim=claim_ref)
    return queries.claim(services, organism, claim_ref, on)


def my_letter(services: Services, actor: Actor, letter_id: int) -> bytes:
    own(services, actor, "debtors.read", letter=letter_id)
    return letters.render(services, letter_id)


def my_document(services: Services, actor: Actor, document_id: int) -> tuple[str, str, bytes]:
    own(services, actor, "debtors.read", document=document_id)
    return debtor_space.document_content(services, document_id)


def my_documents(services: Services, actor: Actor) -> list[debtor_space.DocumentView]:
    organism, debtor = _debtor(actor)
    own(services, actor, "debtors.read")
    return debtor_space.documents_of(services, organism, debtor)


def my_explanations(services: Services, actor: Actor) -> list[debtor_space.ExplainedPayment]:
    organism, debtor = _debtor(actor)
    own(services, actor, "debtors.read")
    return debtor_space.explained_payments(services, organism, debtor)


def my_rules(services: Services, actor: Actor) -> tuple[str, ...]:
    """The rules of the withholding in force today, in the words of the letters."""
    organism, _ = _debtor(actor)
    own(services, actor, "debtors.read")
    return explanations.rules_for(services, organism, today(services))


def my_consents(services: Services, actor: Actor) -> dict[str, outbox.ConsentView | None]:
    organism, debtor = _debtor(actor)
    own(services, actor, "debtors.read")
    return outbox.consents_of(services, organism, debtor, today(services))


def set_consents(services: Services, actor: Actor, wanted: dict[str, bool], on: date) -> list[str]:
    """The debtor's own choice of channels, recorded where it changes (source: his space)."""
    organism, debtor = _debtor(actor)
    current = outbox.consents_of(services, organism, debtor, on)
    changed = []
    for channel, granted in wanted.items():
        view = current.get(channel)
        if (view is None and not granted) or (view is not None and view.granted == granted):
            continue
        record_consent(services, actor, organism, debtor, channel, granted, on, "espace débiteur")
        changed.append(channel)
    return changed


# Paying ------------------------------------------------------------------------------------------


def payment_reference(services: Services, organism: str, claim_ref: str) -> str:
    """The claim's structured creditor reference (ISO 11649, ``RF`` + check digits): the one its
    letters print and the bank statements are matched on (``service.references``)."""
    return references.reference_of(services, organism, claim_ref)


@dataclass(frozen=True)
class PaymentOffer:
    claim_ref: str
    reference: str
    balance: Cents
    card_url: str
    mandate_url: str | None


def pay(
    services: Services,
    actor: Actor,
    claim_ref: str,
    on: date,
    return_url: str,
    mandate_url: str | None = None,
) -> PaymentOffer:
    """The claim's payment reference and the card-payment hand-off, audited; ``mandate_url`` is
    the page of the space where the debtor signs a SEPA direct-debit mandate."""
    organism, _ = _debtor(actor)
    own(services, actor, "space.pay", claim=claim_ref)
    balance = claims.view_claim(services, organism, claim_ref, on).balance
    reference = payment_reference(services, organism, claim_ref)
    with act(
        services, actor, "space.pay", organism=organism, subject=f"{organism} créance {claim_ref}", on=on
    ) as current:
        url = debtor_space.card_handoff(services).start(CardPayment(reference, balance, return_url))
        current.note(reference=reference, balance=format_amount(balance), handoff="card")
    return PaymentOffer(claim_ref, reference, balance, url, mandate_url)


# SEPA mandate ------------------------------------------------------------------------------------

CREDITOR_ID_PARAMETER = "sepa.creditor_id"
"""The organism's SEPA creditor identifier (ICS), shown on the mandate when its policy gives it."""
BIC_PATTERN = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")


@dataclass(frozen=True)
class MandateSheet:
    """What the mandate form shows: the creditor, and the debtor's mandate in force if any."""

    creditor_name: str
    creditor_id: str | None
    debtor_name: str
    active: MandateView | None


def _active(mandates: list[MandateView], on: date) -> MandateView | None:
    usable = [
        view
        for view in mandates
        if money_in_rules.mandate_usable(
            money_in_rules.MandateFacts(view.signed_on, view.last_collected_on, view.revoked_on), on
        )
    ]
    return usable[-1] if usable else None


def my_mandate(services: Services, actor: Actor, on: date) -> MandateSheet:
    """The creditor's name and ICS (when its policy gives it) and the debtor's mandate usable on ``on``."""
    organism, debtor = _debtor(actor)
    mandates = debtor_mandates(services, actor, organism, debtor)
    with services.db.unit_of_work() as session:
        organism_id, found = services.organism(session, organism)
        name = found.name or found.code
        row = repository.debtor_rows(session, organism_id, [debtor]).get(debtor)
        debtor_name = (row.name or row.ref) if row is not None else debtor
    policy = services.policy(found)
    creditor_id = str(policy.get(CREDITOR_ID_PARAMETER, on)) if CREDITOR_ID_PARAMETER in policy else None
    return MandateSheet(name, creditor_id, debtor_name, _active(mandates, on))


def sign_my_mandate(services: Services, actor: Actor, iban: str, bic: str, on: date) -> MandateView:
    """The SEPA mandate the signed-in debtor signs in his space (form ``electronic``), for his own
    file only (the debtor comes from his session). A bad IBAN or BIC is refused with the field
    named, before anything is recorded."""
    organism, debtor = _debtor(actor)
    compact = money_in_rules.checked_iban(iban, field="IBAN")
    chosen_bic = bic.replace(" ", "").upper() or None
    if chosen_bic is not None and not BIC_PATTERN.match(chosen_bic):
        raise DomainError("BIC", bic, "BIC invalide (8 ou 11 lettres et chiffres, par exemple BNPAFRPPXXX)")
    return sign_mandate(
        services,
        actor,
        organism,
        debtor,
        compact,
        on,
        form="electronic",
        bic=chosen_bic,
        why="mandat signé par le débiteur (espace débiteur)",
    )


# Asking ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanAnswer:
    accepted: bool
    plan: plans.PlanView | None
    months: int
    maximum: int | None
    reason: str


def plan_bounds(
    services: Services, organism: str, claim_ref: str, monthly: Cents, on: date
) -> tuple[int, int | None]:
    """How many instalments ``monthly`` makes of the claim's balance, and the policy's maximum."""
    balance = claims.view_claim(services, organism, claim_ref, on).balance
    months = -(-balance // monthly) if monthly > 0 and balance > 0 else 0
    with services.db.unit_of_work() as session:
        _, found = services.organism(session, organism)
    policy = services.policy(found)
    maximum = (
        int(policy.get("recovery.max_plan_months", on)) if "recovery.max_plan_months" in policy else None
    )
    return months, maximum


def ask_plan(
    services: Services, actor: Actor, claim_ref: str, monthly: Cents, first_due: date, on: date, why: str = ""
) -> PlanAnswer:
    """A plan asked for by the debtor: agreed at once within the policy's bounds (at most
    ``recovery.max_plan_months`` instalments, first one within ``MAX_FIRST_DUE_DAYS`` days),
    otherwise a ``plan_request`` task for a case worker, who decides."""
    organism, debtor = _debtor(actor)
    own(services, actor, "plans.request", claim=claim_ref)
    claim_actions.refusal_of(services, organism, claim_ref, "plans.request", on)
    months, maximum = plan_bounds(services, organism, claim_ref, monthly, on)
    reasons = []
    if monthly <= 0 or months == 0:
        reasons.append("mensualité nulle ou créance soldée")
    if maximum is not None and months > maximum:
        reasons.append(f"{months} mensualités dépassent le maximum de {maximum}")
    if first_due < on or first_due > on + timedelta(days=MAX_FIRST_DUE_DAYS):
        reasons.append(f"première échéance hors des {MAX_FIRST_DUE_DAYS} jours qui suivent la demande")
    if not reasons:
        plan = agree_plan(
            services,
            actor,
            organism,
            claim_ref,
            monthly,
            first_due,
            on,
            key=f"espace:{on.isoformat()}:{monthly}:{first_due.isoformat()}",
            why=why or "demande du débiteur (espace débiteur)",
        )
        return PlanAnswer(True, plan, months, maximum, "")
    reason = " ; ".join(reasons)
    with act(
        services,
        actor,
        "plans.request",
        organism=organism,
        subject=f"{organism} créance {claim_ref}",
        on=on,
        why=why,
    ) as current:
        with services.db.unit_of_work() as session:
            organism_id, _ = services.organism(session, organism)
            row = repository.claim_rows(session, organism_id, [claim_ref])[claim_ref]
            repository.insert_tasks(
                session,
                [
                    TaskDraft(
                        f"{organism}:{claim_ref}:{PLAN_REQUEST_TASK}:{on.isoformat()}:{monthly}",
                        organism_id,
                        row.debtor_id,
                        row.id,
                        PLAN_REQUEST_TASK,
                        on,
                        due_on=on + timedelta(days=15),
                        data={
                            "monthly_cents": monthly,
                            "first_due": first_due.isoformat(),
                            "months": months,
                            "why": why,
                            "reason": reason,
                            "asked_by": debtor,
                        },
                    )
                ],
            )
        current.note(queued=True, monthly=format_amount(monthly), months=months, reason=reason)
    return PlanAnswer(False, None, months, maximum, reason)


def _store(
    services: Services,
    actor: Actor,
    claim_ref: str,
    purpose: str,
    uploads: list[debtor_space.Upload],
    on: date,
) -> list[debtor_space.DocumentView]:
    organism, debtor = _debtor(actor)
    if not uploads:
        return []
    own(services, actor, "documents.upload", claim=claim_ref)
    with act(
        services,
        actor,
        "documents.upload",
        organism=organism,
        subject=f"{organism} créance {claim_ref}",
        on=on,
    ) as current:
        stored = debtor_space.store_documents(services, organism, debtor, claim_ref, purpose, uploads)
        current.note(purpose=purpose, documents=debtor_space.describe_upload(stored))
    return stored


def ask_remission(
    services: Services,
    actor: Actor,
    claim_ref: str,
    on: date,
    why: str,
    uploads: list[debtor_space.Upload],
) -> tuple[remission.RemissionCaseView, list[debtor_space.DocumentView]]:
    """A remission request with its supporting documents (kept first, then the request)."""
    organism, _ = _debtor(actor)
    own(services, actor, "remissions.request", claim=claim_ref)
    stored = _store(services, actor, claim_ref, "remission", uploads, on)
    trace = ", ".join(f"pièce {view.id}" for view in stored)
    case = request_remission(
        services, actor, organism, claim_ref, on, "debtor", "espace débiteur", trace, why=why
    )
    return case, stored


def file_appeal(
    services: Services,
    actor: Actor,
    claim_ref: str,
    on: date,
    grounds: str,
    uploads: list[debtor_space.Upload],
) -> tuple[appeals.AppealView, list[debtor_space.DocumentView]]:
    """An amicable appeal (commission de recours amiable) filed by the debtor, with its documents;
    the view returned is the acknowledgment (filed on, implicit rejection date)."""
    organism, _ = _debtor(actor)
    own(services, actor, "appeals.file", claim=claim_ref)
    stored = _store(services, actor, claim_ref, "appeal", uploads, on)
    view = file_appeal_command(
        services, actor, organism, claim_ref, on, filed_by=Appellant.DEBTOR, why=grounds
    )
    return view, stored
