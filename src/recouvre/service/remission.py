"""Remissions (PM241 procedure 15): requests, routing, decisions, the automatic child-death case.

The rules are in ``recouvre.domain.remission`` (R-REMISE-1/2/3, R-NOTIF-2, R-SUSP-1); this module
applies them to the stored facts in one unit of work per command:

* ``request_remission``: refused (recorded, nothing changed) when the organism asks for itself
  (except a child death, whose case is automatic), on a fraud claim, or when nothing is owed;
  otherwise a pending case routed by the balance on the request date against
  ``remission.threshold`` (strictly below → services) with the rate the organism's scale
  proposes (debtor's PRP quotient on that date × the claim's responsibility). A request from the
  debtor's side is an acknowledgment of the debt: a ``remission_request`` claim event, which the
  prescription reads as an interruption. An RSA request suspends recovery until decided.
* ``decide_remission``: the ``remission`` movement is the decided rate of the balance at the
  decision date (rounded once, half up); the decision letter is issued; a remission suspension
  is lifted. A decision without a pending request is refused.
* ``open_automatic_cases``: called by ``claims.establish_claims`` in its own transaction.

Every command records who did it (``actor``) and why, on the case and on the claim event.
A refusal (``domain.errors.Refused``) is decided inside the unit of work, which rolls back; it is
then recorded in its own transaction (``service.context.refusals``), as for every claim-life
command (write-offs, appeals, over-indebtedness).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from recouvre.domain.errors import NotFound, Refused
from recouvre.domain.french import long_date
from recouvre.domain.ledger import MovementKind, MovementRequest
from recouvre.domain.model import (
    Benefit,
    Claim,
    Creditor,
    DatedValue,
    DomainError,
    Responsibility,
    value_on,
)
from recouvre.domain.money import Cents, format_amount
from recouvre.domain.remission import (
    CHILD_DEATH_RATE,
    DEBTOR_SIDE,
    SUSPENDS_ON_REQUEST,
    RemissionStatus,
    Requester,
    RequestFacts,
    Route,
    bp_to_rate,
    decision_status,
    parse_rate,
    rate_to_bp,
    refusal_reason,
    remitted_amount,
    routing,
)
from recouvre.policy import Policy, RemissionScale
from recouvre.service import queues, suspensions
from recouvre.service.context import Services, refusals
from recouvre.storage import repository
from recouvre.storage.back_office_tables import UserRow
from recouvre.storage.claim_life_tables import RemissionCaseRow
from recouvre.storage.repository import LetterDraft
from recouvre.storage.tables import ClaimRow, RefusalRow

THRESHOLD_KEY = "remission.threshold"
SCALE_KEY = "remission.scale"


# -- views ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemissionCaseView:
    """A remission case as it stands at the end of a date (``status`` pending until decided)."""

    claim_ref: str
    requested_on: date
    requested_by: str
    channel: str
    route: Route
    balance: Cents
    proposed_rate: Decimal | None
    status: RemissionStatus
    decided_on: date | None
    decided_rate: Decimal | None
    authority: str
    reasons: str
    amount: Cents
    recorded_by: str = ""
    """Who recorded the request (the decider is another person)."""


def _view(row: RemissionCaseRow, claim_ref: str, on: date | None = None) -> RemissionCaseView:
    decided = row.decided_on is not None and (on is None or row.decided_on <= on)
    return RemissionCaseView(
        claim_ref=claim_ref,
        requested_on=row.requested_on,
        requested_by=row.requested_by,
        channel=row.channel,
        route=Route(row.route),
        balance=row.balance_cents,
        proposed_rate=None if row.proposed_rate_bp is None else bp_to_rate(row.proposed_rate_bp),
        status=RemissionStatus(row.status) if decided else RemissionStatus.PENDING,
        decided_on=row.decided_on if decided else None,
        decided_rate=bp_to_rate(row.decided_rate_bp) if decided and row.decided_rate_bp is not None else None,
        authority=row.authority if decided else "",
        reasons=row.reasons if decided else "",
        amount=row.amount_cents if decided else 0,
        recorded_by=row.recorded_by or "",
    )


def _cases(session: Session, claim_id: int, on: date | None = None) -> list[RemissionCaseRow]:
    query = select(RemissionCaseRow).where(RemissionCaseRow.claim_id == claim_id)
    if on is not None:
        query = query.where(RemissionCaseRow.requested_on <= on)
    return list(session.scalars(query.order_by(RemissionCaseRow.requested_on, RemissionCaseRow.id)))


def _pending(session: Session, claim_id: int, on: date) -> RemissionCaseRow | None:
    for case in reversed(_cases(session, claim_id, on)):
        if case.decided_on is None or case.decided_on > on:
            return case
    return None


def _claim(services: Services, session: Session, organism_code: str, ref: str) -> tuple[Policy, ClaimRow]:
    """The claim and its organism's policy (``claims.find_claim``, which imports this module)."""
    organism_id, organism = services.organism(session, organism_code)
    row = repository.claim_row(session, organism_id, ref)
    if row is None:
        raise NotFound("claim", ref, f"créance introuvable dans {organism_code}")
    return services.policy(organism), row


