"""Enforcement titles (PM241 procedures 6 and 7; the CNSS's état de produits): recording their
acts and reading their state at any date. The rules are in ``recouvre.domain.enforcement``.

Choices (stated): **one title per claim** — a contrainte or an injunction bears on one claim, so
that its amount, its court (judicial or administrative, by benefit) and its opposition are the
claim's own; a debtor with several claims in default gets one title per claim. A new title may
be drafted for a claim only when its last title is annulled (RULES.md §2.2, "autonomie de la
contrainte").

Acts, each in the caller's unit of work (the door's act) and idempotent by key:

* ``draft`` — from the ``review`` task (it closes it): the claim must be in phase
  ``contentious``, not suspended, not prescribed, owing something, and its benefit must suit the
  title (ALS and LOAN: injunction; others: contrainte); otherwise refused with a French message
  under the event key ``contrainte`` or ``injunction``.
* ``sign`` (contrainte) — by the director or an agent under a valid ``sign_enforcement_titles``
  mandate (the door checks the power; the signer and the mandate are recorded here): the title
  is ``issued`` for the claim's balance that day and a letter ``contrainte`` is issued.
* ``file`` / ``grant`` (injunction) — the request to the court (a court action that interrupts
  prescription, C. civ. 2241), then the order.
* ``serve`` — by bailiff or registered letter: an enforcement act that interrupts prescription
  (C. civ. 2244); the opposition window runs to S + ``contrainte.opposition_days`` or S +
  ``injunction.opposition_months`` (month's end when the day does not exist), included.
* ``oppose`` — within the window: the claim is suspended (reason ``opposition``) as by a pending
  appeal (withholding and the monthly cycle honour it); after the window it is refused.
* ``hearing`` — a hearing date; ``decide`` — ``rejected`` (enforceable), ``upheld`` (annulled,
  back to phase contentious), ``reduced`` (a ``cancellation`` brings the principal down to
  ``amount``; enforceable); the suspension ends.
* ``annul`` — the organism withdraws a title not yet enforceable.
* ``record_enforceable_title`` — the CNSS's état de produits, enforceable on issue.

Reading: ``title_on`` (the claim's current title and its state at a date: served and unopposed,
it is ``enforceable`` from the day after its window with no act), ``phase_on`` (the claim is in
phase ``enforcement`` whenever its current title is enforceable).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from recouvre.domain.appeals import reduced_effect
from recouvre.domain.enforcement import (
    ADMINISTRATIVE_COURT,
    KIND_LABELS,
    ActRecord,
    Derived,
    Outcome,
    ServiceVia,
    TitleAct,
    TitleKind,
    TitleState,
    allowed_kind,
    check_act,
    opposition_end,
    state_on,
)
from recouvre.domain.errors import NotFound, Refused
from recouvre.domain.ledger import MovementKind, MovementRequest
from recouvre.domain.model import Benefit, DomainError, Phase
from recouvre.domain.money import Cents
from recouvre.letters.court import InjunctionRequest, RequestLine
from recouvre.policy import Policy
from recouvre.policy.values import Court
from recouvre.service import prescription, suspensions, transfers
from recouvre.service.context import Services, refusals
from recouvre.service.interruptions import find_claim
from recouvre.storage import repository
from recouvre.storage.enforcement_tables import EnforcementTitleActRow, EnforcementTitleRow
from recouvre.storage.repository import LetterDraft
from recouvre.storage.tables import (
    ClaimEventRow,
    ClaimLineRow,
    ClaimRow,
    DebtorRow,
    LetterClaimRow,
    LetterRow,
    OrganismRow,
    TaskRow,
)

SUSPENSION = "opposition"
"""The suspension reason of an opposed title (``service.suspensions.REASONS``)."""
CONTRAINTE_DAYS = "contrainte.opposition_days"
INJUNCTION_MONTHS = "injunction.opposition_months"
SUSPENSION_LABELS = {
    "adjustment": "suspension décidée par un gestionnaire",
    "appeal": "recours en cours",
    "over_indebtedness": "dossier de surendettement recevable",
    "remission": "demande de remise en cours",
    SUSPENSION: "opposition à un titre exécutoire",
}
NOT_YET = frozenset({TitleState.NONE, TitleState.DRAFTED})
"""States in which a claim has no title yet (the scenario check reads ``none``)."""
LIVE = frozenset(
    {
        TitleState.DRAFTED,
        TitleState.ISSUED,
        TitleState.FILED,
        TitleState.GRANTED,
        TitleState.SERVED,
        TitleState.OPPOSED,
    }
)


@dataclass(frozen=True)
class TitleActView:
    act: TitleAct
    on: date
    outcome: Outcome | None
    by: str
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class TitleView:
    """One title of a claim, as it stands at the end of ``on``."""

    id: int
    claim: str
    kind: TitleKind
    state: TitleState
    since: date | None
    drafted_on: date
    amount: Cents
    signed_on: date | None
    signed_by: str | None
    mandate_id: int | None
    served_on: date | None
    served_via: str | None
    opposition_until: date | None
    acts: tuple[TitleActView, ...]
    data: dict[str, object]

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    def describe(self) -> dict[str, object]:
        return {
            "title": {
                "id": self.id,
                "kind": self.kind.value,
                "state": self.state.value,
                "amount_cents": self.amount,
                "signed_by": self.signed_by,
                "mandate_id": self.mandate_id,
                "served_on": self.served_on,
                "opposition_until": self.opposition_until,
            }
        }


def _records(acts: Sequence[EnforcementTitleActRow]) -> list[ActRecord]:
    return [
        ActRecord(TitleAct(act.act), act.occurred_on, Outcome(act.outcome) if act.outcome else None)
        for act in acts
    ]


def _acts(session: Session, title_ids: Iterable[int]) -> dict[int, list[EnforcementTitleActRow]]:
    found: dict[int, list[EnforcementTitleActRow]] = {}
    for part in repository.chunks(sorted(set(title_ids))):
        query = (
            select(EnforcementTitleActRow)
            .where(EnforcementTitleActRow.title_id.in_(part))
            .order_by(EnforcementTitleActRow.occurred_on, EnforcementTitleActRow.id)
        )
        for act in session.scalars(query):
            found.setdefault(act.title_id, []).append(act)
    return found


def _view(
    row: EnforcementTitleRow, claim_ref: str, acts: list[EnforcementTitleActRow], on: date
) -> TitleView:
    kept = [act for act in acts if act.occurred_on <= on]
    window = row.opposition_until if row.served_on is not None and row.served_on <= on else None
    derived = state_on(_records(kept), on, window)
    return TitleView(
        id=row.id,
        claim=claim_ref,
        kind=TitleKind(row.kind),
        state=derived.state,
        since=derived.since,
        drafted_on=row.drafted_on,
        amount=row.amount_cents,
        signed_on=row.signed_on if row.signed_on is not None and row.signed_on <= on else None,
        signed_by=row.signed_by if row.signed_on is not None and row.signed_on <= on else None,
        mandate_id=row.mandate_id,
        served_on=row.served_on if row.served_on is not None and row.served_on <= on else None,
        served_via=row.served_via if row.served_on is not None and row.served_on <= on else None,
        opposition_until=window,
        acts=tuple(
            TitleActView(
                TitleAct(act.act),
                act.occurred_on,
                Outcome(act.outcome) if act.outcome else None,
                act.recorded_by,
                dict(act.data),
            )
            for act in kept
        ),
        data=dict(row.data),
    )


def titles_of_claims(session: Session, claim_ids: Iterable[int], on: date) -> dict[int, list[TitleView]]:
    """The titles of each claim drafted on or before ``on``, oldest first, at the end of ``on``."""
    ids = sorted(set(claim_ids))
    rows: list[tuple[EnforcementTitleRow, str]] = []
    for part in repository.chunks(ids):
        query = (
            select(EnforcementTitleRow, ClaimRow.ref)
            .join(ClaimRow, ClaimRow.id == EnforcementTitleRow.claim_id)
            .where(EnforcementTitleRow.claim_id.in_(part), EnforcementTitleRow.drafted_on <= on)
            .order_by(EnforcementTitleRow.id)
        )
        rows.extend((row, ref) for row, ref in session.execute(query))
    acts = _acts(session, (row.id for row, _ in rows))
    found: dict[int, list[TitleView]] = {}
    for row, ref in rows:
        found.setdefault(row.claim_id, []).append(_view(row, ref, acts.get(row.id, []), on))
    return found


def current_of(views: Sequence[TitleView]) -> TitleView | None:
    """The claim's current title: its last one (a new one is drafted only after an annulment)."""
    return views[-1] if views else None


