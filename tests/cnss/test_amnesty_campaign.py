"""CNSS amnesty campaigns in real use: the simulation of a campaign on the portfolio, the
letters offering it (PDF read back), an application from the command line."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from typer.testing import CliRunner

from recouvre.cli import app as cli_app
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
from recouvre.security.authorization import Actor
from recouvre.service import Services, commands
from recouvre.service.claims import establish_claims
from recouvre.service.letters import render
from recouvre.service.registry import ensure_organism, register_debtors
from recouvre.storage.database import Database
from recouvre.storage.tables import LetterRow

MA = "CNSS-A"
SYSTEM = Actor("cli:system", frozenset({"system"}))
MANAGER = Actor("pilote", frozenset({"manager"}), organism=MA)


def _claim(ref: str, debtor: str, cents: int) -> Claim:
    return Claim(
        ref=ref,
        organism=MA,
        debtor_ref=debtor,
        benefit=Benefit.CONTRIB,
        creditor=Creditor.OWN,
        responsibility=Responsibility.DEBTOR_ERROR,
        lines=(UndueLine(date(2024, 1, 31), cents),),
        established_on=date(2024, 2, 1),
        notified_on=date(2024, 2, 1),
        detected_on=date(2024, 2, 1),
    )


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/amnesty.db"


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    found = Services(Database(db_url))
    ensure_organism(found, Organism(code=MA, country=Country.MA, name="CNSS Rabat"))
    register_debtors(
        found,
        MA,
        [
            Debtor(ref="100", organism=MA, kind=DebtorKind.LEGAL, name="Atlas SARL"),
            Debtor(ref="200", organism=MA, kind=DebtorKind.LEGAL, name="Rif SA"),
        ],
    )
    establish_claims(found, MA, [_claim("C1", "100", 1_000_000), _claim("C2", "200", 200_000)])
    for ref in ("C1", "C2"):
        commands.record_contribution_due(found, SYSTEM, MA, ref, date(2024, 1, 31), date(2024, 2, 1))
    commands.run_cycle(found, SYSTEM, MA, "2024-02", date(2024, 2, 15))
    commands.run_cycle(found, SYSTEM, MA, "2024-03", date(2024, 3, 15))
    try:
        yield found
    finally:
        found.db.dispose()


def test_simulation_weighs_each_option_on_the_portfolio(services: Services) -> None:
    result = commands.cnss.simulate_amnesty(services, MANAGER, MA, date(2024, 3, 20))
    # 4 % of surcharges on 10 000.00 and 2 000.00: 400.00 + 80.00.
    assert (result.claims, result.employers) == (2, 2)
    assert result.principal_due == 1_200_000 and result.surcharges_and_costs == 48_000
    assert result.grid == {"full": Decimal(60), "plan_24": Decimal(50), "plan_more": Decimal(40)}
    by_option = {outcome.option: outcome for outcome in result.outcomes}
    assert by_option["full"].remitted == 28_800  # 60 % of 480.00
    assert by_option["plan_more"].remitted == 19_200
    assert by_option["full"].principal_to_collect == 1_200_000


def test_outside_campaigns_the_last_grid_is_simulated(services: Services) -> None:
    result = commands.cnss.simulate_amnesty(services, MANAGER, MA, date(2025, 6, 1))
    assert "aucune campagne ouverte" in result.grid_source
    assert result.grid["full"] == 60


def test_offer_letters_go_to_eligible_employers_once(services: Services) -> None:
    assert commands.cnss.offer_amnesty(services, SYSTEM, MA, date(2024, 3, 20)) == 2
    assert commands.cnss.offer_amnesty(services, SYSTEM, MA, date(2024, 3, 21)) == 0
    with services.db.unit_of_work() as session:
        ident = session.scalar(select(LetterRow.id).where(LetterRow.type == "amnesty_offer"))
    assert ident is not None
    text = " ".join(
        page.extract_text() or "" for page in PdfReader(io.BytesIO(render(services, ident))).pages
    )
    text = re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " "))
    for mention in ("Remise des majorations", "60 %", "50 %", "40 %", "Damancom", "principal"):
        assert mention in text, mention
    with pytest.raises(Refused):
        commands.cnss.offer_amnesty(services, SYSTEM, MA, date(2025, 2, 1))


def test_cli_simulate_and_apply(db_url: str, services: Services) -> None:
    runner = CliRunner()
    result = runner.invoke(cli_app, ["--db", db_url, "amnesty", "simulate", "--on", "2024-03-20"])
    assert result.exit_code == 0, result.output
    assert "paiement intégral" in result.output and "288,00 MAD" in result.output
    refused = runner.invoke(
        cli_app,
        ["--db", db_url, "amnesty", "apply", "--claim", "C1", "--option", "plan_24", "--on", "2024-03-20"],
    )
    assert refused.exit_code == 2  # an application is a person's act: nobody named


def test_api_application(services: Services) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from recouvre.api.app import create_api
    from recouvre.api.deps import get_actor

    app: FastAPI = create_api(services)
    app.dependency_overrides[get_actor] = lambda: Actor("agent", frozenset({"case_worker"}), organism=MA)
    client = TestClient(app)
    url = f"/api/v1/organisms/{MA}/claims/C1/amnesty"
    done = client.post(url, json={"on": "2024-03-20", "option": "full"})
    assert done.status_code == 201, done.text
    assert (done.json()["status"], done.json()["rate"]) == ("pending", "60")
    again = client.post(url, json={"on": "2024-03-21", "option": "full"})
    assert again.status_code == 409 and "déjà" in again.text
    closed = client.post(
        f"/api/v1/organisms/{MA}/claims/C2/amnesty", json={"on": "2025-02-01", "option": "full"}
    )
    assert closed.status_code == 409 and "aucune campagne" in closed.text