def _post(session: Session, services: Services, row: ClaimRow, request: MovementRequest) -> None:
    """Book one movement in this unit of work (``payments.post``, which imports ``claims``)."""
    ledger = repository.load_ledger(session, row.id)
    movement, new = ledger.post(request)
    if new:
        repository.insert_movements(session, [(row.id, movement)], services.clock())


def _quotient(session: Session, debtor_id: int, on: date) -> Cents | None:
    dated = repository.quotients(session, [debtor_id]).get(debtor_id, set())
    return value_on(tuple(DatedValue(valid_from, value) for valid_from, value in dated), on)


def _key(organism_code: str, claim_ref: str, *parts: str) -> str:
    return ":".join((organism_code, claim_ref, "remission", *parts))


def case_on(services: Services, organism_code: str, claim_ref: str, on: date) -> RemissionCaseView | None:
    """The claim's latest remission case requested on or before ``on``, as it stands on ``on``."""
    with services.db.unit_of_work() as session:
        _, row = _claim(services, session, organism_code, claim_ref)
        return cases_of_claims(session, {row.id: claim_ref}, on).get(row.id)


def cases_of_claims(
    session: Session, claim_refs: Mapping[int, str], on: date
) -> dict[int, RemissionCaseView]:
    """``case_on`` for several claims (by id, with their references), read together: the claims
    with a remission case requested on or before ``on``."""
    found: dict[int, RemissionCaseView] = {}
    for part in repository.chunks(sorted(claim_refs)):
        query = (
            select(RemissionCaseRow)
            .where(RemissionCaseRow.claim_id.in_(part), RemissionCaseRow.requested_on <= on)
            .order_by(RemissionCaseRow.claim_id, RemissionCaseRow.requested_on, RemissionCaseRow.id)
        )
        for case in session.scalars(query):  # the latest of each claim is read last
            found[case.claim_id] = _view(case, claim_refs[case.claim_id], on)
    return found