def effective_of(views: Sequence[TitleView]) -> TitleView | None:
    """The last title that is more than a draft (what the ``title`` check reads)."""
    for view in reversed(views):
        if view.state not in NOT_YET:
            return view
    return None


def state_of_claim(session: Session, claim_id: int, on: date) -> TitleState:
    """The state of the claim's title at the end of ``on`` (``none`` when it has none yet)."""
    view = effective_of(titles_of_claims(session, [claim_id], on).get(claim_id, []))
    return TitleState.NONE if view is None else view.state


def enforceable_claims(session: Session, claim_ids: Iterable[int], on: date) -> set[int]:
    """The claims among ``claim_ids`` whose title is enforceable at the end of ``on``."""
    found: set[int] = set()
    for claim_id, views in titles_of_claims(session, claim_ids, on).items():
        view = effective_of(views)
        if view is not None and view.state is TitleState.ENFORCEABLE:
            found.add(claim_id)
    return found


def phase_on(session: Session, claim_id: int, on: date, phase: Phase) -> Phase:
    """The claim's phase at the end of ``on`` given the phase its events give: ``enforcement``
    whenever its title is enforceable (the only way into that phase, besides the CNSS's own
    phase event); an annulled title leaves the claim where its events put it (contentious)."""
    if phase is Phase.ENFORCEMENT:
        return phase
    return phase_with_title(phase, claim_id in enforceable_claims(session, [claim_id], on))


