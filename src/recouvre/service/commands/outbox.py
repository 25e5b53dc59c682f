"""E-mail and SMS through the door: consent recorded per debtor and channel (a person of the
organism, or the debtor in his own space), the outbox queued and sent as batch acts, read by
those who may (``service.outbox`` does the work)."""

from __future__ import annotations

from datetime import date

from recouvre.security.authorization import Actor, Subject
from recouvre.service import outbox
from recouvre.service.commands.batches import run_batch
from recouvre.service.context import Services
from recouvre.service.door import act, guard, guard_debtor


def record_consent(
    services: Services,
    actor: Actor,
    organism: str,
    debtor_ref: str,
    channel: str,
    granted: bool,
    given_on: date,
    source: str,
) -> outbox.ConsentView:
    subject = guard_debtor(services, actor, "consents.record", organism, debtor_ref)
    with act(
        services,
        actor,
        "consents.record",
        organism=organism,
        subject=subject.describe(),
        on=given_on,
        before=lambda: {
            "consent": {
                channel: None if view is None else view.granted
                for channel, view in outbox.consents_of(services, organism, debtor_ref, given_on).items()
            }
        },
    ) as current:
        view = outbox.record_consent(
            services, organism, debtor_ref, channel, granted, given_on, source, by=actor.user
        )
        current.note(channel=channel, granted=granted, source=view.source)
    return view


def consents(
    services: Services, actor: Actor, organism: str, debtor_ref: str, on: date
) -> dict[str, outbox.ConsentView | None]:
    guard_debtor(services, actor, "debtors.read", organism, debtor_ref)
    return outbox.consents_of(services, organism, debtor_ref, on)


def queue_messages(services: Services, actor: Actor, organism: str, on: date) -> outbox.Queued:
    """Queue the e-mails and M+1 SMS reminders of the letters issued on ``on`` (batch)."""
    return run_batch(
        services,
        actor,
        "outbox.send",
        organism=organism,
        subject=f"{organism} courriels et SMS des courriers du {on.isoformat()}",
        on=on,
        run=lambda: outbox.queue_for_letters(services, organism, on),
        describe=lambda done: {
            "emails": done.emails,
            "sms": done.sms,
            "without_consent": done.without_consent,
            "already": done.already,
        },
    )


def send_outbox(
    services: Services, actor: Actor, organism: str | None, limit: int = 500
) -> outbox.SendReport:
    """Send the messages due (batch): one transaction per message, retries with backoff."""
    return run_batch(
        services,
        actor,
        "outbox.send",
        organism=organism,
        subject=f"envoi des courriels et SMS {organism or ''}".strip(),
        on=None,
        run=lambda: outbox.send_due(services, organism, limit=limit),
        describe=lambda done: {
            "sent": done.sent,
            "retried": done.retried,
            "failed": done.failed,
            "rejected": done.rejected,
            "waiting": done.waiting,
        },
    )


def messages(
    services: Services,
    actor: Actor,
    organism: str,
    *,
    status: str | None = None,
    debtor_ref: str | None = None,
    limit: int = 100,
) -> list[outbox.MessageView]:
    guard(services, actor, "outbox.read", Subject(organism=organism))
    return outbox.list_messages(services, organism, status=status, debtor_ref=debtor_ref, limit=limit)
