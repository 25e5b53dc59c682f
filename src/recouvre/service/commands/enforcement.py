"""Enforcement titles (PM241 procedures 6 and 7): drafting, signature, filing, service,
opposition, hearings, the court's decision, annulment — each through the door.

Who may do what (``security/roles.yaml``):

* ``titles.draft`` — the case worker drafts the title from the claim's ``review`` task;
* ``enforcement.sign`` — a contrainte is signed by the director (his own power, CSS L122-1) or
  by an agent holding a valid ``sign_enforcement_titles`` mandate (R-CONTR-1); the request for a
  payment injunction is filed under ``injunctions.file`` (the director, or a
  ``file_payment_injunctions`` mandate). Anyone else is refused and the refusal is audited
  ``denied``. The signer and the mandate are recorded on the title;
* ``titles.record`` — the court's order, the service, the opposition, a hearing date;
* ``titles.decide`` — the court's decision on the opposition (the director, who represents the
  organism in court); ``titles.annul`` — the director withdraws a title not yet enforceable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from recouvre.domain.enforcement import Outcome, ServiceVia, TitleAct, TitleKind, TitleState
from recouvre.domain.errors import DomainError
from recouvre.domain.money import Cents
from recouvre.security.authorization import Actor, Subject
from recouvre.service import enforcement, mandates
from recouvre.service.context import Services, refusals
from recouvre.service.door import REFUSALS, guard, guard_claim, on_claim, today

SIGN_ACTIONS = {TitleKind.CONTRAINTE: "enforcement.sign", TitleKind.INJUNCTION: "injunctions.file"}
POWERS = {TitleKind.CONTRAINTE: "sign_enforcement_titles", TitleKind.INJUNCTION: "file_payment_injunctions"}
ACT_ACTIONS = {
    TitleAct.GRANTED: "titles.record",
    TitleAct.SERVED: "titles.record",
    TitleAct.OPPOSED: "titles.record",
    TitleAct.HEARING: "titles.record",
    TitleAct.DECIDED: "titles.decide",
    TitleAct.ANNULLED: "titles.annul",
}
DIRECTOR = "director"
OWN_POWER = "pouvoir propre du directeur (CSS L122-1)"


def _describe(view: enforcement.TitleView) -> dict[str, object]:
    return view.describe()


def kind_for(benefit: str) -> TitleKind:
    """The title a claim of ``benefit`` goes to: injunction for ALS and LOAN, contrainte otherwise."""
    from recouvre.domain.enforcement import INJUNCTION_ONLY

    return TitleKind.INJUNCTION if benefit in INJUNCTION_ONLY else TitleKind.CONTRAINTE


def draft_title(
    services: Services,
    actor: Actor,
    organism: str,
    claim_ref: str,
    on: date,
    kind: TitleKind | None = None,
    *,
    why: str = "",
    key: str | None = None,
) -> enforcement.TitleView:
    """Draft the claim's enforcement title (``kind`` defaults to the one its benefit goes to)."""
    if kind is None:
        guard_claim(services, actor, "titles.draft", organism, claim_ref)
        kind = kind_for(enforcement.claim_benefit(services, organism, claim_ref))
    chosen = kind
    return on_claim(
        services,
        actor,
        "titles.draft",
        organism,
        claim_ref,
        on,
        why,
        lambda: enforcement.draft(services, organism, claim_ref, chosen, on, by=actor.user, why=why, key=key),
        _describe,
    )


@dataclass(frozen=True)
class Signature:
    """Who signs and under which power."""

    signer: str
    mandate_id: int | None
    label: str


def signature_of(services: Services, actor: Actor, kind: TitleKind) -> Signature:
    """The signer's power, already checked by the door: the director's own, or his valid mandate."""
    if DIRECTOR in actor.roles:
        return Signature(actor.user, None, OWN_POWER)
    day = today(services)
    for mandate in mandates.list_mandates(services, username=actor.user):
        if mandate.power == POWERS[kind] and mandate.valid_on(day):
            until = mandate.valid_until.strftime("%d/%m/%Y")
            text = f"mandat n° {mandate.id} du directeur ({mandate.granted_by}), valable jusqu'au {until}"
            return Signature(actor.user, mandate.id, text)
    return Signature(actor.user, None, "")


def sign_title(
    services: Services, actor: Actor, organism: str, title_id: int, on: date, *, why: str = ""
) -> enforcement.TitleView:
    """Sign a drafted contrainte (issued, letter to the debtor) or file a drafted injunction's
    request, under the director's own power or a valid mandate; refused (and audited ``denied``)
    to anyone else."""
    found = enforcement.get_title(services, organism, title_id, on)
    action = SIGN_ACTIONS.get(found.kind)
    if action is None:
        raise DomainError("title", title_id, "ce titre ne se signe pas (état de produits)")
    guard(services, actor, action, Subject(organism=organism))
    signature = signature_of(services, actor, found.kind)
    return on_claim(
        services,
        actor,
        action,
        organism,
        found.claim,
        on,
        why,
        lambda: enforcement.sign(
            services,
            organism,
            title_id,
            on,
            signer=signature.signer,
            mandate_id=signature.mandate_id,
            mandate_label=signature.label,
            why=why,
        ),
        _describe,
    )