def refused_requests(services: Services, organism_code: str, claim_ref: str, on: date) -> list[date]:
    """The dates of the remission requests on this claim refused on or before ``on`` (no case was
    opened for them: a refusal changes nothing, it is only recorded)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        query = (
            select(RefusalRow.occurred_on)
            .where(
                RefusalRow.organism_id == organism_id,
                RefusalRow.event == "remission_request",
                RefusalRow.subject == claim_ref,
                RefusalRow.occurred_on <= on,
            )
            .order_by(RefusalRow.occurred_on, RefusalRow.id)
        )
        return list(session.scalars(query))


def list_cases(
    services: Services,
    organism_code: str,
    *,
    status: RemissionStatus | None = None,
    route: Route | None = None,
    on: date | None = None,
) -> list[RemissionCaseView]:
    """The organism's remission cases (the queue of pending requests by default: ``status``)."""
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism_code)
        query = (
            select(RemissionCaseRow, ClaimRow.ref)
            .join(ClaimRow, ClaimRow.id == RemissionCaseRow.claim_id)
            .where(RemissionCaseRow.organism_id == organism_id)
            .order_by(RemissionCaseRow.requested_on, RemissionCaseRow.id)
        )
        if on is not None:
            query = query.where(RemissionCaseRow.requested_on <= on)
        if route is not None:
            query = query.where(RemissionCaseRow.route == route.value)
        views = [_view(case, ref, on) for case, ref in session.execute(query)]
    return [view for view in views if status is None or view.status is status]


def pending_claim_ids(session: Session, claim_ids: Sequence[int], on: date) -> set[int]:
    """The claims among ``claim_ids`` with a remission case pending at the end of ``on``.

    For set-based steps (e.g. the eligibility's child-death exclusion, "while its remission is
    pending"): one statement per chunk of ids.
    """
    found: set[int] = set()
    for part in repository.chunks(sorted(set(claim_ids))):
        query = select(RemissionCaseRow.claim_id).where(
            RemissionCaseRow.claim_id.in_(part),
            RemissionCaseRow.requested_on <= on,
            (RemissionCaseRow.decided_on.is_(None)) | (RemissionCaseRow.decided_on > on),
        )
        found.update(session.scalars(query))
    return found


# -- commands -------------------------------------------------------------------------------------


def _policy_scale(policy: Policy, on: date) -> tuple[Cents | None, RemissionScale | None]:
    threshold = policy.amount(THRESHOLD_KEY, on) if THRESHOLD_KEY in policy else None
    scale = policy.remission_scale(on) if SCALE_KEY in policy else None
    return threshold, scale


def _requester(by: str | Requester) -> Requester:
    try:
        return Requester(by)
    except ValueError:
        allowed = ", ".join(r.value for r in Requester if r is not Requester.ORGANISM_AUTO)
        raise DomainError("remission_request.by", by, f"une valeur parmi {allowed}") from None


def request_remission(
    services: Services,
    organism_code: str,
    claim_ref: str,
    on: date,
    by: str | Requester,
    channel: str = "",
    trace: str = "",
    *,
    actor: str = "",
    why: str = "",
) -> RemissionCaseView:
    """Record a remission request on ``on`` by ``by`` (R-REMISE-1/2/3, R-SUSP-1).

    ``channel`` (letter, phone, e-mail, counter…) and ``trace`` (its reference) keep the
    request traceable. A replay of the same request (same claim and date) changes nothing.
    """
    requester = _requester(by)
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        policy, row = _claim(services, session, organism_code, claim_ref)
        if row.established_on > on:
            raise Refused(
                "remission_request",
                claim_ref,
                f"la créance {claim_ref} n'est constatée que le {long_date(row.established_on)}",
            )
        key = _key(organism_code, claim_ref, on.isoformat())
        replayed = session.scalar(select(RemissionCaseRow).where(RemissionCaseRow.key == key))
        if replayed is not None:
            return _view(replayed, claim_ref)
        responsibility = Responsibility(row.responsibility)
        if responsibility is Responsibility.CHILD_DEATH and requester in (
            Requester.ORGANISM,
            Requester.ORGANISM_AUTO,
        ):
            existing = _cases(session, row.id)
            if existing:  # the automatic case (R-NOTIF-2) is the organism's request
                return _view(existing[-1], claim_ref, on)
            requester = Requester.ORGANISM_AUTO
        balance = repository.load_ledger(session, row.id, until=on).balance
        facts = RequestFacts(claim_ref, responsibility, Benefit(row.benefit), balance, requester)
        reason = refusal_reason(facts)
        if reason is not None:
            raise Refused("remission_request", claim_ref, reason)
        pending = _pending(session, row.id, on)
        if pending is not None:
            raise Refused(
                "remission_request",
                claim_ref,
                f"une demande de remise du {pending.requested_on.isoformat()} est encore en attente",
            )
        threshold, scale = _policy_scale(policy, on)
        decided = routing(balance, threshold, scale, _quotient(session, row.debtor_id, on), responsibility)
        case = RemissionCaseRow(
            key=key,
            organism_id=row.organism_id,
            claim_id=row.id,
            requested_on=on,
            requested_by=requester.value,
            channel=channel,
            trace=trace,
            route=decided.route.value,
            balance_cents=balance,
            proposed_rate_bp=None if decided.proposed_rate is None else rate_to_bp(decided.proposed_rate),
            status=RemissionStatus.PENDING.value,
            authority="",
            reasons="",
            amount_cents=0,
            recorded_by=actor,
            recorded_why=why,
            data={"routing": decided.explain()},
        )
        session.add(case)
        if requester in DEBTOR_SIDE:
            repository.add_claim_event(
                session,
                _key(organism_code, claim_ref, on.isoformat(), "request"),
                row.id,
                on,
                "remission_request",
                {"by": requester.value, "channel": channel, "trace": trace, "actor": actor, "why": why},
            )
        if Benefit(row.benefit) in SUSPENDS_ON_REQUEST:
            suspensions.suspend(
                session,
                row.id,
                "remission",
                on,
                key=_key(organism_code, claim_ref, on.isoformat(), "suspension"),
                by=actor,
                why=why or "CASF L262-46: an RSA remission request suspends recovery until decided",
            )
        session.flush()
        return _view(case, claim_ref)