def phase_with_title(phase: Phase, enforceable: bool) -> Phase:
    """The phase of a claim whose events give ``phase``, knowing whether its title is enforceable."""
    return Phase.ENFORCEMENT if enforceable else phase


def _event_phase(session: Session, claim_id: int, on: date) -> Phase:
    phase = Phase.AMICABLE
    query = (
        select(ClaimEventRow.data)
        .where(ClaimEventRow.claim_id == claim_id, ClaimEventRow.kind == "phase")
        .where(ClaimEventRow.occurred_on <= on)
        .order_by(ClaimEventRow.occurred_on, ClaimEventRow.id)
    )
    for data in session.scalars(query):
        phase = Phase(str(data["phase"]))
    return phase


def claim_phase(session: Session, claim_id: int, on: date) -> Phase:
    return phase_on(session, claim_id, on, _event_phase(session, claim_id, on))


# -- recording ---------------------------------------------------------------------------------------


def _windows(policy: Policy, on: date) -> tuple[int, int]:
    days = policy.whole(CONTRAINTE_DAYS, on) if CONTRAINTE_DAYS in policy else 15
    months = policy.whole(INJUNCTION_MONTHS, on) if INJUNCTION_MONTHS in policy else 1
    return days, months


def _event_name(kind: TitleKind) -> str:
    return kind.value if kind is not TitleKind.ETAT_DE_PRODUITS else "commandement"


def _refusal_of_claim(
    session: Session, services: Services, organism_code: str, row: ClaimRow, kind: TitleKind, on: date
) -> str | None:
    """Why a title of ``kind`` may not be drafted, signed or filed for the claim on ``on`` (French)."""
    _, organism = services.organism(session, organism_code)
    policy = services.policy(organism)
    label = KIND_LABELS[kind]
    wrong = allowed_kind(kind, row.benefit)
    if wrong is not None:
        return wrong
    if on < row.established_on:
        return f"la créance {row.ref} n'est constatée que le {row.established_on.isoformat()}"
    ledger = repository.load_ledger(session, row.id, until=on)
    if ledger.balance <= 0:
        return f"la créance {row.ref} ne présente aucun solde à recouvrer"
    transferred = transfers.transfer_refusal(session, row.id, row.ref, on, f"une {label}")
    if transferred is not None:
        return transferred
    if suspensions.is_suspended(session, row.id, on):
        reasons = ", ".join(
            SUSPENSION_LABELS.get(reason, reason)
            for reason in sorted(suspensions.active_reasons(session, row.id, on))
        )
        return f"le recouvrement de la créance {row.ref} est suspendu ({reasons}) : pas de {label}"
    if row.id in prescription.prescribed_claims(session, [row.id], on, policy):
        return f"la créance {row.ref} est prescrite : pas de {label}"
    phase = claim_phase(session, row.id, on)
    if phase is not Phase.CONTENTIOUS:
        where = "amiable" if phase is Phase.AMICABLE else "d'exécution forcée"
        return (
            f"la créance {row.ref} est en phase {where} : une {label} n'est possible qu'en phase "
            "contentieuse, après une mise en demeure restée sans effet"
        )
    return None


def _title_row(session: Session, title_id: int, organism_id: int) -> EnforcementTitleRow:
    row = session.get(EnforcementTitleRow, title_id)
    if row is None or row.organism_id != organism_id:
        raise NotFound("title", title_id, "aucun titre exécutoire de ce numéro dans cet organisme")
    return row


def _add_act(
    session: Session,
    title: EnforcementTitleRow,
    act: TitleAct,
    on: date,
    *,
    by: str,
    why: str,
    outcome: Outcome | None = None,
    data: dict[str, object] | None = None,
    suffix: str = "",
) -> bool:
    key = f"{title.key}:{act.value}{suffix}"
    if session.scalar(select(EnforcementTitleActRow.id).where(EnforcementTitleActRow.key == key)) is not None:
        return False
    session.add(
        EnforcementTitleActRow(
            key=key,
            title_id=title.id,
            claim_id=title.claim_id,
            occurred_on=on,
            act=act.value,
            outcome=None if outcome is None else outcome.value,
            recorded_by=by,
            why=why,
            data=data or {},
        )
    )
    # the claim's timeline shows the act (``claim_events``, kind ``title``)
    repository.add_claim_event(
        session,
        f"{key}:event",
        title.claim_id,
        on,
        "title",
        {
            "title": title.id,
            "kind": title.kind,
            "act": act.value,
            "outcome": None if outcome is None else outcome.value,
            "by": by,
            **(data or {}),
        },
    )
    session.flush()
    return True


def _state(session: Session, title: EnforcementTitleRow, on: date) -> Derived:
    acts = _acts(session, [title.id]).get(title.id, [])
    window = title.opposition_until if title.served_on is not None and title.served_on <= on else None
    return state_on(_records([act for act in acts if act.occurred_on <= on]), on, window)


def _claim_titles(session: Session, claim_id: int) -> list[EnforcementTitleRow]:
    query = select(EnforcementTitleRow).where(EnforcementTitleRow.claim_id == claim_id)
    return list(session.scalars(query.order_by(EnforcementTitleRow.id)))


