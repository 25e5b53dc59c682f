"""The outbox of e-mails and SMS: transports (a local SMTP server, aiosmtpd; an HTTP test double
for the SMS provider), consent per debtor and channel, letters as PDF attachments, the M+1
reminder by SMS, delivery statuses, retries with backoff, the CLI — nothing leaves the machine."""

from __future__ import annotations

import email
import json
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from typer.testing import CliRunner

from recouvre.adapters import messaging
from recouvre.adapters.messaging import EMAIL, SMS, HttpSmsTransport, MemoryTransport, Outgoing, SmtpTransport
from recouvre.cli import app as cli_app
from recouvre.domain.model import Country, Organism
from recouvre.security.authorization import Forbidden
from recouvre.service import Services, accounts, outbox
from recouvre.service.commands import outbox as commands
from recouvre.service.context import open_services
from recouvre.service.registry import ensure_organism
from recouvre.storage.channels_tables import OutboxMessageRow
from recouvre.storage.tables import DebtorRow, LetterRow
from web.conftest import CHEAP_HASHER, NOW, ORG, Clock, populate

SYSTEM = accounts.SYSTEM_ACTOR


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        content = envelope.content  # type: ignore[attr-defined]
        self.messages.append(email.message_from_bytes(content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class SmsProvider:
    """The SMS provider's HTTP API, as a test double (``httpx.MockTransport``)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.received: list[dict[str, str]] = []
        self.statuses = statuses or []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer test-token"
        self.received.append(json.loads(request.content))
        status = self.statuses.pop(0) if self.statuses else 200
        return httpx.Response(status, json={"id": f"sms-{len(self.received)}"})

    def transport(self) -> HttpSmsTransport:
        client = httpx.Client(transport=httpx.MockTransport(self))
        return HttpSmsTransport("https://sms.example.invalid/send", token="test-token", client=client)


def letters_on(services: Services) -> tuple[date, dict[str, list[int]]]:
    with services.db.unit_of_work() as session:
        rows = session.execute(
            select(LetterRow.id, LetterRow.issued_on, DebtorRow.ref).join(
                DebtorRow, DebtorRow.id == LetterRow.debtor_id
            )
        ).all()
    by_debtor: dict[str, list[int]] = {}
    for ident, _, ref in rows:
        by_debtor.setdefault(ref, []).append(ident)
    return rows[0][1], by_debtor


def add_reminder(services: Services, debtor_ref: str, on: date) -> int:
    with services.db.unit_of_work() as session:
        debtor = session.scalars(select(DebtorRow).where(DebtorRow.ref == debtor_ref)).one()
        row = LetterRow(
            key=f"test:reminder:{debtor_ref}:{on}",
            organism_id=debtor.organism_id,
            debtor_id=debtor.id,
            type="reminder_1",
            issued_on=on,
            cycle=on.strftime("%Y-%m"),
            status="generated",
            data={},
        )
        session.add(row)
        session.flush()
        return int(row.id)


def statuses(services: Services) -> list[tuple[str, str, int]]:
    with services.db.unit_of_work() as session:
        return [
            (row.channel, row.status, row.attempts)
            for row in session.scalars(select(OutboxMessageRow).order_by(OutboxMessageRow.id))
        ]


def test_smtp_sends_a_pdf_attachment_to_a_local_server(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    transport = SmtpTransport("127.0.0.1", port, sender="caf@example.org")
    ident = transport.send(
        Outgoing(
            EMAIL, "marie@example.org", "Rappel", "Bonjour", (messaging.Attachment("c.pdf", b"%PDF-1.4"),)
        )
    )
    assert ident.startswith("<")
    [mail] = inbox.messages
    assert mail["To"] == "marie@example.org" and mail["Subject"] == "Rappel"
    parts = [part for part in mail.walk() if part.get_filename()]
    assert parts[0].get_filename() == "c.pdf" and parts[0].get_payload(decode=True) == b"%PDF-1.4"


def test_smtp_unreachable_is_temporary() -> None:
    with pytest.raises(messaging.Unavailable):
        SmtpTransport("127.0.0.1", free_port()).send(Outgoing(EMAIL, "a@example.org", "x", "y"))


def test_the_sms_adapter_posts_json_and_tells_permanent_from_temporary_failures() -> None:
    provider = SmsProvider([200, 400, 503])
    transport = provider.transport()
    assert transport.send(Outgoing(SMS, "0639980001", "", "Rappel")) == "sms-1"
    assert provider.received[0] == {"to": "0639980001", "from": "RECOUVRE", "text": "Rappel"}
    with pytest.raises(messaging.Rejected):
        transport.send(Outgoing(SMS, "0639980001", "", "Rappel"))
    with pytest.raises(messaging.Unavailable):
        transport.send(Outgoing(SMS, "0639980001", "", "Rappel"))


def test_configuration_comes_from_the_environment() -> None:
    assert messaging.from_environment({}) == {}
    found = messaging.from_environment(
        {
            "RECOUVRE_SMTP_HOST": "mail.local",
            "RECOUVRE_SMTP_PORT": "2525",
            "RECOUVRE_SMS_URL": "https://sms.local/",
        }
    )
    assert isinstance(found[EMAIL], SmtpTransport) and found[EMAIL].port == 2525
    assert isinstance(found[SMS], HttpSmsTransport)


def test_letters_are_emailed_as_pdf_only_with_consent(office: Services, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    issued_on, by_debtor = letters_on(office)
    agent = accounts.actor_of(office, "case_worker")
    commands.record_consent(office, agent, ORG, "D1", EMAIL, True, date(2026, 1, 2), "formulaire papier")
    queued = commands.queue_messages(office, SYSTEM, ORG, issued_on)
    assert queued.emails == len(by_debtor["D1"]) and queued.sms == 0
    assert queued.without_consent == len(by_debtor["D2"])
    again = commands.queue_messages(office, SYSTEM, ORG, issued_on)
    assert again.emails == 0 and again.already == queued.emails
    office.transports = {EMAIL: SmtpTransport("127.0.0.1", port)}
    report = commands.send_outbox(office, SYSTEM, ORG)
    assert report.sent == queued.emails
    assert {mail["To"] for mail in inbox.messages} == {"marie@example.org"}
    attachment = next(part for part in inbox.messages[0].walk() if part.get_filename())
    payload = attachment.get_payload(decode=True)
    assert isinstance(payload, bytes) and payload.startswith(b"%PDF")
    assert all(status == "sent" for _, status, _ in statuses(office))


def test_a_withdrawn_consent_stops_the_emails(office: Services) -> None:
    issued_on, _ = letters_on(office)
    agent = accounts.actor_of(office, "case_worker")
    commands.record_consent(office, agent, ORG, "D1", EMAIL, True, date(2026, 1, 2), "formulaire")
    commands.record_consent(office, agent, ORG, "D1", EMAIL, False, date(2026, 1, 5), "appel du débiteur")
    assert commands.queue_messages(office, SYSTEM, ORG, issued_on).emails == 0


def test_the_m1_reminder_goes_by_sms_with_sms_consent(office: Services) -> None:
    on = date(2026, 3, 2)
    add_reminder(office, "D1", on)
    agent = accounts.actor_of(office, "phone_operator")
    commands.record_consent(office, agent, ORG, "D1", SMS, True, date(2026, 2, 1), "appel sortant")
    queued = commands.queue_messages(office, SYSTEM, ORG, on)
    assert (queued.emails, queued.sms) == (0, 1)
    provider = SmsProvider()
    office.transports = {SMS: provider.transport()}
    assert commands.send_outbox(office, SYSTEM, ORG).sent == 1
    [message] = provider.received
    assert message["to"] == "0639980001"
    assert "D1" in message["text"] and "700,00" in message["text"] and "/debiteur/" in message["text"]
    assert outbox.record_delivery(office, "sms-1", delivered=True)
    assert statuses(office) == [(SMS, "delivered", 1)]


def test_temporary_failures_are_retried_with_backoff_then_failed(office: Services) -> None:
    on = date(2026, 3, 2)
    add_reminder(office, "D1", on)
    agent = accounts.actor_of(office, "phone_operator")
    commands.record_consent(office, agent, ORG, "D1", SMS, True, date(2026, 2, 1), "appel sortant")
    commands.queue_messages(office, SYSTEM, ORG, on)
    provider = SmsProvider([503] * 10)
    office.transports = {SMS: provider.transport()}
    now = NOW
    delays = []
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        office.clock = Clock(now)
        report = commands.send_outbox(office, SYSTEM, ORG)
        assert len(provider.received) == attempt
        assert commands.send_outbox(office, SYSTEM, ORG).sent == 0  # not due again yet
        assert len(provider.received) == attempt
        if attempt < outbox.MAX_ATTEMPTS:
            assert report.retried == 1
            with office.db.unit_of_work() as session:
                due = session.scalars(select(OutboxMessageRow.next_attempt_at)).one()
            delays.append(due.replace(tzinfo=UTC) - now)
            now = due.replace(tzinfo=UTC)
        else:
            assert report.failed == 1
    assert delays == [outbox.backoff(n) for n in range(1, outbox.MAX_ATTEMPTS)]
    assert delays == [
        timedelta(minutes=5),
        timedelta(minutes=10),
        timedelta(minutes=20),
        timedelta(minutes=40),
    ]
    assert statuses(office) == [(SMS, "failed", outbox.MAX_ATTEMPTS)]


def test_a_channel_without_a_transport_keeps_its_messages_queued(office: Services) -> None:
    on = date(2026, 3, 2)
    add_reminder(office, "D1", on)
    agent = accounts.actor_of(office, "phone_operator")
    commands.record_consent(office, agent, ORG, "D1", SMS, True, date(2026, 2, 1), "appel sortant")
    commands.queue_messages(office, SYSTEM, ORG, on)
    office.transports = {EMAIL: MemoryTransport()}
    assert commands.send_outbox(office, SYSTEM, ORG).waiting == 1
    assert statuses(office) == [(SMS, "queued", 0)]


def test_consent_is_authorised_and_audited(office: Services) -> None:
    auditor = accounts.actor_of(office, "auditor")
    with pytest.raises(Forbidden):
        commands.record_consent(office, auditor, ORG, "D1", EMAIL, True, date(2026, 1, 2), "x")
    agent = accounts.actor_of(office, "case_worker")
    commands.record_consent(office, agent, ORG, "D1", EMAIL, True, date(2026, 1, 2), "formulaire")
    view = commands.consents(office, agent, ORG, "D1", date(2026, 1, 3))[EMAIL]
    assert view is not None and view.granted and view.source == "formulaire"


def test_the_cli_sends_through_the_smtp_server_named_in_the_environment(
    tmp_path: Path, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp
    monkeypatch.setattr(accounts, "hasher", lambda: CHEAP_HASHER)
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    services = open_services(url)
    ensure_organism(services, Organism(code=ORG, country=Country.FR))
    services.clock = Clock(datetime(2026, 3, 15, 10, 0, tzinfo=UTC))
    populate(services)
    with services.db.unit_of_work() as session:
        session.query(DebtorRow).filter(DebtorRow.ref == "D1").update({"email": "marie@example.org"})
    issued_on, by_debtor = letters_on(services)
    services.db.dispose()
    env = {"RECOUVRE_USER": "", "RECOUVRE_SMTP_HOST": "127.0.0.1", "RECOUVRE_SMTP_PORT": str(port)}

    def cli(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli_app, ["--db", url, *args], env=env)
        return result.exit_code, " ".join(result.output.split())

    code, out = cli(
        "--as", "case_worker", "outbox", "consent", "--debtor", "D1", "--channel", "email",
        "--date", "2026-01-02", "--source", "formulaire",
    )  # fmt: skip
    assert code == 0, out
    assert "accord donné" in out
    code, out = cli("outbox", "queue", "--date", issued_on.isoformat())
    assert code == 0 and f"{len(by_debtor['D1'])} courriel(s)" in out, out
    code, out = cli("outbox", "send")
    assert code == 0 and f"{len(by_debtor['D1'])} envoyé(s)" in out, out
    assert len(inbox.messages) == len(by_debtor["D1"])
    code, out = cli("--as", "case_worker", "outbox", "list")
    assert code == 0 and "envoyé" in out, out


def test_the_staff_page_of_a_debtors_channels(office: Services) -> None:
    import re

    from web.conftest import PASSWORD, build_app

    with build_app(office) as client:
        page = client.get("/connexion")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        signed = client.post(
            "/connexion",
            data={"identifiant": "case_worker", "mot_de_passe": PASSWORD, "csrf": token.group(1)},
        )
        csrf = re.search(r'name="csrf" value="([^"]+)"', signed.text)
        assert csrf is not None
        assert "/debiteurs/D1/canaux" in client.get(f"/o/{ORG}/debiteurs/D1").text
        page = client.get(f"/o/{ORG}/debiteurs/D1/canaux")
        assert page.status_code == 200 and "jamais demandé" in page.text
        refused = client.post(
            f"/o/{ORG}/debiteurs/D1/canaux",
            data={
                "csrf": csrf.group(1),
                "canal": "pigeon",
                "accord": "oui",
                "date": "2026-03-01",
                "source": "x",
            },
        )
        assert refused.status_code == 400
        done = client.post(
            f"/o/{ORG}/debiteurs/D1/canaux",
            data={
                "csrf": csrf.group(1),
                "canal": "sms",
                "accord": "oui",
                "date": "2026-03-01",
                "source": "appel",
            },
        )
        assert done.status_code == 200 and "accord est enregistré" in done.text.replace("&#39;", "'")
        assert "appel" in done.text and "case_worker" in done.text
