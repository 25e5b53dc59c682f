"""What the pages show beyond the API's answers, read through the service layer after the same
``authorize`` as the page itself: the actions the user may do today (to show only the buttons the
role allows), the debtor's timeline (movements, letters, tasks and claim events), the
explanation of each withholding (``explain_in_french``) and each claim's active plan.

Nothing here writes: every change goes through ``recouvre.service.commands``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from recouvre.domain.money import format_amount
from recouvre.domain.withholding import explain_in_french
from recouvre.security.authorization import Actor, may
from recouvre.security.roles import default_roles
from recouvre.service import back_office, models, plans, queries, withholding
from recouvre.service.context import Services
from recouvre.web import labels

MAX_EXPLAINED_DAYS = 12
"""Withholdings explained on the debtor file: the most recent payment days."""


def allowed_actions(actor: Actor, on: date) -> frozenset[str]:
    """The actions the actor's roles and valid mandates give on ``on`` (as ``GET /me``)."""
    rules = default_roles()
    found = {name for name in rules.actions if may(actor, name, on, rules)}
    if actor.agency is not None:
        found &= rules.agency_may
    return frozenset(found)


@dataclass(frozen=True)
class TimelineEntry:
    on: date
    kind: str
    """``movement``, ``letter``, ``task`` or ``event`` (``labels.TIMELINE``)."""
    title: str
    detail: str = ""
    claim: str | None = None
    letter_id: int | None = None
    order: int = 0


@dataclass(frozen=True)
class Explained:
    paid_on: date
    run_id: str
    gross: int
    withheld: int
    net: int
    lines: list[str] = field(default_factory=list)