def _close_review_tasks(session: Session, claim_id: int, on: date, by: str) -> None:
    session.execute(
        update(TaskRow)
        .where(TaskRow.claim_id == claim_id, TaskRow.type == "review", TaskRow.status == "open")
        .where(TaskRow.created_on <= on)
        .values(status="done", closed_on=on, closed_by=by or "system", close_reason="title_drafted")
    )


def draft(
    services: Services,
    organism_code: str,
    claim_ref: str,
    kind: TitleKind,
    on: date,
    *,
    by: str = "",
    why: str = "",
    key: str | None = None,
) -> TitleView:
    """Draft a title of ``kind`` for the claim (from its review task, which it closes)."""
    event = _event_name(kind)
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        row = find_claim(services, session, organism_code, claim_ref)
        refusal = _refusal_of_claim(session, services, organism_code, row, kind, on)
        existing = _claim_titles(session, row.id)
        if existing:
            last = existing[-1]
            state = _state(session, last, on).state
            if key is not None and last.key.endswith(f":{key}") and last.kind == kind.value:
                return title_view(session, last, on)  # a replay of this draft
            if state is not TitleState.ANNULLED:
                what = KIND_LABELS[TitleKind(last.kind)]
                refusal = refusal or (
                    f"la créance {claim_ref} a déjà une {what} ({_label_state(state)}) : "
                    "un nouveau titre n'est possible qu'après son annulation"
                )
        if refusal is not None:
            raise Refused(event, claim_ref, refusal)
        number = len(existing) + 1
        title = EnforcementTitleRow(
            key=f"{organism_code}:{claim_ref}:title:{key or number}",
            organism_id=row.organism_id,
            claim_id=row.id,
            kind=kind.value,
            status=TitleState.DRAFTED.value,
            drafted_on=on,
            amount_cents=repository.load_ledger(session, row.id, until=on).balance,
            recorded_by=by,
            recorded_at=services.clock(),
            data={"number": number, "benefit": row.benefit, "court": court_of(row.benefit)},
        )
        session.add(title)
        session.flush()
        _add_act(session, title, TitleAct.DRAFTED, on, by=by, why=why)
        _close_review_tasks(session, row.id, on, by)
        return title_view(session, title, on)


def _label_state(state: TitleState) -> str:
    from recouvre.domain.enforcement import STATE_LABELS

    return STATE_LABELS[state]


def court_of(benefit: str) -> str:
    """The court before which the debtor opposes a contrainte (RULES.md §2.2, §7.2)."""
    return "administrative" if benefit in ADMINISTRATIVE_COURT else "judicial"


def _debtor_address(session: Session, debtor_id: int) -> str | None:
    return session.scalar(select(DebtorRow.address).where(DebtorRow.id == debtor_id))


def _town(address: str | None) -> tuple[str, str] | None:
    """(postal code, town) read from the last line of a French postal address, if any."""
    if not address:
        return None
    lines = [part.strip() for part in (address.splitlines() if "\n" in address else address.split(","))]
    for line in reversed([part for part in lines if part]):
        head, _, rest = line.partition(" ")
        if len(head) == 5 and head.isdigit() and rest.strip():
            return head, rest.strip()
    return None


HOME_COURTS: Final = {
    "administrative": "Tribunal administratif du lieu de votre domicile",
    "judicial": "Pôle social du tribunal judiciaire du lieu de votre domicile",
    "injunction": "Tribunal judiciaire du domicile du débiteur",
}


def court_details(kind: str, debtor_address: str | None, courts: Sequence[Court]) -> dict[str, object]:
    """The competent court's name and the address of its registry, as the title prints them
    (R133-3: on pain of nullity, for a contrainte): the court of the debtor's home of ``kind``
    — ``court_of(benefit)`` for a contrainte (the pôle social of the tribunal judiciaire, or the
    tribunal administratif for RSA, APL and the prime d'activité; RULES.md §2.2, §7.2), or
    ``"injunction"``, the tribunal judiciaire a payment injunction is asked of — looked up in
    the organism's directory (policy ``enforcement.courts``: the longest postal-code prefix of
    the debtor's address wins). A home the directory does not cover is described, never
    invented: « du lieu de votre domicile »."""
    found = _town(debtor_address)
    candidates = [court for court in courts if court.kind == kind]
    if found is not None:
        postcode = found[0]
        best = max(candidates, key=lambda court: court.serves(postcode), default=None)
        if best is not None and best.serves(postcode):
            return {"court_name": best.name, "court_address": best.address}
    return {"court_name": HOME_COURTS[kind]}


def title_view(session: Session, title: EnforcementTitleRow, on: date) -> TitleView:
    ref = session.scalar(select(ClaimRow.ref).where(ClaimRow.id == title.claim_id)) or ""
    return _view(title, ref, _acts(session, [title.id]).get(title.id, []), on)


