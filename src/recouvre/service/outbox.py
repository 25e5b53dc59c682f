"""The outbox of e-mails and text messages to debtors (MISSION.md, RULES.md §11: the CNSS has
reminded its contributors by SMS since 2018), with consent per debtor and per channel.

* **Consent** (``record_consent``): a dated row per change, with its source (the debtor's space,
  a form, a call) and who recorded it; the latest row given on or before a day decides. Without
  consent nothing is sent on that channel (the paper letter goes on as before).
* **What is queued** (``queue_for_letters``): for each letter issued on a day, an e-mail with the
  letter as a PDF attachment when the debtor consents to e-mail; for each reminder at M+1
  (``reminder_1``, the first default), a text message when the debtor consents to SMS and has
  no e-mail consent — so a reminder goes out by SMS or e-mail. A message is keyed by what it is
  for (its letter and channel): queueing the same day twice queues nothing more.
* **Sending** (``send_due``): the messages due, oldest first, through the transports
  (``recouvre.adapters.messaging``); the PDF is rendered at send time. Statuses: ``queued`` →
  ``sent`` (the provider's id kept) → ``delivered`` (a delivery receipt, ``record_delivery``);
  a temporary failure is retried with exponential backoff (``RETRY_BASE`` × 2^(attempt − 1), at
  most ``RETRY_CAP``) up to ``MAX_ATTEMPTS``, then ``failed``; a permanent one is ``rejected``.
  A channel with no transport configured leaves its messages queued.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from recouvre.adapters import messaging
from recouvre.domain.errors import NotFound
from recouvre.domain.model import DomainError
from recouvre.letters.render import TITLES
from recouvre.service import letters
from recouvre.service.context import Services
from recouvre.service.debtor_space import transports
from recouvre.storage import repository
from recouvre.storage.channels_tables import ChannelConsentRow, OutboxMessageRow
from recouvre.storage.tables import DebtorRow, LetterRow, OrganismRow

QUEUED = "queued"
SENT = "sent"
DELIVERED = "delivered"
FAILED = "failed"
REJECTED = "rejected"
STATUSES = {
    QUEUED: "en attente d'envoi",
    SENT: "envoyé",
    DELIVERED: "distribué",
    FAILED: "échec après plusieurs essais",
    REJECTED: "refusé par le destinataire ou le prestataire",
}
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=5)
RETRY_CAP = timedelta(hours=6)
M1_REMINDER = "reminder_1"
"""The letter of the first default (M+1, policy ``default.steps``): also a text message."""
SPACE_URL = "/debiteur/"


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    delay: timedelta = min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)
    return delay


def _debtor(session: Session, services: Services, organism: str, debtor_ref: str) -> tuple[int, DebtorRow]:
    organism_id, _ = services.organism(session, organism)
    row = session.scalar(
        select(DebtorRow).where(DebtorRow.organism_id == organism_id, DebtorRow.ref == debtor_ref)
    )
    if row is None:
        raise NotFound("debtor", debtor_ref, f"débiteur introuvable dans {organism}")
    return organism_id, row


@dataclass(frozen=True)
class ConsentView:
    channel: str
    granted: bool
    given_on: date
    source: str
    recorded_by: str


def record_consent(
    services: Services,
    organism: str,
    debtor_ref: str,
    channel: str,
    granted: bool,
    given_on: date,
    source: str,
    *,
    by: str,
) -> ConsentView:
    """Record the debtor's consent to ``channel`` (or its withdrawal) given on ``given_on``."""
    if channel not in messaging.CHANNELS:
        raise DomainError("channel", channel, f"une valeur parmi {', '.join(messaging.CHANNELS)}")
    if not source.strip():
        raise DomainError("source", source, "indiquez l'origine du consentement")
    with services.db.unit_of_work() as session:
        _, debtor = _debtor(session, services, organism, debtor_ref)
        session.add(
            ChannelConsentRow(
                debtor_id=debtor.id,
                channel=channel,
                granted=granted,
                given_on=given_on,
                source=source.strip()[:64],
                recorded_by=by[:100],
                recorded_at=services.clock(),
            )
        )
    return ConsentView(channel, granted, given_on, source.strip()[:64], by)


def _consents(session: Session, debtor_ids: list[int], on: date) -> dict[tuple[int, str], bool]:
    """Each debtor's consent per channel on ``on`` (the latest row given by then)."""
    found: dict[tuple[int, str], bool] = {}
    if not debtor_ids:
        return found
    rows = session.execute(
        select(ChannelConsentRow.debtor_id, ChannelConsentRow.channel, ChannelConsentRow.granted)
        .where(ChannelConsentRow.debtor_id.in_(debtor_ids), ChannelConsentRow.given_on <= on)
        .order_by(ChannelConsentRow.given_on, ChannelConsentRow.id)
    )
    for debtor_id, channel, granted in rows:
        found[(debtor_id, channel)] = granted
    return found


