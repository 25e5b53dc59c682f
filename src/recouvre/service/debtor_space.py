"""The debtor's own space (``/debiteur/``): sign-in by a one-time code, sessions, and what the
space reads and stores beneath the authorised commands of ``service.commands.debtor_space``.

Sign-in (no password):

1. the debtor names his organism and his file number (the reference on every letter) and a
   channel, e-mail or SMS; a 6-digit code is drawn (``secrets``), kept as the SHA-256 of a random
   salt and the code (never the code itself), valid ``CODE_MINUTES`` minutes for at most
   ``MAX_ATTEMPTS`` tries, and sent to the address the organism holds (never to one
   typed in the form) once the answer has left, so its timing tells nothing. The answer is the same
   whether the file exists, has that channel or not:
   the form reveals nobody. At most ``CODES_PER_HOUR`` codes per file and hour; requests and
   failed codes are also throttled per client address and per file (``Services.codes_throttle``,
   growing delays);
2. the right code opens a debtor session: a random 256-bit token in a cookie of its own
   (``recouvre_debiteur``, never the staff's ``recouvre_session``), its SHA-256 in
   ``debtor_sessions``, valid ``SESSION_MINUTES`` minutes, revoked on sign-out.

The session's ``Actor`` has the role ``debtor`` and his reference (``Actor.debtor``): every
read and act goes through the door, which refuses (and audits ``denied``) whatever is not his.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from recouvre.adapters import card_payments, messaging
from recouvre.domain.withholding import explain_in_french
from recouvre.security.authorization import Actor
from recouvre.security.throttle import Rule, Throttled
from recouvre.service import trail
from recouvre.service.context import Services
from recouvre.storage.channels_tables import (
    DebtorCodeRow,
    DebtorDocumentRow,
    DebtorSessionRow,
    OutboxMessageRow,
)
from recouvre.storage.tables import BenefitPaymentRow, ClaimRow, DebtorRow, LetterRow, OrganismRow

DEBTOR_ROLE = "debtor"
CODE_DIGITS = 6
CODE_MINUTES = 10
MAX_ATTEMPTS = 5
CODES_PER_HOUR = 3
SESSION_MINUTES = 30
MAX_DOCUMENT_BYTES = 900 * 1024
"""Under the application's bound on a request body (``security.settings.MAX_BODY_BYTES``, 1 Mo)."""
DOCUMENT_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
REQUESTS_RULE = Rule(free=20, base=timedelta(seconds=1), cap=timedelta(hours=1))
"""Code requests from one client address: 20 freely, then each waits longer (per file, the
database's ``CODES_PER_HOUR`` holds as well)."""
EXPLAINED_PAYMENTS = 6
CHANNEL_NAMES = {messaging.EMAIL: "courriel", messaging.SMS: "SMS"}


class CodeRefused(Exception):
    """The code is wrong, expired, already used or tried too often (one message for all)."""

    reason = "Ce code n'est pas valable : il est erroné, expiré ou déjà utilisé. Demandez un nouveau code."


class Unauthenticated(Exception):
    """No debtor session, or an expired or revoked one."""


def actor_name(debtor_ref: str) -> str:
    """The debtor as an actor of the audit trail."""
    return f"debiteur:{debtor_ref}"[:64]


def debtor_actor(organism: str, debtor_ref: str) -> Actor:
    return Actor(
        user=actor_name(debtor_ref), roles=frozenset({DEBTOR_ROLE}), organism=organism, debtor=debtor_ref
    )


def _digest(*parts: str) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()


def transports(services: Services) -> Mapping[str, messaging.Transport]:
    if services.transports is None:
        services.transports = messaging.from_environment()
    return services.transports


def card_handoff(services: Services) -> card_payments.CardPayments:
    if services.card_payments is None:
        services.card_payments = card_payments.from_environment()
    return services.card_payments


@dataclass(frozen=True)
class _Target:
    organism_id: int
    debtor_id: int
    address: str | None


def _target(services: Services, organism: str, debtor_ref: str, channel: str) -> _Target | None:
    with services.db.unit_of_work() as session:
        found = session.execute(
            select(OrganismRow.id, DebtorRow.id, DebtorRow.email, DebtorRow.phone)
            .join(DebtorRow, DebtorRow.organism_id == OrganismRow.id)
            .where(OrganismRow.code == organism, DebtorRow.ref == debtor_ref)
        ).first()
    if found is None:
        return None
    organism_id, debtor_id, email, phone = found
    address = email if channel == messaging.EMAIL else phone
    return _Target(organism_id, debtor_id, address or None)


def _throttle_key(organism: str, debtor_ref: str) -> str:
    return f"debiteur:{organism}:{debtor_ref}"