def _replayed(
    session: Session, title: EnforcementTitleRow, act: TitleAct, on: date, why: str, suffix: str = ""
) -> bool:
    """Whether this very act (same title, act, date and reason) is already recorded: a replay
    (a form sent twice, a scenario replayed) records nothing; another one is judged by the rules."""
    key = f"{title.key}:{act.value}{suffix}"
    found = session.execute(
        select(EnforcementTitleActRow.occurred_on, EnforcementTitleActRow.why).where(
            EnforcementTitleActRow.key == key
        )
    ).first()
    return found is not None and (found[0], found[1]) == (on, why)


def _checked(
    session: Session,
    services: Services,
    organism_code: str,
    title: EnforcementTitleRow,
    act: TitleAct,
    on: date,
) -> tuple[ClaimRow, Derived]:
    claim = session.get(ClaimRow, title.claim_id)
    assert claim is not None
    kind = TitleKind(title.kind)
    window = title.opposition_until if title.served_on is not None and title.served_on <= on else None
    current = _state(session, title, on)
    problem = check_act(kind, current, act, on, window)
    if problem is not None:
        raise Refused(_event_name(kind), claim.ref, problem)
    return claim, current


def find_title(
    services: Services, session: Session, organism_code: str, title_id: int
) -> EnforcementTitleRow:
    organism_id, _ = services.organism(session, organism_code)
    return _title_row(session, title_id, organism_id)


def claim_title_id(
    services: Services, organism_code: str, claim_ref: str, kind: TitleKind | None = None
) -> int:
    """The id of the claim's current title (of ``kind``); refused under the kind's event when none."""
    with services.db.unit_of_work() as session:
        row = find_claim(services, session, organism_code, claim_ref)
        titles = [t for t in _claim_titles(session, row.id) if kind is None or t.kind == kind.value]
        if not titles:
            what = KIND_LABELS[kind or TitleKind.CONTRAINTE]
            raise Refused(
                _event_name(kind or TitleKind.CONTRAINTE),
                claim_ref,
                f"aucune {what} en cours pour la créance {claim_ref}",
            )
        return titles[-1].id


def sign(
    services: Services,
    organism_code: str,
    title_id: int,
    on: date,
    *,
    signer: str,
    mandate_id: int | None,
    mandate_label: str,
    why: str = "",
) -> TitleView:
    """Sign a drafted contrainte (it is ``issued`` for the balance that day) and issue the letter
    ``contrainte`` to the debtor; file a drafted injunction's request (``filed``)."""
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        title = find_title(services, session, organism_code, title_id)
        kind = TitleKind(title.kind)
        act = TitleAct.ISSUED if kind is TitleKind.CONTRAINTE else TitleAct.FILED
        if _replayed(session, title, act, on, why):
            return title_view(session, title, on)
        claim, current = _checked(session, services, organism_code, title, act, on)
        if current.state is TitleState.DRAFTED:
            refusal = _refusal_of_claim(session, services, organism_code, claim, kind, on)
            if refusal is not None:
                raise Refused(_event_name(kind), claim.ref, refusal)
        balance = repository.load_ledger(session, claim.id, until=on).balance
        title.amount_cents = balance
        title.signed_on, title.signed_by, title.mandate_id = on, signer, mandate_id
        title.status = TitleState(act.value).value
        title.data = {**title.data, "mandate": mandate_label}
        _add_act(
            session,
            title,
            act,
            on,
            by=signer,
            why=why,
            data={"amount_cents": balance, "mandate_id": mandate_id, "mandate": mandate_label},
        )
        if act is TitleAct.FILED:  # a court action interrupts prescription (C. civ. 2241)
            repository.add_claim_event(
                session,
                f"{title.key}:court_action",
                claim.id,
                on,
                "court_action",
                {"by": signer, "title": title.id},
            )
        else:
            _, organism = services.organism(session, organism_code)
            days, _ = _windows(services.policy(organism), on)
            repository.insert_letters(
                session,
                [
                    LetterDraft(
                        key=f"{title.key}:letter",
                        organism_id=title.organism_id,
                        debtor_id=claim.debtor_id,
                        type="contrainte",
                        issued_on=on,
                        claim_ids=(claim.id,),
                        data={
                            "title": title.id,
                            "reference": f"CTR-{organism_code}-{claim.ref}-{title.id}",
                            "amount_cents": balance,
                            "opposition_days": days,
                            "court": court_of(claim.benefit),
                            **court_details(
                                court_of(claim.benefit),
                                _debtor_address(session, claim.debtor_id),
                                services.policy(organism).courts(on),
                            ),
                            "signatory": signer,
                            "mandate": mandate_label,
                        },
                    )
                ],
            )
        session.flush()
        return title_view(session, title, on)