def consents_of(
    services: Services, organism: str, debtor_ref: str, on: date
) -> dict[str, ConsentView | None]:
    """The debtor's standing consent per channel on ``on`` (``None``: never asked)."""
    with services.db.unit_of_work() as session:
        _, debtor = _debtor(session, services, organism, debtor_ref)
        rows = session.scalars(
            select(ChannelConsentRow)
            .where(ChannelConsentRow.debtor_id == debtor.id, ChannelConsentRow.given_on <= on)
            .order_by(ChannelConsentRow.given_on, ChannelConsentRow.id)
        )
        found: dict[str, ConsentView | None] = dict.fromkeys(messaging.CHANNELS)
        for row in rows:
            found[row.channel] = ConsentView(
                row.channel, row.granted, row.given_on, row.source, row.recorded_by
            )
        return found


@dataclass
class Queued:
    emails: int = 0
    sms: int = 0
    without_consent: int = 0
    already: int = 0


def _title(letter_type: str, country: str) -> str:
    folder = "ma" if country == "MA" else "fr"
    return TITLES.get((folder, letter_type), "Courrier")


def _amount(cents: int, country: str) -> str:
    units, rest = divmod(abs(cents), 100)
    currency = "MAD" if country == "MA" else "€"
    return f"{units:,}".replace(",", "\u202f") + f",{rest:02d}\u00a0{currency}"


def _letter_email(title: str, issued_on: date) -> str:
    return (
        "Madame, Monsieur,\n\n"
        f"Vous trouverez ci-joint notre courrier « {title} » du {issued_on.strftime('%d/%m/%Y')}, "
        "que vous recevez aussi par la poste.\n\n"
        f"Vous pouvez consulter votre dossier, payer ou demander un échéancier dans votre espace : "
        f"{SPACE_URL}\n\n"
        "Ce message est envoyé parce que vous avez accepté de recevoir nos courriers par courriel ; "
        "vous pouvez retirer cet accord dans votre espace.\n"
    )


def _reminder_sms(ref: str, total: int, country: str) -> str:
    return (
        f"Rappel : un paiement est en retard sur votre dossier {ref} "
        f"(reste dû {_amount(total, country)}). Payez ou demandez un échéancier sur votre espace "
        f"{SPACE_URL} ou appelez votre organisme. STOP : retirez votre accord dans votre espace."
    )


def queue_for_letters(services: Services, organism: str, on: date) -> Queued:
    """Queue the e-mails (letters as PDF attachments) and M+1 text reminders of the letters
    issued on ``on``, where the debtors consent."""
    done = Queued()
    now = services.clock()
    with services.db.unit_of_work() as session:
        organism_id, found = services.organism(session, organism)
        country = found.country.value
        rows = session.execute(
            select(LetterRow, DebtorRow)
            .join(DebtorRow, DebtorRow.id == LetterRow.debtor_id)
            .where(LetterRow.organism_id == organism_id, LetterRow.issued_on == on)
            .order_by(LetterRow.id)
        ).all()
        consents = _consents(session, sorted({debtor.id for _, debtor in rows}), on)
        keys = {f"letter:{letter.id}:{channel}" for letter, _ in rows for channel in messaging.CHANNELS}
        existing = repository.existing_keys(session, OutboxMessageRow.key, keys)
        for letter, debtor in rows:
            email_ok = consents.get((debtor.id, messaging.EMAIL), False) and bool(debtor.email)
            sms_ok = consents.get((debtor.id, messaging.SMS), False) and bool(debtor.phone)
            title = _title(letter.type, country)
            wanted: list[tuple[str, str, str, str, int | None]] = []
            if email_ok:
                wanted.append(
                    (
                        messaging.EMAIL,
                        debtor.email or "",
                        title,
                        _letter_email(title, letter.issued_on),
                        letter.id,
                    )
                )
            if letter.type == M1_REMINDER and sms_ok and not email_ok:
                total = _debtor_total(session, debtor.id, on)
                wanted.append(
                    (
                        messaging.SMS,
                        debtor.phone or "",
                        title,
                        _reminder_sms(debtor.ref, total, country),
                        None,
                    )
                )
            if not wanted:
                done.without_consent += 1
                continue
            for channel, address, subject, body, attached in wanted:
                key = f"letter:{letter.id}:{channel}"
                if key in existing:
                    done.already += 1
                    continue
                session.add(
                    OutboxMessageRow(
                        key=key,
                        organism_id=organism_id,
                        debtor_id=debtor.id,
                        channel=channel,
                        kind="letter" if channel == messaging.EMAIL else "reminder_m1",
                        address=address,
                        subject=subject,
                        body=body,
                        letter_id=attached,
                        status=QUEUED,
                        attempts=0,
                        next_attempt_at=now,
                        last_error="",
                        provider_id="",
                        created_at=now,
                    )
                )
                if channel == messaging.EMAIL:
                    done.emails += 1
                else:
                    done.sms += 1
    return done