def _nothing() -> None:
    """What is left to do when no code was drawn (the same answer, nothing to send)."""


def request_code(
    services: Services, organism: str, debtor_ref: str, channel: str, *, address: str | None
) -> Callable[[], None]:
    """Draw a sign-in code when the file exists and holds an address on ``channel``; return the
    sending of it, to be done once the answer has left (so that its time tells nothing).

    The same (a sending that may do nothing) in every other case; raises ``Throttled`` when this
    client asked too often (whether the file exists or not)."""
    if channel not in messaging.CHANNELS:
        return _nothing
    now = services.clock()
    if address is not None:
        services.codes_throttle.hit(now, f"demandes:{address}", REQUESTS_RULE)
    target = _target(services, organism, debtor_ref, channel)
    if target is None or target.address is None:
        return _nothing
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    with trail.unit_of_work(services) as session:
        recent = session.scalar(
            select(func.count())
            .select_from(DebtorCodeRow)
            .where(
                DebtorCodeRow.debtor_id == target.debtor_id,
                DebtorCodeRow.created_at > now - timedelta(hours=1),
            )
        )
        if int(recent or 0) >= CODES_PER_HOUR:
            trail.append(
                session,
                trail.Entry(
                    actor_name(debtor_ref),
                    "space.code",
                    "refused",
                    organism=organism,
                    subject=f"{organism} débiteur {debtor_ref}",
                    why=f"plus de {CODES_PER_HOUR} codes demandés en une heure",
                ),
                now,
            )
            return _nothing
        session.add(
            DebtorCodeRow(
                organism_id=target.organism_id,
                debtor_id=target.debtor_id,
                channel=channel,
                salt=salt,
                code_hash=_digest(salt, code),
                created_at=now,
                expires_at=now + timedelta(minutes=CODE_MINUTES),
                attempts=0,
            )
        )
        message = OutboxMessageRow(
            key=f"code:{target.debtor_id}:{now.isoformat()}:{salt[:8]}",
            organism_id=target.organism_id,
            debtor_id=target.debtor_id,
            channel=channel,
            kind="sign_in_code",
            address=target.address,
            subject="Votre code de connexion",
            body=code_text("••••••"),
            status="queued",
            attempts=0,
            next_attempt_at=now,
            last_error="",
            provider_id="",
            created_at=now,
        )
        session.add(message)
        session.flush()
        message_id = message.id
        trail.append(
            session,
            trail.Entry(
                actor_name(debtor_ref),
                "space.code",
                organism=organism,
                subject=f"{organism} débiteur {debtor_ref}",
                after={"channel": channel},
            ),
            now,
        )
    recipient = target.address

    def deliver() -> None:
        status, error, provider = _send_code(services, channel, recipient, code)
        with services.db.unit_of_work() as session:
            row = session.get(OutboxMessageRow, message_id)
            if row is not None:
                row.status, row.last_error, row.provider_id = status, error, provider
                row.attempts = 1
                row.sent_at = services.clock() if status == "sent" else None

    return deliver


def code_text(code: str) -> str:
    return (
        f"Votre code de connexion à votre espace débiteur est {code}. "
        f"Il est valable {CODE_MINUTES} minutes. Ne le communiquez à personne."
    )


def _send_code(services: Services, channel: str, address: str, code: str) -> tuple[str, str, str]:
    transport = transports(services).get(channel)
    if transport is None:
        return "failed", f"canal {channel} non configuré", ""
    try:
        provider = transport.send(
            messaging.Outgoing(channel, address, "Votre code de connexion", code_text(code))
        )
    except (messaging.Unavailable, messaging.Rejected) as error:
        return "failed", str(error), ""
    return "sent", "", provider


@dataclass(frozen=True)
class DebtorSession:
    token: str
    actor: Actor
    expires_at: datetime


