"""CNSS forced recovery end to end: the cycle's last notice and commandement (their PDFs read
back), the état de produits, and seizures recorded as acts through the command, the CLI and the API."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from typer.testing import CliRunner

from recouvre.adapters.generator import ice_of
from recouvre.api.cnss import router as cnss_router
from recouvre.api.deps import get_actor
from recouvre.cli import app as cli_app
from recouvre.domain.default_steps import FINAL_NOTICES, final_notice
from recouvre.domain.errors import Refused
from recouvre.domain.model import (
    Benefit,
    Claim,
    Country,
    Creditor,
    Debtor,
    DebtorKind,
    Organism,
    Responsibility,
    UndueLine,
)
from recouvre.security.authorization import Actor, Forbidden
from recouvre.service import Services, commands, queries
from recouvre.service.claims import establish_claims
from recouvre.service.letters import render
from recouvre.service.registry import ensure_organism, register_debtors
from recouvre.service.seizures import SeizureStep
from recouvre.storage.database import Database
from recouvre.storage.tables import LetterRow

MA = "CNSS-T"
ICE = ice_of(123456789, 1)
SYSTEM = Actor("cli:system", frozenset({"system"}))
CASE_WORKER = Actor("agent", frozenset({"case_worker"}), organism=MA)
BOARD = Actor("cra", frozenset({"board_member"}), organism=MA)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " "))


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/cnss.db"


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    found = Services(Database(db_url))
    ensure_organism(found, Organism(code=MA, country=Country.MA, name="CNSS Casablanca"))
    register_debtors(
        found,
        MA,
        [
            Debtor(
                ref="2345678",
                organism=MA,
                kind=DebtorKind.LEGAL,
                name="Atlas Textile SARL",
                ice=ICE,
                address="Boulevard Zerktouni, 20000 Casablanca",
            )
        ],
    )
    establish_claims(
        found,
        MA,
        [
            Claim(
                ref="COT-1",
                organism=MA,
                debtor_ref="2345678",
                benefit=Benefit.CONTRIB,
                creditor=Creditor.OWN,
                responsibility=Responsibility.DEBTOR_ERROR,
                lines=(UndueLine(date(2026, 1, 31), 1_000_000),),
                established_on=date(2026, 2, 1),
                notified_on=date(2026, 2, 1),
                detected_on=date(2026, 2, 1),
                reason="cotisations impayées de janvier 2026",
            )
        ],
    )
    commands.record_contribution_due(found, SYSTEM, MA, "COT-1", date(2026, 1, 31), date(2026, 2, 1))
    for month, day in (("2026-02", 15), ("2026-03", 15), ("2026-04", 15), ("2026-05", 15)):
        commands.run_cycle(found, SYSTEM, MA, month, date(int(month[:4]), int(month[5:]), day))
    try:
        yield found
    finally:
        found.db.dispose()


def _letter(services: Services, letter_type: str) -> str:
    with services.db.unit_of_work() as session:
        ident = session.scalar(select(LetterRow.id).where(LetterRow.type == letter_type))
    assert ident is not None, letter_type
    return pdf_text(render(services, ident))


def test_final_notice_is_keyed_by_country() -> None:
    assert set(FINAL_NOTICES) == {"FR", "MA"}
    notice = final_notice("MA", formal_notice_months=1, last_notice_days=20)
    assert (notice.letter, notice.then, notice.deadline(date(2026, 4, 15))) == (
        "last_notice",
        "commandement",
        date(2026, 5, 5),
    )
    france = final_notice("FR", formal_notice_months=1)
    assert (france.letter, france.then, france.deadline(date(2026, 1, 31))) == (
        "formal_notice",
        "review",
        date(2026, 2, 28),
    )


def test_last_notice_pdf_states_its_twenty_days_and_deadline(services: Services) -> None:
    text = _letter(services, "last_notice")
    for mention in ("Dernier avis sans frais", "vingt jours", "5 mai 2026", "état de produits", "MAD", ICE):
        assert mention in text, mention
    assert "Mise en demeure" not in text


def test_commandement_pdf_shows_the_costs_and_the_total(services: Services) -> None:
    text = _letter(services, "commandement")
    # 4.5 % of surcharges (450.00), then 2 % of 10 450.00 = 209.00 of costs.
    for mention in ("Commandement de payer", "commandement est fait", "209,00 MAD", "10 659,00 MAD", "2 %"):
        assert mention in text, mention
    assert "loi n° 15-97" in text and "saisie-arrêt" in text


def test_etat_de_produits_is_the_enforceable_title(services: Services) -> None:
    text = _letter(services, "etat_de_produits")
    for mention in ("État de produits exécutoire", "article 28", "rendu exécutoire", "209,00", "450,00", ICE):
        assert mention in text, mention


def test_seizure_acts_are_recorded_and_collected_money_is_a_payment(services: Services) -> None:
    on = date(2026, 5, 20)
    served = commands.cnss.record_seizure(
        services, CASE_WORKER, MA, "COT-1", on, SeizureStep.SERVED, "SA-1", third_party="Banque Populaire"
    )
    assert served.new
    commands.cnss.record_seizure(
        services, CASE_WORKER, MA, "COT-1", date(2026, 5, 25), SeizureStep.DECLARED, "SA-1", amount=300_000
    )
    commands.cnss.record_seizure(
        services, CASE_WORKER, MA, "COT-1", date(2026, 6, 1), SeizureStep.COLLECTED, "SA-1", amount=300_000
    )
    acts = commands.cnss.seizures_of(services, CASE_WORKER, MA, "COT-1")
    assert [(act.step, act.third_party, act.amount) for act in acts] == [
        (SeizureStep.SERVED, "Banque Populaire", None),
        (SeizureStep.DECLARED, "Banque Populaire", 300_000),
        (SeizureStep.COLLECTED, "Banque Populaire", 300_000),
    ]
    claim = queries.claim(services, MA, "COT-1", date(2026, 6, 1))
    assert claim.balance == "7659.00"
    with pytest.raises(Refused):  # a step of a seizure never served
        commands.cnss.record_seizure(
            services, CASE_WORKER, MA, "COT-1", on, SeizureStep.DECLARED, "SA-9", amount=100
        )
    with pytest.raises(Forbidden):
        commands.cnss.record_seizure(
            services, BOARD, MA, "COT-1", on, SeizureStep.SERVED, "SA-2", third_party="Client"
        )


def test_seizure_refused_before_the_enforcement_phase(db_url: str, services: Services) -> None:
    establish_claims(
        services,
        MA,
        [
            Claim(
                ref="COT-2",
                organism=MA,
                debtor_ref="2345678",
                benefit=Benefit.CONTRIB,
                creditor=Creditor.OWN,
                responsibility=Responsibility.DEBTOR_ERROR,
                lines=(UndueLine(date(2026, 4, 30), 50_000),),
                established_on=date(2026, 5, 1),
                notified_on=date(2026, 5, 1),
                detected_on=date(2026, 5, 1),
            )
        ],
    )
    with pytest.raises(Refused, match="recouvrement forcé"):
        commands.cnss.record_seizure(
            services, CASE_WORKER, MA, "COT-2", date(2026, 5, 20), SeizureStep.SERVED, "SA-3", third_party="X"
        )


def test_seizure_through_the_cli_and_the_api(db_url: str, services: Services) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli_app,
        [
            "--db",
            db_url,
            "seizure",
            "record",
            "--claim",
            "COT-1",
            "--step",
            "served",
            "--ref",
            "SA-7",
            "--on",
            "2026-05-21",
            "--third-party",
            "Attijariwafa bank",
            "--organism",
            MA,
        ],
        env={"RECOUVRE_USER": ""},
    )
    # No user named: the seizure is an act of a person, not of the batch account.
    assert result.exit_code == 2, result.output
    app = FastAPI()
    app.state.services = services
    app.include_router(cnss_router)
    app.dependency_overrides[get_actor] = lambda: CASE_WORKER
    client = TestClient(app)
    response = client.post(
        f"/api/v1/organisms/{MA}/claims/COT-1/seizures",
        json={"on": "2026-05-21", "step": "served", "reference": "SA-7", "third_party": "Attijariwafa bank"},
    )
    assert response.status_code == 201, response.text
    listed = client.get(f"/api/v1/organisms/{MA}/claims/COT-1/seizures").json()
    assert [(item["reference"], item["step"]) for item in listed] == [("SA-7", "served")]
