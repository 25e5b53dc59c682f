"""The debtor's own space (``/debiteur/``): sign-in by a one-time code (e-mail or SMS), no
enumeration, rate limits, expiry, the code hashed at rest, a session of its own; the debtor's
claims, ledger, letters and withholding explanation; paying, asking for a plan (at once within
bounds, else a task), a remission with documents, an amicable appeal with its acknowledgment —
and every id of another debtor in a URL answered 404 with a ``denied`` audit row."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from recouvre.adapters.messaging import EMAIL, SMS, MemoryTransport
from recouvre.service import debtor_space
from recouvre.storage.back_office_tables import AuditRow
from recouvre.storage.channels_tables import DebtorCodeRow, DebtorDocumentRow, OutboxMessageRow
from recouvre.storage.tables import DebtorRow, LetterRow, TaskRow

from .conftest import ORG, Site

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def space(site: Site) -> Site:
    site.services.transports = {EMAIL: MemoryTransport(), SMS: MemoryTransport()}
    with site.services.db.unit_of_work() as session:
        session.execute(update(DebtorRow).where(DebtorRow.ref == "D1").values(email="marie@example.org"))
        session.execute(update(DebtorRow).where(DebtorRow.ref == "D2").values(email="jean@example.org"))
    site.client.cookies.clear()
    return site


def sent(site: Site, channel: str = EMAIL) -> MemoryTransport:
    assert site.services.transports is not None
    transport = site.services.transports[channel]
    assert isinstance(transport, MemoryTransport)
    return transport


def csrf(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None, page
    return found.group(1)


def ask_code(site: Site, ref: str, channel: str = EMAIL) -> str:
    page = site.client.get("/debiteur/")
    assert page.status_code == 200
    answer = site.client.post(
        "/debiteur/code", data={"csrf": csrf(page.text), "organisme": ORG, "dossier": ref, "canal": channel}
    )
    assert answer.status_code == 200, answer.text
    return answer.text


def sign_in(site: Site, ref: str = "D1", channel: str = EMAIL) -> str:
    """Sign in as ``ref`` with the code received; returns the dossier page."""
    page = ask_code(site, ref, channel)
    code = re.search(r"est (\d{6})\.", sent(site, channel).sent[-1].body)
    assert code is not None
    answer = site.client.post(
        "/debiteur/connexion",
        data={"csrf": csrf(page), "organisme": ORG, "dossier": ref, "code": code.group(1)},
    )
    assert answer.status_code == 200, answer.text
    assert "Mon dossier" in answer.text
    return answer.text


def audit(site: Site, action: str | None = None, outcome: str | None = None) -> list[AuditRow]:
    with site.services.db.unit_of_work() as session:
        query = select(AuditRow).order_by(AuditRow.seq)
        if action is not None:
            query = query.where(AuditRow.action == action)
        if outcome is not None:
            query = query.where(AuditRow.outcome == outcome)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def test_the_space_answers_with_its_sign_in_page(space: Site) -> None:
    page = space.client.get("/debiteur/")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert 'for="dossier"' in page.text and "Recevoir un code" in page.text
    assert "mot_de_passe" not in page.text


def test_sign_in_with_a_code_by_email_then_by_sms(space: Site) -> None:
    text = sign_in(space, "D1", EMAIL)
    assert "C1" in text and "C2" in text and "C3" not in text
    assert sent(space).sent[-1].address == "marie@example.org"
    assert [row.actor for row in audit(space, "space.sign_in", "done")] == ["debiteur:D1"]
    space.client.cookies.clear()
    sign_in(space, "D1", SMS)
    assert sent(space, SMS).sent[-1].address == "0639980001"


def test_the_code_is_hashed_at_rest_and_never_in_the_outbox(space: Site) -> None:
    ask_code(space, "D1")
    code = re.search(r"est (\d{6})\.", sent(space).sent[-1].body)
    assert code is not None
    with space.services.db.unit_of_work() as session:
        row = session.scalars(select(DebtorCodeRow)).one()
        assert code.group(1) not in (row.code_hash, row.salt)
        bodies = [message.body for message in session.scalars(select(OutboxMessageRow))]
    assert bodies and all(code.group(1) not in body for body in bodies)


def test_no_enumeration_of_who_exists(space: Site) -> None:
    known = ask_code(space, "D1")
    unknown = ask_code(space, "NOBODY")
    without_phone = ask_code(space, "D2", SMS)  # D2 has no phone number
    strip = re.compile(r'name="(csrf|dossier)" value="[^"]*"')
    assert strip.sub("", known) == strip.sub("", unknown).replace("NOBODY", "D1")
    assert "un code de 6 chiffres vient d'y être envoyé" in without_phone
    assert len(sent(space).sent) == 1 and not sent(space, SMS).sent


def test_a_wrong_code_is_refused_and_a_code_expires_and_serves_once(space: Site) -> None:
    page = ask_code(space, "D1")
    code = re.search(r"est (\d{6})\.", sent(space).sent[-1].body)
    assert code is not None
    wrong = f"{(int(code.group(1)) + 1) % 1_000_000:06d}"
    data = {"csrf": csrf(page), "organisme": ORG, "dossier": "D1"}
    answer = space.client.post("/debiteur/connexion", data={**data, "code": wrong})
    assert answer.status_code == 401
    assert "Ce code n'est pas valable" in html.unescape(answer.text)
    later = space.services.clock() + timedelta(minutes=debtor_space.CODE_MINUTES + 1)
    space.services.clock = lambda: later
    answer = space.client.post("/debiteur/connexion", data={**data, "code": code.group(1)})
    assert answer.status_code == 401
    page = ask_code(space, "D1")
    code = re.search(r"est (\d{6})\.", sent(space).sent[-1].body)
    assert code is not None
    ok = space.client.post("/debiteur/connexion", data={**data, "csrf": csrf(page), "code": code.group(1)})
    assert ok.status_code == 200 and "Mon dossier" in ok.text
    space.client.cookies.clear()
    page = space.client.get("/debiteur/")
    again = space.client.post(
        "/debiteur/connexion", data={**data, "csrf": csrf(page.text), "code": code.group(1)}
    )
    assert again.status_code == 401


def test_code_requests_and_failures_are_rate_limited(space: Site) -> None:
    for _ in range(debtor_space.CODES_PER_HOUR + 1):
        ask_code(space, "D1")
    assert len(sent(space).sent) == debtor_space.CODES_PER_HOUR
    page = space.client.get("/debiteur/")
    statuses = []
    for _ in range(12):
        answer = space.client.post(
            "/debiteur/connexion",
            data={"csrf": csrf(page.text), "organisme": ORG, "dossier": "D1", "code": "000000"},
        )
        statuses.append(answer.status_code)
    assert 429 in statuses
    assert statuses[-1] == 429


def test_the_debtor_session_is_not_a_staff_session(space: Site) -> None:
    sign_in(space)
    assert space.client.get(f"/o/{ORG}/debiteurs/D1", follow_redirects=False).status_code in (303, 307)
    assert space.client.get(f"/api/v1/organisms/{ORG}/debtors/D1").status_code == 401
    space.client.cookies.clear()
    space.sign_in("case_worker")
    assert space.client.get("/debiteur/dossier", follow_redirects=False).status_code == 303


def _letter_of(site: Site, ref: str) -> int:
    with site.services.db.unit_of_work() as session:
        debtor = session.scalar(select(DebtorRow.id).where(DebtorRow.ref == ref))
        found = session.scalar(select(LetterRow.id).where(LetterRow.debtor_id == debtor))
    assert found is not None
    return int(found)


def test_the_debtor_downloads_his_letters_and_reads_his_claims(space: Site) -> None:
    text = sign_in(space)
    letter = _letter_of(space, "D1")
    assert f"/debiteur/courriers/{letter}.pdf" in text
    pdf = space.client.get(f"/debiteur/courriers/{letter}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    claim = space.client.get("/debiteur/creances/C1")
    assert claim.status_code == 200
    assert "Référence de paiement" in claim.text and "RF" in claim.text


def test_every_id_of_another_debtor_answers_404_and_is_audited_denied(space: Site) -> None:
    # D2 has a letter and a document of its own.
    sign_in(space, "D2")
    upload = space.client.post(
        "/debiteur/creances/C3/remise",
        data={"csrf": csrf(space.client.get("/debiteur/creances/C3").text), "motif": "ressources faibles"},
        files={"pieces": ("avis.pdf", PDF, "application/pdf")},
    )
    assert upload.status_code == 200, upload.text
    with space.services.db.unit_of_work() as session:
        document = int(session.scalars(select(DebtorDocumentRow.id)).one())
    letter = _letter_of(space, "D2")
    space.client.cookies.clear()
    page = sign_in(space, "D1")
    token = csrf(page)
    denied_before = len(audit(space, outcome="denied"))
    attempts = [
        ("get", "/debiteur/creances/C3", {}),
        ("get", "/debiteur/creances/UNKNOWN", {}),
        ("get", f"/debiteur/courriers/{letter}.pdf", {}),
        ("get", "/debiteur/courriers/999999.pdf", {}),
        ("get", f"/debiteur/pieces/{document}", {}),
        ("post", "/debiteur/creances/C3/payer", {"csrf": token}),
        (
            "post",
            "/debiteur/creances/C3/echeancier",
            {"csrf": token, "mensualite": "50", "premiere_echeance": "2026-04-01"},
        ),
        ("post", "/debiteur/creances/C3/remise", {"csrf": token, "motif": "x"}),
        ("post", "/debiteur/creances/C3/recours", {"csrf": token, "motifs": "x"}),
    ]
    for method, url, data in attempts:
        answer = space.client.request(method.upper(), url, data=data or None)
        assert answer.status_code == 404, (url, answer.status_code)
        assert "Marie" not in answer.text and "Jean" not in answer.text and "C3" not in answer.text
    denied = audit(space, outcome="denied")[denied_before:]
    assert len(denied) == len(attempts)
    assert {row.actor for row in denied} == {"debiteur:D1"}


def test_pay_gives_the_reference_and_the_card_handoff(space: Site) -> None:
    page = sign_in(space)
    answer = space.client.post("/debiteur/creances/C1/payer", data={"csrf": csrf(page)})
    assert answer.status_code == 200
    assert "RF" in answer.text and "/debiteur/paiement-carte?reference=RF" in answer.text
    assert audit(space, "space.pay", "done")[-1].actor == "debiteur:D1"


def test_a_plan_within_bounds_is_agreed_at_once_else_queued(space: Site) -> None:
    page = sign_in(space)
    token = csrf(page)
    agreed = space.client.post(
        "/debiteur/creances/C1/echeancier",
        data={"csrf": token, "mensualite": "50", "premiere_echeance": "2026-04-10"},
    )
    assert agreed.status_code == 200
    assert "Votre échéancier est accordé." in agreed.text
    assert audit(space, "plans.agree", "done")[-1].actor == "debiteur:D1"
    queued = space.client.post(
        "/debiteur/creances/C2/echeancier",
        data={"csrf": token, "mensualite": "1", "premiere_echeance": "2026-04-10", "motif": "chômage"},
    )
    assert queued.status_code == 200
    assert "transmise à un conseiller" in queued.text
    with space.services.db.unit_of_work() as session:
        task = session.scalars(select(TaskRow).where(TaskRow.type == "plan_request")).one()
        assert task.data["monthly_cents"] == 100
    refused = space.client.post(
        "/debiteur/creances/C1/echeancier",
        data={"csrf": token, "mensualite": "abc", "premiere_echeance": "2026-04-10"},
    )
    assert refused.status_code == 400 and 'role="alert"' in refused.text


def test_remission_with_documents_and_appeal_with_acknowledgment(space: Site) -> None:
    space.services.clock = lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # within the appeal's 2 months
    page = sign_in(space)
    token = csrf(page)
    bad = space.client.post(
        "/debiteur/creances/C1/remise",
        data={"csrf": token, "motif": "ressources"},
        files={"pieces": ("virus.exe", b"MZ...", "application/pdf")},
    )
    assert bad.status_code == 400 and "ne correspond pas" in bad.text
    asked = space.client.post(
        "/debiteur/creances/C1/remise",
        data={"csrf": token, "motif": "je suis au RSA"},
        files=[
            ("pieces", ("avis.pdf", PDF, "application/pdf")),
            ("pieces", ("loyer.pdf", PDF, "application/pdf")),
        ],
    )
    assert asked.status_code == 200 and "demande de remise est enregistrée" in asked.text
    assert audit(space, "remissions.request", "done")[-1].actor == "debiteur:D1"
    assert audit(space, "documents.upload", "done")[-1].actor == "debiteur:D1"
    filed = space.client.post(
        "/debiteur/creances/C1/recours", data={"csrf": token, "motifs": "je conteste le montant"}
    )
    assert filed.status_code == 200, html.unescape(filed.text)
    assert "Accusé de réception" in filed.text and "commission de recours amiable" in filed.text
    assert audit(space, "appeals.file", "done")[-1].actor == "debiteur:D1"
    dossier = space.client.get("/debiteur/dossier")
    assert "avis.pdf" in dossier.text and "recours en cours" in dossier.text


def test_a_post_without_the_csrf_token_is_refused(space: Site) -> None:
    sign_in(space)
    answer = space.client.post("/debiteur/creances/C1/payer", data={"csrf": "forged"})
    assert answer.status_code == 403
    assert not audit(space, "space.pay")


def test_sign_out_ends_the_session(space: Site) -> None:
    page = sign_in(space)
    answer = space.client.post("/debiteur/deconnexion", data={"csrf": csrf(page)})
    assert answer.status_code == 200 and "Vous êtes déconnecté" in answer.text
    assert space.client.get("/debiteur/dossier", follow_redirects=False).status_code == 303


def test_the_debtor_chooses_his_channels_dated_with_their_source(space: Site) -> None:
    page = sign_in(space)
    answer = space.client.post("/debiteur/preferences", data={"csrf": csrf(page), "email": "oui"})
    assert answer.status_code == 200 and "préférences de contact sont enregistrées" in answer.text
    from recouvre.storage.channels_tables import ChannelConsentRow

    with space.services.db.unit_of_work() as session:
        rows = [
            (r.channel, r.granted, r.source, r.recorded_by)
            for r in session.scalars(select(ChannelConsentRow))
        ]
    assert rows == [("email", True, "espace débiteur", "debiteur:D1")]
    assert 'id="pref-email" name="email" value="oui" checked' in answer.text
    assert audit(space, "consents.record", "done")[-1].actor == "debiteur:D1"


def test_the_delivery_is_recorded_after_the_answer(space: Site) -> None:
    ask_code(space, "D1")
    with space.services.db.unit_of_work() as session:
        row = session.scalars(select(OutboxMessageRow)).one()
        assert (row.kind, row.status, row.attempts, row.address) == (
            "sign_in_code",
            "sent",
            1,
            "marie@example.org",
        )
    space.services.transports = {}  # no channel configured: the code is not sent, and it is said
    space.client.cookies.clear()
    ask_code(space, "D1")
    with space.services.db.unit_of_work() as session:
        statuses = [r.status for r in session.scalars(select(OutboxMessageRow).order_by(OutboxMessageRow.id))]
    assert statuses == ["sent", "failed"]