def record_act(
    services: Services,
    organism_code: str,
    title_id: int,
    act: TitleAct,
    on: date,
    *,
    by: str,
    why: str = "",
    via: ServiceVia | None = None,
    outcome: Outcome | None = None,
    amount: Cents | None = None,
    hearing_on: date | None = None,
) -> TitleView:
    """Record ``granted``, ``served``, ``opposed``, ``hearing``, ``decided`` or ``annulled``."""
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        title = find_title(services, session, organism_code, title_id)
        kind = TitleKind(title.kind)
        event = _event_name(kind)
        replay_suffix = f":{hearing_on.isoformat()}" if act is TitleAct.HEARING and hearing_on else ""
        if _replayed(session, title, act, on, why, replay_suffix):
            return title_view(session, title, on)
        claim, _ = _checked(session, services, organism_code, title, act, on)
        data: dict[str, object] = {}
        suffix = ""
        if act is TitleAct.SERVED:
            if via is None:
                raise DomainError("via", None, "une valeur parmi bailiff, registered_letter")
            _, organism = services.organism(session, organism_code)
            days, months = _windows(services.policy(organism), on)
            title.served_on, title.served_via = on, via.value
            title.opposition_until = opposition_end(kind, on, days=days, months=months)
            data = {"via": via.value, "opposition_until": title.opposition_until.isoformat()}
            # the service is an enforcement act: it interrupts prescription (C. civ. 2244)
            repository.add_claim_event(
                session,
                f"{title.key}:enforcement_act",
                claim.id,
                on,
                "enforcement_act",
                {"by": by, "title": title.id, "via": via.value},
            )
        elif act is TitleAct.OPPOSED:
            suspensions.suspend(
                session,
                claim.id,
                SUSPENSION,
                on,
                key=f"{title.key}:suspend",
                by=by,
                why=why or f"opposition à la {KIND_LABELS[kind]}",
            )
        elif act is TitleAct.HEARING:
            if hearing_on is None:
                raise DomainError("hearing_on", None, "la date de l'audience est requise")
            data = {"hearing_on": hearing_on.isoformat()}
            suffix = f":{hearing_on.isoformat()}"
        elif act is TitleAct.DECIDED:
            if outcome is None:
                raise DomainError("outcome", None, "une valeur parmi rejected, upheld, reduced")
            if (outcome is Outcome.REDUCED) != (amount is not None):
                raise DomainError(
                    "amount", amount, "le nouveau principal ne se donne qu'avec l'issue « réduite »"
                )
            if outcome is Outcome.REDUCED:
                assert amount is not None
                data = _reduce(session, services, claim, title, on, amount, event)
            if SUSPENSION in suspensions.active_reasons(session, claim.id, on):
                suspensions.resume(
                    session,
                    claim.id,
                    SUSPENSION,
                    on,
                    key=f"{title.key}:resume",
                    by=by,
                    why=why or f"décision sur l'opposition : {outcome.value}",
                )
        if act is TitleAct.DECIDED:
            assert outcome is not None
            title.status = (
                TitleState.ANNULLED if outcome is Outcome.UPHELD else TitleState.ENFORCEABLE
            ).value
        elif act is not TitleAct.HEARING:
            title.status = TitleState(act.value).value
        _add_act(session, title, act, on, by=by, why=why, outcome=outcome, data=data, suffix=suffix)
        return title_view(session, title, on)


def _reduce(
    session: Session,
    services: Services,
    claim: ClaimRow,
    title: EnforcementTitleRow,
    on: date,
    amount: Cents,
    event: str,
) -> dict[str, object]:
    from recouvre.service.payments import post  # payments imports claims, which imports this module

    ledger = repository.load_ledger(session, claim.id, until=on)
    principal = ledger.sum_of(frozenset({MovementKind.ESTABLISHED})) - ledger.sum_of(
        frozenset({MovementKind.CANCELLATION})
    )
    try:
        effect = reduced_effect(ledger, principal, amount)
    except DomainError as error:
        raise Refused(event, claim.ref, f"montant réduit impossible : {error.reason}") from None
    note = f"{KIND_LABELS[TitleKind(title.kind)]} : opposition, principal réduit à {amount} centimes"
    if effect.cancellation > 0:
        post(
            session,
            services,
            claim,
            MovementRequest(
                key=f"{title.key}:cancellation",
                kind=MovementKind.CANCELLATION,
                amount=effect.cancellation,
                booked_on=on,
                note=note,
            ),
        )
    if effect.refund > 0:
        post(
            session,
            services,
            claim,
            MovementRequest(
                key=f"{title.key}:refund",
                kind=MovementKind.REFUND,
                amount=effect.refund,
                booked_on=on,
                note=note,
            ),
        )
    title.amount_cents = amount
    return {"new_principal_cents": amount, **effect.explain()}