def verify_code(
    services: Services, organism: str, debtor_ref: str, code: str, *, address: str | None
) -> DebtorSession:
    """Open a debtor session when ``code`` is this file's last valid code; else ``CodeRefused``
    (or ``Throttled`` after repeated failures from this client or on this file)."""
    now = services.clock()
    reservation = services.codes_throttle.reserve(
        now, address=address, account=_throttle_key(organism, debtor_ref)
    )
    target = _target(services, organism, debtor_ref, messaging.EMAIL)
    cleaned = code.strip().replace(" ", "")
    with trail.unit_of_work(services) as session:
        row = None
        if target is not None:
            row = session.scalar(
                select(DebtorCodeRow)
                .where(
                    DebtorCodeRow.debtor_id == target.debtor_id,
                    DebtorCodeRow.used_at.is_(None),
                    DebtorCodeRow.expires_at > now,
                    DebtorCodeRow.attempts < MAX_ATTEMPTS,
                )
                .order_by(DebtorCodeRow.id.desc())
                .limit(1)
            )
        if row is None or not hmac.compare_digest(row.code_hash, _digest(row.salt, cleaned)):
            if row is not None:
                row.attempts += 1
            if target is not None:
                trail.append(
                    session,
                    trail.Entry(
                        actor_name(debtor_ref),
                        "space.sign_in",
                        "refused",
                        organism=organism,
                        subject=f"{organism} débiteur {debtor_ref}",
                        why="code erroné ou expiré",
                    ),
                    now,
                )
            failed = True
        else:
            failed = False
            session.execute(
                update(DebtorCodeRow)
                .where(DebtorCodeRow.debtor_id == row.debtor_id, DebtorCodeRow.used_at.is_(None))
                .values(used_at=now)
            )
            token = secrets.token_urlsafe(32)
            expires = now + timedelta(minutes=SESSION_MINUTES)
            session.add(
                DebtorSessionRow(
                    token_hash=_digest(token),
                    organism_id=row.organism_id,
                    debtor_id=row.debtor_id,
                    created_at=now,
                    expires_at=expires,
                )
            )
            trail.append(
                session,
                trail.Entry(
                    actor_name(debtor_ref),
                    "space.sign_in",
                    organism=organism,
                    subject=f"{organism} débiteur {debtor_ref}",
                    after={"channel": row.channel},
                ),
                now,
            )
    if failed:
        raise CodeRefused()
    services.codes_throttle.release(reservation, succeeded=True)
    return DebtorSession(token, debtor_actor(organism, debtor_ref), expires)


def session_actor(services: Services, token: str) -> Actor:
    """The debtor of a live session; ``Unauthenticated`` otherwise."""
    now = services.clock()
    with services.db.unit_of_work() as session:
        found = session.execute(
            select(OrganismRow.code, DebtorRow.ref)
            .select_from(DebtorSessionRow)
            .join(DebtorRow, DebtorRow.id == DebtorSessionRow.debtor_id)
            .join(OrganismRow, OrganismRow.id == DebtorSessionRow.organism_id)
            .where(
                DebtorSessionRow.token_hash == _digest(token),
                DebtorSessionRow.revoked_at.is_(None),
                DebtorSessionRow.expires_at > now,
            )
        ).first()
    if found is None:
        raise Unauthenticated("session absente, expirée ou close")
    return debtor_actor(found[0], found[1])


def sign_out(services: Services, token: str) -> None:
    now = services.clock()
    with trail.unit_of_work(services) as session:
        row = session.scalar(select(DebtorSessionRow).where(DebtorSessionRow.token_hash == _digest(token)))
        if row is None or row.revoked_at is not None:
            return
        row.revoked_at = now
        ref = session.scalar(select(DebtorRow.ref).where(DebtorRow.id == row.debtor_id)) or "?"
        organism = session.scalar(select(OrganismRow.code).where(OrganismRow.id == row.organism_id))
        trail.append(
            session,
            trail.Entry(actor_name(ref), "space.sign_out", organism=organism, subject=f"débiteur {ref}"),
            now,
        )


# What the space reads ----------------------------------------------------------------------------


def claim_owner(services: Services, organism: str, claim_ref: str) -> str | None:
    """The reference of the debtor a claim belongs to (``None``: no such claim)."""
    with services.db.unit_of_work() as session:
        return session.scalar(
            select(DebtorRow.ref)
            .join(ClaimRow, ClaimRow.debtor_id == DebtorRow.id)
            .join(OrganismRow, OrganismRow.id == ClaimRow.organism_id)
            .where(OrganismRow.code == organism, ClaimRow.ref == claim_ref)
        )


def letter_owner(services: Services, organism: str, letter_id: int) -> str | None:
    with services.db.unit_of_work() as session:
        return session.scalar(
            select(DebtorRow.ref)
            .join(LetterRow, LetterRow.debtor_id == DebtorRow.id)
            .join(OrganismRow, OrganismRow.id == LetterRow.organism_id)
            .where(OrganismRow.code == organism, LetterRow.id == letter_id)
        )


def document_owner(services: Services, organism: str, document_id: int) -> str | None:
    with services.db.unit_of_work() as session:
        return session.scalar(
            select(DebtorRow.ref)
            .join(DebtorDocumentRow, DebtorDocumentRow.debtor_id == DebtorRow.id)
            .join(OrganismRow, OrganismRow.id == DebtorDocumentRow.organism_id)
            .where(OrganismRow.code == organism, DebtorDocumentRow.id == document_id)
        )


@dataclass(frozen=True)
class ExplainedPayment:
    paid_on: date
    gross: int
    withheld: int
    net: int
    lines: tuple[str, ...]


