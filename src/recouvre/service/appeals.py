"""Appeals (PM242 "gérer les recours"): filing, implicit rejection, decisions, withdrawal.

The rules are in ``recouvre.domain.appeals`` (CSS R142-1, R142-6, CASF L262-46/47, R-SUSP-1).
One unit of work per command:

* ``file_appeal``: the debtor's first appeal goes to the board (amicable stage) and must be
  filed within two months of the notification's receipt (our notifications carry the mentions,
  so the forclusion can be held: a late appeal is refused). After the board's decision or its
  implicit rejection, the next appeal goes to court, within two months of it. The delays are the
  dated parameters ``appeal.board_months``, ``appeal.implicit_rejection_months`` (one month
  before 2019) and ``appeal.court_months``; an organism without them (the CNSS) holds none. A pending appeal
  suspends recovery when the claim's benefit is in policy ``appeal.suspends`` on the filing
  date (the court stage only for RSA, suspensive at every level). The amicable suspension
  lasts until the decision, at the latest until the implicit rejection.
* ``sweep_implicit``: marks the amicable appeals left unanswered two months (one before 2019) after receipt as
  implicitly rejected (their suspension has lapsed on that date already).
* ``decide_appeal``: ``rejected`` resumes recovery; ``upheld`` cancels what is still claimed and
  refunds everything recovered (``cancellation`` then ``refund``: balance 0, status
  ``cancelled``); ``reduced`` makes ``amount`` the new principal: ``cancellation`` of the old
  principal minus the new one (and of the part of a fraud indemnity computed on it), then a
  ``refund`` of what was recovered beyond the new amount.
* The organism's own appeal against a court decision that went against it (``filed_by =
  organism``) is recorded without touching the ledger; when decided in its favour, the
  cancellations booked by the contested decision are reversed (and a reduction applied, if any).
* ``withdraw``: the appellant withdraws a pending appeal; recovery resumes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from recouvre.domain.appeals import (
    AppealOutcome,
    AppealStage,
    AppealStatus,
    Appellant,
    LedgerEffect,
    board_deadline,
    court_deadline,
    implicit_rejection_on,
    is_late,
    reduced_effect,
    suspends,
    upheld_effect,
)
from recouvre.domain.errors import Refused
from recouvre.domain.french import long_date
from recouvre.domain.ledger import Ledger, MovementKind, MovementRequest
from recouvre.domain.model import Benefit, DomainError
from recouvre.domain.money import Cents, percent_of
from recouvre.policy import Policy
from recouvre.service import act_letters, queues, suspensions
from recouvre.service.claims import find_claim, movement_key
from recouvre.service.context import Services, refusals
from recouvre.service.payments import post
from recouvre.storage import repository
from recouvre.storage.claim_life_tables import AppealRow
from recouvre.storage.tables import ClaimRow

SUSPENDS_KEY = "appeal.suspends"
BOARD_MONTHS_KEY = "appeal.board_months"
IMPLICIT_REJECTION_MONTHS_KEY = "appeal.implicit_rejection_months"
COURT_MONTHS_KEY = "appeal.court_months"
EVENT = "appeal"


def _months(policy: Policy, key: str, on: date) -> int | None:
    """An appeal delay in force on ``on`` (CSS R142-1, R142-6; RULES.md §7); ``None`` when the
    organism's policy has none (no sourced appeal delays for the CNSS): no time limit is held."""
    return policy.whole(key, on) if key in policy else None


@dataclass(frozen=True)
class AppealView:
    claim_ref: str
    stage: AppealStage
    filed_by: Appellant
    filed_on: date
    status: AppealStatus
    filing_deadline: date | None
    implicit_rejection_on: date | None
    court_deadline: date | None
    suspends: bool
    decided_on: date | None
    outcome: AppealOutcome | None
    new_principal: Cents | None
    cancellation: Cents = 0
    refund: Cents = 0