@dataclass(frozen=True)
class BasketResult:
    title_id: int
    view: enforcement.TitleView | None
    error: str | None


def sign_titles(
    services: Services, actor: Actor, organism: str, title_ids: Iterable[int], on: date, *, why: str = ""
) -> list[BasketResult]:
    """Sign a batch of titles from the signature basket, one act each: a title the rules refuse
    is reported and the others are signed. The power is checked first, once for the batch."""
    guard(services, actor, "enforcement.sign", Subject(organism=organism))
    results: list[BasketResult] = []
    for title_id in title_ids:
        try:
            results.append(
                BasketResult(title_id, sign_title(services, actor, organism, title_id, on, why=why), None)
            )
        except REFUSALS as error:
            results.append(BasketResult(title_id, None, getattr(error, "reason", str(error))))
    return results


def record_title_act(
    services: Services,
    actor: Actor,
    organism: str,
    title_id: int,
    act: TitleAct,
    on: date,
    *,
    via: ServiceVia | None = None,
    outcome: Outcome | None = None,
    amount: Cents | None = None,
    hearing_on: date | None = None,
    why: str = "",
) -> enforcement.TitleView:
    """Record an act on a title: the order, the service, the opposition, a hearing, the court's
    decision, the annulment."""
    action = ACT_ACTIONS.get(act)
    if action is None:
        raise DomainError("act", act.value, f"une valeur parmi {', '.join(a.value for a in ACT_ACTIONS)}")
    guard(services, actor, action, Subject(organism=organism))
    found = enforcement.get_title(services, organism, title_id, on)
    return on_claim(
        services,
        actor,
        action,
        organism,
        found.claim,
        on,
        why,
        lambda: enforcement.record_act(
            services,
            organism,
            title_id,
            act,
            on,
            by=actor.user,
            why=why,
            via=via,
            outcome=outcome,
            amount=amount,
            hearing_on=hearing_on,
        ),
        _describe,
    )


def claim_title_id(
    services: Services, actor: Actor, organism: str, claim_ref: str, on: date, kind: TitleKind | None = None
) -> int:
    """The id of the claim's current title (refused, and the refusal recorded on ``on``, under the
    kind's event when there is none)."""
    guard_claim(services, actor, "claims.read", organism, claim_ref)
    with refusals(services, organism, on):
        return enforcement.claim_title_id(services, organism, claim_ref, kind)


# -- reads -------------------------------------------------------------------------------------------


def claim_titles(
    services: Services, actor: Actor, organism: str, claim_ref: str, on: date
) -> list[enforcement.TitleView]:
    guard_claim(services, actor, "claims.read", organism, claim_ref)
    return enforcement.titles_of(services, organism, claim_ref, on)


def signature_basket(
    services: Services, actor: Actor, organism: str, on: date
) -> list[enforcement.QueueItem]:
    """The titles awaiting a signature (contraintes) or a filing (injunctions): the director's
    basket, readable by whoever may sign."""
    guard(services, actor, "enforcement.sign", Subject(organism=organism))
    return enforcement.organism_titles(services, organism, on, [TitleState.DRAFTED])


@dataclass(frozen=True)
class ContentiousQueue:
    to_draft: list[dict[str, object]]
    to_sign: list[enforcement.QueueItem]
    to_serve: list[enforcement.QueueItem]
    windows: list[enforcement.QueueItem]
    """Served titles whose opposition window is running, the soonest end first."""
    opposed: list[enforcement.QueueItem]
    """Opposed titles (hearings, decisions awaited)."""


def contentious_queue(services: Services, actor: Actor, organism: str, on: date) -> ContentiousQueue:
    """The contentious queue: titles to draft (open review tasks), to sign, to serve, opposition
    windows running, oppositions awaiting the court's decision (with their hearings)."""
    guard(services, actor, "queues.read", Subject(organism=organism))
    items = enforcement.organism_titles(services, organism, on)
    return ContentiousQueue(
        to_draft=enforcement.claims_to_draft(services, organism, on),
        to_sign=[item for item in items if item.title.state is TitleState.DRAFTED],
        to_serve=[item for item in items if item.title.state in (TitleState.ISSUED, TitleState.GRANTED)],
        windows=[item for item in items if item.title.state is TitleState.SERVED],
        opposed=[item for item in items if item.title.state is TitleState.OPPOSED],
    )


def as_ids(values: Sequence[str]) -> list[int]:
    """Title ids typed by a user (``12``, ``T12``)."""
    found: list[int] = []
    for value in values:
        text = value.strip().upper().removeprefix("T")
        if not text.isdigit():
            raise DomainError("title", value, "un numéro de titre (ex. 12)")
        found.append(int(text))
    return found


def title_document(services: Services, actor: Actor, organism: str, title_id: int) -> tuple[str, bytes]:
    """The title's PDF (the contrainte, or the request for a payment injunction) and its file name."""
    guard(services, actor, "claims.read", Subject(organism=organism))
    found = enforcement.get_title(services, organism, title_id, today(services))
    guard_claim(services, actor, "claims.read", organism, found.claim)
    return enforcement.title_document(services, organism, title_id)