def explained_payments(services: Services, organism: str, debtor_ref: str) -> list[ExplainedPayment]:
    """The debtor's last benefit payments with the explanation of their withholding, newest first."""
    with services.db.unit_of_work() as session:
        rows = session.scalars(
            select(BenefitPaymentRow)
            .join(DebtorRow, DebtorRow.id == BenefitPaymentRow.debtor_id)
            .join(OrganismRow, OrganismRow.id == BenefitPaymentRow.organism_id)
            .where(OrganismRow.code == organism, DebtorRow.ref == debtor_ref)
            .order_by(BenefitPaymentRow.paid_on.desc(), BenefitPaymentRow.id.desc())
            .limit(EXPLAINED_PAYMENTS)
        ).all()
        return [
            ExplainedPayment(
                row.paid_on,
                row.gross_cents,
                row.withheld_cents,
                row.net_cents,
                tuple(explain_in_french(row.explanation)) if row.explanation else (),
            )
            for row in rows
        ]


@dataclass(frozen=True)
class DocumentView:
    id: int
    claim_ref: str | None
    purpose: str
    filename: str
    size: int
    uploaded_at: datetime


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


def check_upload(upload: Upload) -> str | None:
    """Why an uploaded file is refused (in French), or ``None``."""
    if upload.content_type not in DOCUMENT_TYPES:
        return f"{upload.filename} : seuls les fichiers PDF, JPEG et PNG sont acceptés."
    if not upload.content:
        return f"{upload.filename} : le fichier est vide."
    if len(upload.content) > MAX_DOCUMENT_BYTES:
        return f"{upload.filename} : le fichier dépasse {MAX_DOCUMENT_BYTES // 1024} Ko."
    magic = {"application/pdf": b"%PDF", "image/jpeg": b"\xff\xd8", "image/png": b"\x89PNG"}
    if not upload.content.startswith(magic[upload.content_type]):
        return f"{upload.filename} : le contenu ne correspond pas au type de fichier annoncé."
    return None


def store_documents(
    services: Services,
    organism: str,
    debtor_ref: str,
    claim_ref: str | None,
    purpose: str,
    uploads: list[Upload],
) -> list[DocumentView]:
    """Keep the debtor's supporting documents (inside the caller's act)."""
    now = services.clock()
    stored: list[DocumentView] = []
    with services.db.unit_of_work() as session:
        organism_id, debtor_id = session.execute(
            select(OrganismRow.id, DebtorRow.id)
            .join(DebtorRow, DebtorRow.organism_id == OrganismRow.id)
            .where(OrganismRow.code == organism, DebtorRow.ref == debtor_ref)
        ).one()
        claim_id = None
        if claim_ref is not None:
            claim_id = session.scalar(
                select(ClaimRow.id).where(ClaimRow.organism_id == organism_id, ClaimRow.ref == claim_ref)
            )
        for upload in uploads:
            name = "".join(c for c in upload.filename if c.isprintable() and c not in "/\\")[-200:] or "piece"
            row = DebtorDocumentRow(
                organism_id=organism_id,
                debtor_id=debtor_id,
                claim_id=claim_id,
                purpose=purpose,
                filename=name,
                content_type=upload.content_type,
                size=len(upload.content),
                sha256=hashlib.sha256(upload.content).hexdigest(),
                content=upload.content,
                uploaded_at=now,
            )
            session.add(row)
            session.flush()
            stored.append(DocumentView(row.id, claim_ref, purpose, name, row.size, now))
    return stored


def documents_of(services: Services, organism: str, debtor_ref: str) -> list[DocumentView]:
    with services.db.unit_of_work() as session:
        rows = session.execute(
            select(DebtorDocumentRow, ClaimRow.ref)
            .join(DebtorRow, DebtorRow.id == DebtorDocumentRow.debtor_id)
            .join(OrganismRow, OrganismRow.id == DebtorDocumentRow.organism_id)
            .outerjoin(ClaimRow, ClaimRow.id == DebtorDocumentRow.claim_id)
            .where(OrganismRow.code == organism, DebtorRow.ref == debtor_ref)
            .order_by(DebtorDocumentRow.id)
        ).all()
        return [
            DocumentView(row.id, ref, row.purpose, row.filename, row.size, row.uploaded_at)
            for row, ref in rows
        ]


def document_content(services: Services, document_id: int) -> tuple[str, str, bytes]:
    with services.db.unit_of_work() as session:
        row = session.get(DebtorDocumentRow, document_id)
        assert row is not None
        return row.filename, row.content_type, row.content


def throttled_seconds(error: Throttled) -> int:
    return error.retry_after


def describe_upload(views: list[DocumentView]) -> list[dict[str, Any]]:
    return [{"id": view.id, "file": view.filename, "size": view.size} for view in views]