def _view(row: AppealRow, claim_ref: str) -> AppealView:
    effect = row.data.get("effect")
    cancellation = refund = 0
    if isinstance(effect, dict):
        cancellation = int(str(effect.get("cancellation_cents", 0)))
        refund = int(str(effect.get("refund_cents", 0)))
    return AppealView(
        claim_ref=claim_ref,
        stage=AppealStage(row.stage),
        filed_by=Appellant(row.filed_by),
        filed_on=row.filed_on,
        status=AppealStatus(row.status),
        filing_deadline=row.filing_deadline,
        implicit_rejection_on=row.implicit_rejection_on,
        court_deadline=row.court_deadline,
        suspends=row.suspends,
        decided_on=row.decided_on,
        outcome=None if row.outcome is None else AppealOutcome(row.outcome),
        new_principal=row.new_principal_cents,
        cancellation=cancellation,
        refund=refund,
    )


def _appeals(session: Session, claim_id: int, on: date | None = None) -> list[AppealRow]:
    query = select(AppealRow).where(AppealRow.claim_id == claim_id)
    if on is not None:
        query = query.where(AppealRow.filed_on <= on)
    return list(session.scalars(query.order_by(AppealRow.filed_on, AppealRow.id)))


def _mark_implicit(appeals: list[AppealRow], on: date, policy: Policy) -> list[AppealRow]:
    """R142-6: an amicable appeal unanswered on its implicit-rejection date is rejected; the
    time to go to court runs from that date."""
    marked: list[AppealRow] = []
    for appeal in appeals:
        if (
            appeal.status == AppealStatus.PENDING.value
            and appeal.implicit_rejection_on is not None
            and appeal.implicit_rejection_on <= on
        ):
            appeal.status = AppealStatus.IMPLICITLY_REJECTED.value
            rejected_on = appeal.implicit_rejection_on
            court_months = _months(policy, COURT_MONTHS_KEY, rejected_on)
            appeal.court_deadline = court_deadline(rejected_on, court_months)
            marked.append(appeal)
    return marked


def _current_principal(row: ClaimRow, appeals: list[AppealRow]) -> Cents:
    """The principal as the latest decision left it (the established principal before any)."""
    principal = row.principal_cents
    for appeal in appeals:
        if appeal.status == AppealStatus.DECIDED.value and appeal.new_principal_cents is not None:
            principal = appeal.new_principal_cents
    return principal


def _suspending(policy: Policy, on: date) -> frozenset[str]:
    """Policy ``appeal.suspends`` on ``on``; every benefit when the policy has no such key."""
    if SUSPENDS_KEY in policy:
        return frozenset(policy.names(SUSPENDS_KEY, on))
    return frozenset(benefit.value for benefit in Benefit)


def _appellant(filed_by: str | Appellant) -> Appellant:
    try:
        return Appellant(filed_by)
    except ValueError:
        raise DomainError("appeal.filed_by", filed_by, "une valeur parmi debtor, organism") from None


def _key(organism_code: str, claim_ref: str, *parts: str) -> str:
    return movement_key(organism_code, claim_ref, "appeal", *parts)


def _event(session: Session, row: ClaimRow, on: date, key: str, data: dict[str, object]) -> None:
    repository.add_claim_event(session, key, row.id, on, EVENT, data)