def _authority(row: ClaimRow, case: RemissionCaseRow, authority: str) -> str:
    """Who decided: as given, else the route; the département for its own claims (RULES.md §4)."""
    if authority:
        return authority
    if row.creditor == Creditor.DEPARTEMENT.value:
        return "departement"
    return case.route


DECIDERS = ("board", "departement", "director", "accountant", "services")
"""Who decided a remission, as the letter names it: the board, the département's president, the
director himself, the accountant by delegation of the director, or the services by delegation."""


def _decider(session: Session, authority: str, actor: str, roles: frozenset[str] | None) -> str:
    """The authority that actually decided (``DECIDERS``): the board or the département when the
    route says so; otherwise the decider's own role (the director deciding himself is named as
    such, not as « les services, par délégation du directeur »)."""
    if authority in ("board", "departement"):
        return authority
    if roles is None and actor:
        found = session.scalar(select(UserRow.roles).where(UserRow.username == actor))
        roles = frozenset(found) if found else frozenset()
    roles = roles or frozenset()
    if "director" in roles:
        return "director"
    if "accountant" in roles:
        return "accountant"
    return "services"


def decide_remission(
    services: Services,
    organism_code: str,
    claim_ref: str,
    on: date,
    rate: Decimal | int | str,
    authority: str = "",
    reasons: str = "",
    *,
    actor: str = "",
    why: str = "",
    actor_roles: frozenset[str] | None = None,
) -> RemissionCaseView:
    """Decide the pending request: remit ``rate`` % of the balance on ``on`` and notify it.

    The letter names who decided (``_decider``): the decision record keeps it too."""
    decided_rate = parse_rate(rate, "remission_decision.rate")
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        _, row = _claim(services, session, organism_code, claim_ref)
        case = _pending(session, row.id, on)
        if case is None:
            latest = _cases(session, row.id, on)
            if (
                latest
                and latest[-1].decided_on == on
                and latest[-1].decided_rate_bp == rate_to_bp(decided_rate)
            ):
                return _view(latest[-1], claim_ref, on)  # a replay of this decision
            raise Refused(
                "remission_decision",
                claim_ref,
                f"la créance {claim_ref} n'a aucune demande de remise en attente",
            )
        balance = repository.load_ledger(session, row.id, until=on).balance
        amount = remitted_amount(balance, decided_rate)
        status = decision_status(decided_rate)
        decided_by = _authority(row, case, authority)
        decider = _decider(session, decided_by, actor, actor_roles)
        if amount > 0:
            _post(
                session,
                services,
                row,
                MovementRequest(
                    key=_key(organism_code, claim_ref, case.requested_on.isoformat(), "decision"),
                    kind=MovementKind.REMISSION,
                    amount=amount,
                    booked_on=on,
                    note=f"remise {decided_rate} % ({decided_by})",
                ),
            )
        case.status = status.value
        case.decided_on = on
        case.decided_rate_bp = rate_to_bp(decided_rate)
        case.authority = decided_by
        case.reasons = reasons
        case.amount_cents = amount
        case.data = {
            **case.data,
            "decision": {
                "balance_cents": balance,
                "rate": str(decided_rate),
                "amount_cents": amount,
                "by": actor,
                "decider": decider,
                "why": why,
            },
        }
        repository.add_claim_event(
            session,
            _key(organism_code, claim_ref, case.requested_on.isoformat(), "decided"),
            row.id,
            on,
            "remission_decision",
            {
                "rate": str(decided_rate),
                "amount": amount,
                "status": status.value,
                "authority": decided_by,
                "by": actor,
                "why": why,
            },
        )
        repository.insert_letters(
            session,
            [
                LetterDraft(
                    key=_key(organism_code, claim_ref, case.requested_on.isoformat(), "letter"),
                    organism_id=row.organism_id,
                    debtor_id=row.debtor_id,
                    type="remission_decision",
                    issued_on=on,
                    claim_ids=(row.id,),
                    data={
                        "decision": status.value,
                        "remitted_cents": amount,
                        "rate": str(decided_rate),
                        "authority": decided_by,
                        "decider": decider,
                        "motive": reasons,
                    },
                )
            ],
        )
        if "remission" in suspensions.active_reasons(session, row.id, on):
            suspensions.resume(
                session,
                row.id,
                "remission",
                on,
                key=_key(organism_code, claim_ref, case.requested_on.isoformat(), "resume"),
                by=actor,
                why=f"remission decided: {status.value} {format_amount(amount)}",
            )
        session.flush()
        queues.close_tasks_of_claims(services, session, organism_code, on, [row.id])
        return _view(case, claim_ref)