def _cents(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _event_detail(kind: str, data: dict[str, object], currency: str) -> str:
    if kind == "promise":
        return (
            f"{labels.amount(_cents(data.get('amount')), currency)} promis pour le "
            f"{labels.day(str(data.get('due_on') or '') or None)}"
        )
    if kind == "plan":
        first = str(data.get("first_due") or "") or None
        return (
            f"{labels.amount(_cents(data.get('monthly')), currency)} par mois à partir du {labels.day(first)}"
        )
    if kind == "default_step":
        step = str(data.get("step") or "")
        return f"n° {data.get('defaults', '?')}, {labels.letter_title(step).lower()}"
    if kind == "phase":
        title = str(data.get("title") or "")
        text = f"passage en phase {labels.label(labels.PHASE, data.get('phase'))}"
        return f"{text} ({title})" if title else text
    if kind == "title":
        from recouvre.domain.enforcement import ACT_LABELS, KIND_LABELS, TitleAct, TitleKind

        what = KIND_LABELS.get(TitleKind(str(data.get("kind"))), str(data.get("kind")))
        act = ACT_LABELS.get(TitleAct(str(data.get("act"))), str(data.get("act")))
        outcome = f", {data['outcome']}" if data.get("outcome") else ""
        return f"{what} n° {data.get('title')} : {act}{outcome}"
    if kind == "suspension":
        if data.get("action") == "end":
            return "reprise du recouvrement"
        until = str(data.get("until") or "") or None
        return f"jusqu'au {labels.day(until)}" if until else ""
    if kind == "promise_outcome":
        return str(data.get("outcome") or "")
    if kind == "contact":
        text = (
            f"{labels.label(labels.CONTACT_CHANNEL, data.get('channel'))}, "
            f"{labels.label(labels.CONTACT_OUTCOME, data.get('outcome'))}"
        )
        note = str(data.get("note") or "")
        return f"{text} : {note}" if note else text
    if kind == "appeal":
        return _appeal_detail(data, currency)
    if kind == "placement":
        agency = str(data.get("agency") or "")
        if data.get("action") == "recalled":
            return f"rappelé de {agency}" + (f" ({data['reason']})" if data.get("reason") else "")
        return f"confié à {agency}"
    if kind == "agency_report":
        return f"{data.get('agency', '')} : {data.get('label', data.get('report', ''))}"
    return ""


def _appeal_detail(data: dict[str, object], currency: str) -> str:
    action = data.get("action")
    if action == "filed":
        text = f"formé devant {labels.label(labels.APPEAL_STAGE, data.get('stage'))}"
        if data.get("filed_by") == "organism":
            text += " par l'organisme"
        return text
    if action == "decided":
        text = f"décision : {labels.label(labels.APPEAL_OUTCOME, data.get('outcome'))}"
        cancelled, refunded = _cents(data.get("cancellation_cents")), _cents(data.get("refund_cents"))
        if cancelled:
            text += f", {labels.amount(cancelled, currency)} annulés"
        if refunded:
            text += f", {labels.amount(refunded, currency)} à rembourser"
        return text
    if action == "withdrawn":
        return "désistement"
    if action == "implicitly_rejected":
        return "rejet implicite (sans réponse dans les deux mois)"
    return ""


def timeline(
    services: Services,
    organism: str,
    found: models.DebtorFileOut,
    on: date,
    currency: str,
    country: str,
) -> list[TimelineEntry]:
    """Everything that happened on the debtor's visible claims up to ``on``, newest first."""
    entries: list[TimelineEntry] = []
    for movement in found.movements:
        entries.append(
            TimelineEntry(
                movement.booked_on,
                "movement",
                labels.label(labels.MOVEMENT, movement.kind),
                labels.amount(movement.signed, currency),
                claim=movement.claim,
                order=movement.sequence,
            )
        )
    for letter in found.letters:
        entries.append(
            TimelineEntry(
                letter.issued_on,
                "letter",
                labels.letter_title(letter.type, country),
                labels.label(labels.LETTER_STATUS, letter.status),
                claim=", ".join(letter.claims),
                letter_id=letter.id,
            )
        )
    closed = back_office.task_outcomes(
        services, organism, [task.id for task in found.tasks if task.status != "open"]
    )
    for task in found.tasks:
        entries.append(
            TimelineEntry(
                task.created_on,
                "task",
                labels.label(labels.TASK_TYPE, task.type),
                (
                    f"close d'elle-même : {task.close_reason_text}"
                    if task.close_reason_text
                    else labels.label(labels.TASK_STATUS, task.status)
                )
                + (f", attribuée à {task.assignee}" if task.assignee else ""),
                claim=task.claim,
            )
        )
        done = closed.get(task.id)
        if done is not None and task.closed_on is not None:
            # The outcome of a call (or the decision on a review) and its note, on the day it
            # was recorded: what the next person to open the file must read.
            outcome = labels.label(labels.ALL_OUTCOMES, done.outcome)
            entries.append(
                TimelineEntry(
                    task.closed_on,
                    "task",
                    f"{labels.label(labels.TASK_TYPE, task.type)} : {outcome}",
                    (done.note + " " if done.note else "")
                    + (f"({task.closed_by})" if task.closed_by else ""),
                    claim=task.claim,
                    order=task.id,
                )
            )
    for ref, event in queries.claim_events(services, organism, [claim.ref for claim in found.claims], on):
        data = event.data if isinstance(event.data, dict) else {}
        entries.append(
            TimelineEntry(
                event.occurred_on,
                "event",
                labels.label(labels.EVENT, event.kind),
                _event_detail(event.kind, data, currency),
                claim=ref,
                order=event.id,
            )
        )
    entries.sort(key=lambda entry: (entry.on, entry.order), reverse=True)
    return entries


def withholding_explanations(
    services: Services, organism: str, found: models.DebtorFileOut
) -> list[Explained]:
    """The explanation of the withholdings booked on the debtor's claims, most recent first."""
    days = sorted({m.booked_on for m in found.movements if m.kind == "withholding"}, reverse=True)
    explained: list[Explained] = []
    for paid_on in days[:MAX_EXPLAINED_DAYS]:
        for payment in withholding.explain(services, organism, found.ref, paid_on):
            explained.append(
                Explained(
                    paid_on=payment.paid_on,
                    run_id=payment.run_id,
                    gross=payment.gross,
                    withheld=payment.withheld,
                    net=payment.net,
                    lines=explain_in_french(payment.explanation),
                )
            )
    return explained


@dataclass(frozen=True)
class PlanShown:
    monthly: str
    first_due: date
    months: int
    total: str
    status: str


def active_plans(services: Services, organism: str, refs: Iterable[str], on: date) -> dict[str, PlanShown]:
    found: dict[str, PlanShown] = {}
    for ref, plan in plans.active_plans(services, organism, refs, on).items():
        found[ref] = PlanShown(
            format_amount(plan.monthly),
            plan.first_due,
            plan.months,
            format_amount(plan.total),
            plan.status,
        )
    return found