def _debtor_total(session: Session, debtor_id: int, on: date) -> int:
    from recouvre.storage.tables import ClaimRow

    total = 0
    for claim_id in session.scalars(select(ClaimRow.id).where(ClaimRow.debtor_id == debtor_id)):
        total += max(repository.load_ledger(session, claim_id, until=on).balance, 0)
    return total


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    rejected: int = 0
    waiting: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)


def _attachments(services: Services, row: OutboxMessageRow) -> tuple[messaging.Attachment, ...]:
    if row.letter_id is None:
        return ()
    pdf = letters.render(services, row.letter_id)
    return (messaging.Attachment(f"courrier-{row.letter_id}.pdf", pdf),)


def send_due(
    services: Services,
    organism: str | None,
    *,
    limit: int = 500,
    configured: Mapping[str, messaging.Transport] | None = None,
) -> SendReport:
    """Send the messages due now (one transaction per message, so that a crash loses none)."""
    chosen = configured if configured is not None else transports(services)
    report = SendReport()
    now = services.clock()
    with services.db.unit_of_work() as session:
        query = select(OutboxMessageRow.id).where(
            OutboxMessageRow.status == QUEUED, OutboxMessageRow.next_attempt_at <= now
        )
        if organism is not None:
            query = query.join(OrganismRow, OrganismRow.id == OutboxMessageRow.organism_id).where(
                OrganismRow.code == organism
            )
        ids = list(
            session.scalars(
                query.order_by(OutboxMessageRow.next_attempt_at, OutboxMessageRow.id).limit(limit)
            )
        )
    for ident in ids:
        with services.db.unit_of_work() as session:
            row = session.get(OutboxMessageRow, ident)
            if row is None or row.status != QUEUED:
                continue
            transport = chosen.get(row.channel)
            if transport is None:
                row.last_error = f"canal {row.channel} non configuré"
                report.waiting += 1
                continue
            row.attempts += 1
            try:
                provider = transport.send(
                    messaging.Outgoing(
                        row.channel, row.address, row.subject, row.body, _attachments(services, row)
                    )
                )
            except messaging.Rejected as error:
                row.status = REJECTED
                row.last_error = str(error)[:500]
                report.rejected += 1
                continue
            except messaging.Unavailable as error:
                row.last_error = str(error)[:500]
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = FAILED
                    report.failed += 1
                else:
                    row.next_attempt_at = now + backoff(row.attempts)
                    report.retried += 1
                continue
            row.status = SENT
            row.sent_at = now
            row.provider_id = provider[:200]
            row.last_error = ""
            report.sent += 1
            report.by_channel[row.channel] = report.by_channel.get(row.channel, 0) + 1
    return report


def record_delivery(services: Services, provider_id: str, delivered: bool, note: str = "") -> bool:
    """A delivery receipt from the provider: ``delivered``, or ``rejected`` (bounce). ``False``
    when no message sent has that id."""
    with services.db.unit_of_work() as session:
        row = session.scalar(
            select(OutboxMessageRow).where(
                OutboxMessageRow.provider_id == provider_id, OutboxMessageRow.status == SENT
            )
        )
        if row is None:
            return False
        row.status = DELIVERED if delivered else REJECTED
        row.last_error = note[:500]
        return True


@dataclass(frozen=True)
class MessageView:
    id: int
    channel: str
    kind: str
    address: str
    subject: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str


def list_messages(
    services: Services,
    organism: str,
    *,
    status: str | None = None,
    debtor_ref: str | None = None,
    limit: int = 100,
) -> list[MessageView]:
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, organism)
        query = select(OutboxMessageRow).where(OutboxMessageRow.organism_id == organism_id)
        if status is not None:
            query = query.where(OutboxMessageRow.status == status)
        if debtor_ref is not None:
            query = query.join(DebtorRow, DebtorRow.id == OutboxMessageRow.debtor_id).where(
                DebtorRow.ref == debtor_ref
            )
        rows = session.scalars(query.order_by(OutboxMessageRow.id.desc()).limit(limit))
        return [
            MessageView(
                row.id,
                row.channel,
                row.kind,
                row.address,
                row.subject,
                row.status,
                row.attempts,
                row.created_at,
                row.sent_at,
                row.last_error,
            )
            for row in rows
        ]