def file_appeal(
    services: Services,
    organism_code: str,
    claim_ref: str,
    on: date,
    *,
    filed_by: str | Appellant = Appellant.DEBTOR,
    stage: AppealStage | str | None = None,
    actor: str = "",
    why: str = "",
) -> AppealView:
    """File an appeal received on ``on``; its stage follows from the claim's appeals so far
    (``stage``, when given, must agree). Refused when late, when one is pending, when nothing
    is left to contest."""
    appellant = _appellant(filed_by)
    wanted = None if stage is None else AppealStage(stage)
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        organism, row = find_claim(services, session, organism_code, claim_ref)
        policy = services.policy(organism)
        if row.established_on > on:
            raise Refused(
                EVENT,
                claim_ref,
                f"la créance {claim_ref} n'est constatée que le {long_date(row.established_on)}",
            )
        key = _key(organism_code, claim_ref, on.isoformat(), appellant.value)
        replayed = session.scalar(select(AppealRow).where(AppealRow.key == key))
        if replayed is not None:
            return _view(replayed, claim_ref)
        appeals = _appeals(session, row.id, on)
        _mark_implicit(appeals, on, policy)
        pending = [appeal for appeal in appeals if appeal.status == AppealStatus.PENDING.value]
        if pending:
            raise Refused(
                EVENT,
                claim_ref,
                f"un recours formé le {pending[-1].filed_on.isoformat()} est encore en attente",
            )
        closed = [appeal for appeal in appeals if appeal.status != AppealStatus.WITHDRAWN.value]
        previous = closed[-1] if closed else None
        contests: AppealRow | None = None
        deadline: date | None
        if appellant is Appellant.ORGANISM:
            if (
                previous is None
                or previous.stage != AppealStage.COURT.value
                or previous.filed_by != Appellant.DEBTOR.value
                or previous.outcome not in (AppealOutcome.UPHELD.value, AppealOutcome.REDUCED.value)
            ):
                raise Refused(
                    EVENT,
                    claim_ref,
                    "l'organisme ne fait appel que d'une décision de justice qui lui est défavorable (PM242)",
                )
            derived, deadline, contests = AppealStage.COURT, None, previous
        elif previous is None:
            # R142-1: two months from the notification, enforceable since ours carry the mentions.
            board_months = (
                None if row.notified_on is None else _months(policy, BOARD_MONTHS_KEY, row.notified_on)
            )
            derived, deadline = AppealStage.AMICABLE, board_deadline(row.notified_on, board_months)
        elif previous.outcome == AppealOutcome.UPHELD.value and previous.filed_by == Appellant.DEBTOR.value:
            raise Refused(EVENT, claim_ref, f"le recours du {previous.filed_on.isoformat()} a été accueilli")
        else:
            derived, deadline = AppealStage.COURT, previous.court_deadline
        if wanted is not None and wanted is not derived:
            raise Refused(
                EVENT,
                claim_ref,
                f"étape {wanted.value} : ce recours relève de l'étape {derived.value} "
                "(la commission de recours amiable est saisie d'abord, puis le tribunal)",
            )
        if is_late(on, deadline):
            assert deadline is not None
            raise Refused(
                EVENT,
                claim_ref,
                f"recours formé le {on.isoformat()}, après son délai du {deadline.isoformat()} : "
                "forclusion (CSS R142-1)",
            )
        suspensive = appellant is Appellant.DEBTOR and suspends(
            Benefit(row.benefit), derived, _suspending(policy, on)
        )
        implicit = (
            implicit_rejection_on(on, _months(policy, IMPLICIT_REJECTION_MONTHS_KEY, on))
            if derived is AppealStage.AMICABLE
            else None
        )
        appeal = AppealRow(
            key=key,
            organism_id=row.organism_id,
            claim_id=row.id,
            stage=derived.value,
            filed_by=appellant.value,
            filed_on=on,
            status=AppealStatus.PENDING.value,
            filing_deadline=deadline,
            implicit_rejection_on=implicit,
            court_deadline=None,
            suspends=suspensive,
            contests_id=None if contests is None else contests.id,
            recorded_by=actor,
            recorded_why=why,
            data={},
        )
        session.add(appeal)
        _event(
            session,
            row,
            on,
            key,
            {"action": "filed", "stage": derived.value, "filed_by": appellant.value, "by": actor, "why": why},
        )
        if appellant is Appellant.ORGANISM:
            # The organism's court action interrupts prescription (C. civ. 2241, R-PRESC-3).
            repository.add_claim_event(
                session,
                f"{key}:court_action",
                row.id,
                on,
                "court_action",
                {"by": actor, "why": why, "appeal": key},
            )
        if suspensive:
            suspensions.suspend(
                session,
                row.id,
                "appeal",
                on,
                key=f"{key}:suspension",
                # The amicable suspension ends at the latest with the implicit rejection (R-START-1).
                until=None if implicit is None else implicit - timedelta(days=1),
                by=actor,
                why=why or "R-SUSP-1: a pending appeal suspends recovery",
            )
        session.flush()
        act_letters.acknowledge(session, row, appeal, _months(policy, COURT_MONTHS_KEY, on), organism.country)
        return _view(appeal, claim_ref)