def record_enforceable_title(
    session: Session,
    services: Services,
    claim_id: int,
    on: date,
    *,
    kind: TitleKind = TitleKind.ETAT_DE_PRODUITS,
    by: str = "system",
    why: str = "",
) -> bool:
    """Record, in the caller's unit of work, an enforceable title of ``kind`` (the CNSS's état de
    produits, RULES.md §11.2) for the claim on ``on``, for its balance that day. Idempotent: one
    per claim and day. Returns whether it is new. The claim's ``title`` reads ``enforceable`` and
    its phase ``enforcement`` from ``on``."""
    claim = session.get(ClaimRow, claim_id)
    if claim is None:
        raise NotFound("claim", claim_id, "créance introuvable")
    key = f"{claim.organism_id}:{claim.ref}:title:{kind.value}:{on.isoformat()}"
    if session.scalar(select(EnforcementTitleRow.id).where(EnforcementTitleRow.key == key)) is not None:
        return False
    balance = repository.load_ledger(session, claim.id, until=on).balance
    title = EnforcementTitleRow(
        key=key,
        organism_id=claim.organism_id,
        claim_id=claim.id,
        kind=kind.value,
        status=TitleState.ENFORCEABLE.value,
        drafted_on=on,
        amount_cents=balance,
        signed_on=on,
        signed_by=by,
        recorded_by=by,
        recorded_at=services.clock(),
        data={"benefit": claim.benefit},
    )
    session.add(title)
    session.flush()
    _add_act(session, title, TitleAct.ENFORCEABLE, on, by=by, why=why, data={"amount_cents": balance})
    return True


def record_enforceable(
    services: Services, organism_code: str, claim_ref: str, on: date, *, by: str = "system", why: str = ""
) -> bool:
    """``record_enforceable_title`` in its own unit of work, for a claim named by its reference."""
    with services.db.unit_of_work() as session:
        row = find_claim(services, session, organism_code, claim_ref)
        return record_enforceable_title(session, services, row.id, on, by=by, why=why)


# -- reading -----------------------------------------------------------------------------------------


def titles_of(services: Services, organism_code: str, claim_ref: str, on: date) -> list[TitleView]:
    with services.db.unit_of_work() as session:
        row = find_claim(services, session, organism_code, claim_ref)
        return titles_of_claims(session, [row.id], on).get(row.id, [])


def title_state(services: Services, organism_code: str, claim_ref: str, on: date) -> TitleState:
    """What the ``title`` check reads: the state of the claim's last title that is more than a draft."""
    with services.db.unit_of_work() as session:
        row = find_claim(services, session, organism_code, claim_ref)
        return state_of_claim(session, row.id, on)


def get_title(services: Services, organism_code: str, title_id: int, on: date) -> TitleView:
    with services.db.unit_of_work() as session:
        return title_view(session, find_title(services, session, organism_code, title_id), on)


@dataclass(frozen=True)
class QueueItem:
    title: TitleView
    debtor: str
    benefit: str
    balance: Cents


def organism_titles(
    services: Services, organism_code: str, on: date, states: Iterable[TitleState] | None = None
) -> list[QueueItem]:
    """The organism's current titles at the end of ``on`` (of ``states``), for the queues."""
    wanted = None if states is None else frozenset(states)
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        claim_ids = list(
            session.scalars(
                select(EnforcementTitleRow.claim_id)
                .where(EnforcementTitleRow.organism_id == organism_id, EnforcementTitleRow.drafted_on <= on)
                .distinct()
            )
        )
        titles = titles_of_claims(session, claim_ids, on)
        items: list[QueueItem] = []
        for claim_id, views in titles.items():
            view = current_of(views)
            if view is None or (wanted is not None and view.state not in wanted):
                continue
            claim = session.get(ClaimRow, claim_id)
            assert claim is not None
            debtor = session.scalar(select(DebtorRow.ref).where(DebtorRow.id == claim.debtor_id))
            balance = repository.load_ledger(session, claim_id, until=on).balance
            items.append(QueueItem(view, debtor or "", claim.benefit, balance))
        items.sort(key=lambda item: (item.title.opposition_until or item.title.drafted_on, item.title.id))
        return items


def claim_benefit(services: Services, organism_code: str, claim_ref: str) -> str:
    with services.db.unit_of_work() as session:
        return find_claim(services, session, organism_code, claim_ref).benefit


