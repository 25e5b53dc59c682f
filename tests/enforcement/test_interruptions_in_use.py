"""Interruptions of prescription recorded in real use: a registered letter marked delivered or
returned (the command, the API), a written acknowledgment (the command, the CLI, the API)."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from recouvre.cli import app as cli
from recouvre.domain.prescription import InterruptionKind
from recouvre.letters.status import LetterStatus
from recouvre.service import Services, accounts, commands
from recouvre.service.interruptions import claim_interruptions
from recouvre.storage.tables import LetterRow

from .conftest import ORG, PASSWORD, person

SYSTEM = person("system", "system")
WORKER = person("cw", "case_worker")


def _formal_notices(services: Services) -> dict[int, int]:
    """The formal notices of the scenario (sent in April 2026): letter id -> debtor id."""
    with services.db.unit_of_work() as session:
        rows = session.execute(
            select(LetterRow.id, LetterRow.debtor_id).where(LetterRow.type == "formal_notice")
        )
        return {letter: debtor for letter, debtor in rows}


def _kinds(services: Services, claim: str) -> list[tuple[date, InterruptionKind, str]]:
    return [
        (item.on, item.kind, item.detail)
        for item in claim_interruptions(services, ORG, claim, date(2026, 12, 31))
    ]


def test_delivered_and_unclaimed_interrupt_undeliverable_does_not(contentious: Services) -> None:
    notices = sorted(_formal_notices(contentious))
    assert len(notices) == 2  # one per debtor (D1: C1 and C2; D2: C3 and C4)
    d1, d2 = notices
    for letter in notices:
        assert commands.mark_letter(contentious, SYSTEM, letter, LetterStatus.SENT, date(2026, 4, 3))
    commands.mark_letter(contentious, WORKER, d1, LetterStatus.DELIVERED, date(2026, 4, 6))
    commands.mark_letter(contentious, WORKER, d2, LetterStatus.RETURNED, date(2026, 4, 20), note="NPAI")
    sent = date(2026, 4, 3)
    assert (sent, InterruptionKind.REGISTERED_LETTER, "delivered") in _kinds(contentious, "C1")
    assert (sent, InterruptionKind.REGISTERED_LETTER, "delivered") in _kinds(contentious, "C2")
    assert not [item for item in _kinds(contentious, "C3") if item[1] is InterruptionKind.REGISTERED_LETTER]
    # a replay changes nothing
    assert not commands.mark_letter(contentious, WORKER, d1, LetterStatus.DELIVERED, date(2026, 4, 6))


def test_returned_unclaimed_interrupts(contentious: Services) -> None:
    letter = sorted(_formal_notices(contentious))[1]
    commands.mark_letter(contentious, SYSTEM, letter, LetterStatus.SENT, date(2026, 4, 3))
    commands.mark_letter(
        contentious, WORKER, letter, LetterStatus.RETURNED, date(2026, 4, 25), note="avisé non réclamé"
    )
    assert (date(2026, 4, 3), InterruptionKind.REGISTERED_LETTER, "unclaimed") in _kinds(contentious, "C3")


def test_api_marks_a_letter_and_records_an_acknowledgment(contentious: Services) -> None:
    from recouvre.server import create_app

    accounts.add_user(contentious, "tech", PASSWORD, ["case_worker"], organism=ORG, by="t")
    accounts.add_user(contentious, "pilot", PASSWORD, ["manager"], organism=ORG, by="t")
    letter = sorted(_formal_notices(contentious))[0]
    commands.mark_letter(contentious, SYSTEM, letter, LetterStatus.SENT, date(2026, 4, 3))
    with TestClient(create_app(contentious)) as client:
        token = accounts.issue_token(contentious, "tech", PASSWORD).token
        headers = {"Authorization": f"Bearer {token}"}
        answer = client.post(
            f"/api/v1/organisms/{ORG}/letters/{letter}/status",
            json={"status": "delivered", "on": "2026-04-07"},
            headers=headers,
        )
        assert answer.status_code == 204, answer.text
        answer = client.post(
            f"/api/v1/organisms/OTHER/letters/{letter}/status",
            json={"status": "delivered", "on": "2026-04-07"},
            headers=headers,
        )
        assert answer.status_code in (403, 404)
        answer = client.post(
            f"/api/v1/organisms/{ORG}/claims/C4/acknowledgments", json={"on": "2026-05-12"}, headers=headers
        )
        assert answer.status_code == 204, answer.text
        pilot = {"Authorization": f"Bearer {accounts.issue_token(contentious, 'pilot', PASSWORD).token}"}
        answer = client.post(
            f"/api/v1/organisms/{ORG}/claims/C4/acknowledgments", json={"on": "2026-05-13"}, headers=pilot
        )
        assert answer.status_code == 403
    assert (date(2026, 4, 3), InterruptionKind.REGISTERED_LETTER, "delivered") in _kinds(contentious, "C1")
    assert (date(2026, 5, 12), InterruptionKind.ACKNOWLEDGMENT, "debtor") in _kinds(contentious, "C4")
    assert not [item for item in _kinds(contentious, "C4") if item[0] == date(2026, 5, 13)]


def test_cli_acknowledgment_is_listed_by_prescription_show(contentious: Services, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    accounts.add_user(contentious, "tech", PASSWORD, ["case_worker"], organism=ORG, by="t")
    url = str(contentious.db.engine.url)
    runner = CliRunner()
    result = runner.invoke(
        cli, ["--db", url, "--as", "tech", "prescription", "acknowledge", "C1", "--date", "2026-05-02"]
    )
    assert result.exit_code == 0, result.output
    assert "reconnaissance de dette enregistrée" in result.output
    shown = runner.invoke(cli, ["--db", url, "prescription", "show", "C1", "--date", "2026-06-01"])
    assert shown.exit_code == 0, shown.output
    assert "reconnaissance de dette" in shown.output


def test_contrainte_delivered_by_registered_letter_is_served_on_receipt(contentious: Services) -> None:
    from recouvre.domain.enforcement import TitleState
    from recouvre.service import enforcement

    draft = commands.draft_title(contentious, WORKER, ORG, "C1", date(2026, 6, 5))
    commands.sign_title(contentious, person("dir", "director"), ORG, draft.id, date(2026, 6, 5))
    with contentious.db.unit_of_work() as session:
        letter = session.scalar(select(LetterRow.id).where(LetterRow.type == "contrainte"))
    assert letter is not None
    commands.mark_letter(contentious, SYSTEM, letter, LetterStatus.SENT, date(2026, 6, 5))
    commands.mark_letter(contentious, WORKER, letter, LetterStatus.DELIVERED, date(2026, 6, 8))
    view = enforcement.titles_of(contentious, ORG, "C1", date(2026, 6, 8))[-1]
    assert view.state is TitleState.SERVED
    assert (view.served_on, view.served_via, view.opposition_until) == (
        date(2026, 6, 8),
        "registered_letter",
        date(2026, 6, 23),
    )
    assert enforcement.title_state(contentious, ORG, "C1", date(2026, 6, 24)) is TitleState.ENFORCEABLE
    kinds = _kinds(contentious, "C1")
    assert (date(2026, 6, 5), InterruptionKind.REGISTERED_LETTER, "delivered") in kinds
    assert any(item[:2] == (date(2026, 6, 8), InterruptionKind.ENFORCEMENT_ACT) for item in kinds)