def _indemnity_reduction(policy: Policy, row: ClaimRow, ledger: Ledger, old: Cents, new: Cents) -> Cents:
    """The part of a fraud indemnity computed on the principal cancelled (same rate as at launch)."""
    if ledger.sum_of(frozenset({MovementKind.INDEMNITY})) <= 0 or "fraud.indemnity_rate" not in policy:
        return 0
    rate = policy.get("fraud.indemnity_rate", row.notified_on or row.established_on)
    return percent_of(old, rate) - percent_of(new, rate)


def _book(
    session: Session,
    services: Services,
    row: ClaimRow,
    key: str,
    on: date,
    effect: LedgerEffect,
    note: str,
) -> None:
    if effect.cancellation > 0:
        post(
            session,
            services,
            row,
            MovementRequest(
                key=f"{key}:cancellation",
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
            row,
            MovementRequest(
                key=f"{key}:refund", kind=MovementKind.REFUND, amount=effect.refund, booked_on=on, note=note
            ),
        )


def _reverse_cancellations(
    session: Session, services: Services, row: ClaimRow, contested: AppealRow, on: date
) -> Cents:
    """Reverse the cancellation the contested decision booked; return its amount (0 if none)."""
    ledger = repository.load_ledger(session, row.id)
    target = ledger.get(f"{contested.key}:cancellation")
    if target is None or ledger.is_reversed(target.key):
        return 0
    post(
        session,
        services,
        row,
        MovementRequest(
            key=f"{target.key}:reversal",
            kind=MovementKind.REVERSAL,
            amount=target.amount,
            booked_on=on,
            reverses=target.key,
            note="décision infirmée en appel",
        ),
    )
    return target.amount


def decide_appeal(
    services: Services,
    organism_code: str,
    claim_ref: str,
    on: date,
    outcome: AppealOutcome | str,
    amount: Cents | None = None,
    *,
    actor: str = "",
    why: str = "",
    reasons: str = "",
) -> AppealView:
    """Record the decision on the claim's open appeal and apply it to the ledger.

    ``reasons``: the grounds of the decision, printed in the decision letter (``why`` when empty).

    ``amount`` is the new principal, for ``reduced`` only. For an appeal of the organism, the
    outcome is read from the organism's side: ``upheld`` restores the claim as it was before
    the contested decision, ``reduced`` restores it at ``amount``.
    """
    try:
        decided = AppealOutcome(outcome)
    except ValueError:
        raise DomainError("appeal.outcome", outcome, "une valeur parmi rejected, upheld, reduced") from None
    if decided is AppealOutcome.REDUCED and amount is None:
        raise DomainError(
            "appeal.amount", None, "le nouveau principal est à renseigner quand la créance est réduite"
        )
    if decided is not AppealOutcome.REDUCED and amount is not None:
        raise DomainError("appeal.amount", amount, "seule une créance réduite a un nouveau principal")
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        organism, row = find_claim(services, session, organism_code, claim_ref)
        policy = services.policy(organism)
        appeals = _appeals(session, row.id, on)
        _mark_implicit(appeals, on, policy)
        live = [a for a in appeals if a.status != AppealStatus.WITHDRAWN.value]
        appeal = live[-1] if live else None
        if appeal is not None and appeal.status == AppealStatus.DECIDED.value:
            if appeal.decided_on == on and appeal.outcome == decided.value:
                return _view(appeal, claim_ref)  # a replay of this decision
            appeal = None
        if appeal is None:
            raise Refused(
                EVENT, claim_ref, f"la créance {claim_ref} n'a aucun recours en attente de décision"
            )
        before = _current_principal(row, appeals[: appeals.index(appeal)])
        ledger = repository.load_ledger(session, row.id, until=on)
        effect = LedgerEffect(0, 0, before)
        note = f"recours {appeal.stage} du {appeal.filed_on.isoformat()} : {decided.value}"
        if appeal.filed_by == Appellant.ORGANISM.value:
            contested = session.get(AppealRow, appeal.contests_id) if appeal.contests_id else None
            restored = row.principal_cents
            if contested is not None:
                restored = int(str(contested.data.get("principal_before", row.principal_cents)))
            if decided is AppealOutcome.REJECTED or contested is None:
                effect = LedgerEffect(0, 0, before)
            else:
                _reverse_cancellations(session, services, row, contested, on)
                effect = LedgerEffect(0, 0, restored)
                if decided is AppealOutcome.REDUCED:
                    assert amount is not None
                    ledger = repository.load_ledger(session, row.id, until=on)
                    reduction = _indemnity_reduction(policy, row, ledger, restored, amount)
                    effect = reduced_effect(ledger, restored, amount, reduction)
        elif decided is AppealOutcome.UPHELD:
            effect = upheld_effect(ledger)
        elif decided is AppealOutcome.REDUCED:
            assert amount is not None
            reduction = _indemnity_reduction(policy, row, ledger, before, amount)
            effect = reduced_effect(ledger, before, amount, reduction)
        _book(session, services, row, appeal.key, on, effect, note)
        appeal.status = AppealStatus.DECIDED.value
        appeal.decided_on = on
        appeal.outcome = decided.value
        appeal.new_principal_cents = effect.new_principal
        if appeal.stage == AppealStage.AMICABLE.value:
            appeal.court_deadline = court_deadline(on, _months(policy, COURT_MONTHS_KEY, on))
        appeal.data = {
            **appeal.data,
            "principal_before": before,
            "effect": effect.explain(),
            "decided_by": actor,
            "why": why,
        }
        _event(
            session,
            row,
            on,
            f"{appeal.key}:decided",
            {"action": "decided", "outcome": decided.value, **effect.explain(), "by": actor, "why": why},
        )
        _resume(session, row, on, appeal, actor, why or f"appeal {decided.value}")
        session.flush()
        reduced = effect.new_principal if decided is AppealOutcome.REDUCED else None
        act_letters.decided(session, row, appeal, reasons or why, reduced, organism.country)
        queues.close_tasks_of_claims(services, session, organism_code, on, [row.id])
        return _view(appeal, claim_ref)


def _resume(session: Session, row: ClaimRow, on: date, appeal: AppealRow, actor: str, why: str) -> None:
    if "appeal" in suspensions.active_reasons(session, row.id, on):
        suspensions.resume(session, row.id, "appeal", on, key=f"{appeal.key}:resume", by=actor, why=why)


def withdraw(
    services: Services, organism_code: str, claim_ref: str, on: date, *, actor: str = "", why: str = ""
) -> AppealView:
    """The appellant withdraws the pending appeal; its suspension ends."""
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        organism, row = find_claim(services, session, organism_code, claim_ref)
        appeals = _appeals(session, row.id, on)
        _mark_implicit(appeals, on, services.policy(organism))
        pending = [a for a in appeals if a.status == AppealStatus.PENDING.value]
        if not pending:
            raise Refused(EVENT, claim_ref, f"la créance {claim_ref} n'a aucun recours en attente à retirer")
        appeal = pending[-1]
        appeal.status = AppealStatus.WITHDRAWN.value
        appeal.decided_on = on
        appeal.data = {**appeal.data, "withdrawn_by": actor, "why": why}
        _event(session, row, on, f"{appeal.key}:withdrawn", {"action": "withdrawn", "by": actor, "why": why})
        _resume(session, row, on, appeal, actor, why or "appeal withdrawn")
        session.flush()
        return _view(appeal, claim_ref)


def sweep_implicit(
    services: Services, organism_code: str, on: date, *, actor: str = "", why: str = ""
) -> list[AppealView]:
    """Mark the organism's amicable appeals unanswered by their implicit-rejection date (R142-6).

    Their suspension already ended the day before that date; this records the status and opens
    the two months to go to court. Idempotent.
    """
    with services.db.unit_of_work() as session:
        organism_id, organism = services.organism(session, organism_code)
        policy = services.policy(organism)
        query = (
            select(AppealRow, ClaimRow)
            .join(ClaimRow, ClaimRow.id == AppealRow.claim_id)
            .where(
                AppealRow.organism_id == organism_id,
                AppealRow.status == AppealStatus.PENDING.value,
                AppealRow.implicit_rejection_on.is_not(None),
                AppealRow.implicit_rejection_on <= on,
            )
            .order_by(AppealRow.implicit_rejection_on, AppealRow.id)
        )
        views: list[AppealView] = []
        for appeal, row in session.execute(query):
            for marked in _mark_implicit([appeal], on, policy):
                assert marked.implicit_rejection_on is not None
                _event(
                    session,
                    row,
                    marked.implicit_rejection_on,
                    f"{marked.key}:implicit",
                    {"action": "implicitly_rejected", "by": actor, "why": why or "CSS R142-6"},
                )
                views.append(_view(marked, row.ref))
        session.flush()
        return views


def appeals_of(
    services: Services, organism_code: str, claim_ref: str, on: date | None = None
) -> list[AppealView]:
    """The claim's appeals (filed on or before ``on``), oldest first, implicit rejections applied
    in the view (not written)."""
    with services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        views = [_view(appeal, claim_ref) for appeal in _appeals(session, row.id, on)]
    return views if on is None else [_as_on(view, on) for view in views]


def appeals_of_claims(
    session: Session, claim_refs: Mapping[int, str], on: date
) -> dict[int, list[AppealView]]:
    """``appeals_of`` for several claims (by id, with their references), read together."""
    found: dict[int, list[AppealView]] = {claim_id: [] for claim_id in claim_refs}
    ids = sorted(claim_refs)
    for part in repository.chunks(ids):
        query = (
            select(AppealRow)
            .where(AppealRow.claim_id.in_(part), AppealRow.filed_on <= on)
            .order_by(AppealRow.claim_id, AppealRow.filed_on, AppealRow.id)
        )
        for appeal in session.scalars(query):
            found[appeal.claim_id].append(_as_on(_view(appeal, claim_refs[appeal.claim_id]), on))
    return found


def awaiting_decision(views: Sequence[AppealView]) -> AppealView | None:
    """The appeal awaiting a decision among a claim's appeals (oldest first): the latest one not
    withdrawn, when it is pending or implicitly rejected (a late decision may still come)."""
    live = [view for view in views if view.status is not AppealStatus.WITHDRAWN]
    if not live or live[-1].status is AppealStatus.DECIDED:
        return None
    return live[-1]


def _as_on(view: AppealView, on: date) -> AppealView:
    """The view with the implicit rejection of R142-6 applied at ``on`` (not written)."""
    if (
        view.status is AppealStatus.PENDING
        and view.implicit_rejection_on is not None
        and view.implicit_rejection_on <= on
    ):
        return replace(view, status=AppealStatus.IMPLICITLY_REJECTED)
    return view