def claims_to_draft(services: Services, organism_code: str, on: date) -> list[dict[str, object]]:
    """The claims whose title is to draft: an open ``review`` task (created by ``on``) and no
    title yet, or a last title annulled (a new one may be drafted while the claim is owed and
    not time-barred; ``task`` is then ``0``)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        query = (
            select(TaskRow.claim_id, TaskRow.id, TaskRow.due_on)
            .where(TaskRow.organism_id == organism_id, TaskRow.type == "review", TaskRow.status == "open")
            .where(TaskRow.created_on <= on, TaskRow.claim_id.is_not(None))
            .order_by(TaskRow.due_on, TaskRow.id)
        )
        tasks: dict[int, tuple[int, date | None]] = {}
        for claim_id, task_id, due_on in session.execute(query):
            if claim_id is not None:
                tasks.setdefault(claim_id, (task_id, due_on))
        annulled = set(
            session.scalars(
                select(EnforcementTitleRow.claim_id).where(
                    EnforcementTitleRow.organism_id == organism_id,
                    EnforcementTitleRow.status == TitleState.ANNULLED.value,
                    EnforcementTitleRow.drafted_on <= on,
                )
            )
        )
        titles = titles_of_claims(session, set(tasks) | annulled, on)
        found: list[dict[str, object]] = []
        for claim_id in [*tasks, *sorted(annulled - set(tasks))]:
            current = current_of(titles.get(claim_id, []))
            if current is not None and current.state is not TitleState.ANNULLED:
                continue
            claim = session.get(ClaimRow, claim_id)
            assert claim is not None
            balance = repository.load_ledger(session, claim_id, until=on).balance
            if balance <= 0:
                continue
            debtor = session.scalar(select(DebtorRow.ref).where(DebtorRow.id == claim.debtor_id)) or ""
            task_id, due_on = tasks.get(claim_id, (0, None))
            found.append(
                {
                    "task": task_id,
                    "claim": claim.ref,
                    "debtor": debtor,
                    "benefit": claim.benefit,
                    "due_on": due_on,
                    "balance": balance,
                    "kind": (
                        TitleKind.INJUNCTION if claim.benefit in ("ALS", "LOAN") else TitleKind.CONTRAINTE
                    ).value,
                    "annulled": current is not None,
                }
            )
        return found


# -- documents ---------------------------------------------------------------------------------------


def _injunction_request(
    session: Session, services: Services, title: EnforcementTitleRow
) -> InjunctionRequest:
    from recouvre.letters.context import BENEFIT_NAMES

    claim = session.get(ClaimRow, title.claim_id)
    assert claim is not None
    debtor = session.get(DebtorRow, claim.debtor_id)
    assert debtor is not None
    code = session.scalar(select(OrganismRow.code).where(OrganismRow.id == title.organism_id)) or ""
    _, organism = services.organism(session, code)
    on = title.signed_on or title.drafted_on
    ledger = repository.load_ledger(session, claim.id, until=on)
    elements = [
        RequestLine(
            "Capital restant dû au titre du prêt"
            if claim.benefit == "LOAN"
            else "Indu d'allocation de logement sociale",
            ledger.sum_of(frozenset({MovementKind.ESTABLISHED})),
        )
    ]
    for kind, label in (
        (MovementKind.INDEMNITY, "Indemnité (fraude)"),
        (MovementKind.SURCHARGE, "Majorations"),
    ):
        if amount := ledger.sum_of(frozenset({kind})):
            elements.append(RequestLine(label, amount))
    paid = ledger.sum_of(frozenset({MovementKind.PAYMENT, MovementKind.WITHHOLDING}))
    if paid:
        elements.append(RequestLine("À déduire : remboursements et retenues déjà perçus", -paid))
    other = ledger.sum_of(
        frozenset({MovementKind.REMISSION, MovementKind.CANCELLATION, MovementKind.WRITE_OFF})
    )
    if other:
        elements.append(RequestLine("À déduire : remises et annulations", -other))
    notice = session.scalar(
        select(LetterRow.issued_on)
        .join(LetterClaimRow, LetterClaimRow.letter_id == LetterRow.id)
        .where(LetterClaimRow.claim_id == claim.id, LetterRow.type == "formal_notice")
        .order_by(LetterRow.issued_on.desc())
    )
    court = str(
        court_details("injunction", debtor.address, services.policy(organism).courts(on))["court_name"]
    )
    lines = tuple(
        session.scalars(
            select(ClaimLineRow.paid_on)
            .where(ClaimLineRow.claim_id == claim.id)
            .order_by(ClaimLineRow.line_no)
        )
    )
    return InjunctionRequest(
        reference=f"IP-{code}-{claim.ref}-{title.id}",
        organism_name=organism.name or code,
        organism_code=code,
        currency="EUR",
        debtor_name=debtor.name,
        debtor_ref=debtor.ref,
        debtor_address=tuple(line.strip() for line in (debtor.address or "").splitlines() if line.strip()),
        claim_ref=claim.ref,
        benefit_name=BENEFIT_NAMES[Benefit(claim.benefit)],
        lent_on=lines,
        principal=claim.principal_cents,
        elements=tuple(elements),
        balance=ledger.balance,
        notified_on=claim.notified_on,
        formal_notice_on=notice,
        drafted_on=title.drafted_on,
        filed_on=title.signed_on,
        signatory=title.signed_by,
        mandate=None if title.data.get("mandate") is None else str(title.data.get("mandate")),
        court_name=court,
    )


def title_document(services: Services, organism_code: str, title_id: int) -> tuple[str, bytes]:
    """The title's document as a PDF, with its file name: the contrainte sent to the debtor (once
    signed), or the request for a payment injunction (from its draft on)."""
    from recouvre.letters.court import render_injunction_request
    from recouvre.service.letters import render

    with services.db.unit_of_work() as session:
        title = find_title(services, session, organism_code, title_id)
        if title.kind == TitleKind.INJUNCTION.value:
            request = _injunction_request(session, services, title)
            letter_id = None
        else:
            request = None
            letter_id = session.scalar(select(LetterRow.id).where(LetterRow.key == f"{title.key}:letter"))
            if letter_id is None:
                raise NotFound("title", title_id, "la contrainte n'est pas encore signée : pas de document")
    if request is not None:
        return f"requete-injonction-{title_id}.pdf", render_injunction_request(request)
    assert letter_id is not None
    return f"contrainte-{title_id}.pdf", render(services, letter_id)