def open_automatic_cases(
    session: Session,
    services: Services,
    organism_id: int,
    claims: Sequence[tuple[int, Claim]],
    on: date | None = None,
) -> None:
    """Child-death claims get a remission case at creation, routed to the board at 100 % (R-NOTIF-2).

    No notification is sent for them (``claims.launch``); the case waits for the board's decision.
    Runs inside the caller's unit of work; a case already opened is not opened again.
    """
    for claim_id, claim in claims:
        if claim.responsibility is not Responsibility.CHILD_DEATH:
            continue
        key = _key(claim.organism, claim.ref, "auto")
        if session.scalar(select(RemissionCaseRow.id).where(RemissionCaseRow.key == key)) is not None:
            continue
        session.add(
            RemissionCaseRow(
                key=key,
                organism_id=organism_id,
                claim_id=claim_id,
                requested_on=on or claim.established_on,
                requested_by=Requester.ORGANISM_AUTO.value,
                channel="automatic",
                trace="",
                route=Route.BOARD.value,
                balance_cents=claim.principal,
                proposed_rate_bp=rate_to_bp(CHILD_DEATH_RATE),
                status=RemissionStatus.PENDING.value,
                authority="",
                reasons="",
                amount_cents=0,
                recorded_by="system",
                recorded_why="R-NOTIF-2: automatic referral of a child-death claim to the board",
                data={"routing": {"rule": "R-NOTIF-2", "route": "board", "proposed_rate": "100"}},
            )
        )
    session.flush()
