"""E-mail and text-message transports: SMTP (the standard library's ``smtplib``) and an SMS
provider behind an HTTP adapter (``httpx``), plus an in-memory transport for tests and demos.

Configuration comes from the environment only (no secret in the repository):

* ``RECOUVRE_SMTP_HOST`` (none: e-mails stay in the outbox), ``RECOUVRE_SMTP_PORT`` (25),
  ``RECOUVRE_SMTP_USER`` / ``RECOUVRE_SMTP_PASSWORD`` (optional), ``RECOUVRE_SMTP_STARTTLS``
  (``1`` to upgrade the connection), ``RECOUVRE_MAIL_FROM`` (the sender address);
* ``RECOUVRE_SMS_URL`` (none: text messages stay in the outbox), ``RECOUVRE_SMS_TOKEN`` (sent as
  a bearer token), ``RECOUVRE_SMS_SENDER`` (the sender name shown on the phone).

The SMS adapter POSTs ``{"to", "from", "text"}`` as JSON and reads the provider's message id from
``id`` in the answer; a 4xx answer is a permanent failure (``Rejected``), anything else that is
not 2xx (or a network error) a temporary one (``Unavailable``) the outbox retries with backoff.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

import httpx

EMAIL = "email"
SMS = "sms"
CHANNELS = (EMAIL, SMS)
TIMEOUT = 10.0


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = "application/pdf"


@dataclass(frozen=True)
class Outgoing:
    """One message to send: ``address`` is an e-mail address or a phone number."""

    channel: str
    address: str
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()


class Unavailable(Exception):
    """The transport could not send now (network, server busy): try again later."""


class Rejected(Exception):
    """The transport refused the message for good (bad address, refused content)."""


class Transport(Protocol):
    def send(self, message: Outgoing) -> str:
        """Send ``message``; return the provider's id. Raise ``Unavailable`` or ``Rejected``."""
        ...


@dataclass
class SmtpTransport:
    host: str
    port: int = 25
    sender: str = "recouvrement@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False

    def send(self, message: Outgoing) -> str:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.address
        mail["Subject"] = message.subject
        ident = f"<{uuid.uuid4().hex}@recouvre>"
        mail["Message-ID"] = ident
        mail.set_content(message.body)
        for item in message.attachments:
            main, _, sub = item.content_type.partition("/")
            mail.add_attachment(
                item.content, maintype=main, subtype=sub or "octet-stream", filename=item.filename
            )
        try:
            with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT) as server:
                if self.starttls:
                    server.starttls(context=ssl.create_default_context())
                if self.user is not None and self.password is not None:
                    server.login(self.user, self.password)
                server.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            raise Rejected(f"adresse refusée par le serveur : {sorted(error.recipients)}") from None
        except smtplib.SMTPResponseException as error:
            if 500 <= error.smtp_code < 600:
                raise Rejected(f"refus SMTP {error.smtp_code}") from None
            raise Unavailable(f"SMTP {error.smtp_code}") from None
        except (OSError, smtplib.SMTPException) as error:
            raise Unavailable(f"SMTP : {type(error).__name__}") from None
        return ident


@dataclass
class HttpSmsTransport:
    url: str
    token: str | None = None
    sender: str = "RECOUVRE"
    client: httpx.Client | None = field(default=None, repr=False)

    def send(self, message: Outgoing) -> str:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        payload = {"to": message.address, "from": self.sender, "text": message.body}
        client = self.client or httpx.Client(timeout=TIMEOUT)
        try:
            answer = client.post(self.url, json=payload, headers=headers)
        except httpx.HTTPError as error:
            raise Unavailable(f"SMS : {type(error).__name__}") from None
        finally:
            if self.client is None:
                client.close()
        if 400 <= answer.status_code < 500 and answer.status_code != 429:
            raise Rejected(f"SMS refusé : HTTP {answer.status_code}")
        if not answer.is_success:
            raise Unavailable(f"SMS : HTTP {answer.status_code}")
        try:
            found = answer.json().get("id", "")
        except ValueError:
            found = ""
        return str(found)


@dataclass
class MemoryTransport:
    """Keeps what it is given (tests, demos, and installations without a configured channel)."""

    sent: list[Outgoing] = field(default_factory=list)

    def send(self, message: Outgoing) -> str:
        self.sent.append(message)
        return f"memoire-{len(self.sent)}"


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Transport]:
    """The transports configured in the environment (a channel not configured is absent)."""
    env = os.environ if environ is None else environ
    found: dict[str, Transport] = {}
    host = env.get("RECOUVRE_SMTP_HOST")
    if host:
        found[EMAIL] = SmtpTransport(
            host=host,
            port=int(env.get("RECOUVRE_SMTP_PORT", "25")),
            sender=env.get("RECOUVRE_MAIL_FROM", "recouvrement@localhost"),
            user=env.get("RECOUVRE_SMTP_USER") or None,
            password=env.get("RECOUVRE_SMTP_PASSWORD") or None,
            starttls=env.get("RECOUVRE_SMTP_STARTTLS") == "1",
        )
    url = env.get("RECOUVRE_SMS_URL")
    if url:
        found[SMS] = HttpSmsTransport(
            url=url,
            token=env.get("RECOUVRE_SMS_TOKEN") or None,
            sender=env.get("RECOUVRE_SMS_SENDER", "RECOUVRE"),
        )
    return found
