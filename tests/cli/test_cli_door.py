"""The command line acts as a named user (``--as``), through the same door as the API and the web.

The same forbidden act (an accountant deciding the write-off they proposed themselves) is refused
by the three interfaces, each refusal in the audit trail as ``denied`` under the user who tried;
and a remission routed to the board is not decided by the services (competence by route).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from recouvre.cli import app as cli_app
from recouvre.domain.model import Country, Organism
from recouvre.domain.remission import Route
from recouvre.service import Services, accounts, commands, remission, trail
from recouvre.service.registry import ensure_organism
from recouvre.storage.database import Database
from web.conftest import CHEAP_HASHER, NOW, ORG, PASSWORD, Clock, build_app, csrf_of, make_claim, populate

ON = date(2026, 3, 1)


@dataclass
class Office:
    services: Services
    url: str
    client: TestClient
    ids: dict[str, int]

    def cli(self, *args: str, user: str | None = None) -> tuple[int, str]:
        options = ["--db", self.url] + ([] if user is None else ["--as", user])
        result = CliRunner().invoke(cli_app, [*options, *args], env={"RECOUVRE_USER": ""})
        return result.exit_code, " ".join(result.output.split())

    def denied(self, user: str) -> list[tuple[str, str]]:
        return [
            (row.action, row.subject)
            for row in trail.show(self.services, limit=200, actor=user)
            if row.outcome == "denied"
        ]


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Office]:
    monkeypatch.setattr(accounts, "hasher", lambda: CHEAP_HASHER)
    monkeypatch.delenv("RECOUVRE_USER", raising=False)
    url = f"sqlite:///{tmp_path / 'door.db'}"
    services = commands_services(url)
    services.clock = Clock(NOW)
    ids = populate(services)
    accountant = accounts.actor_of(services, "accountant")
    ids["own_write_off"] = commands.propose_write_off(
        services, accountant, ORG, "C1", ON, authority="board", reasons="insolvable", why="insolvable"
    ).id
    ordonnateur = accounts.actor_of(services, "ordonnateur")
    commands.establish_claim(services, ordonnateur, ORG, make_claim("C9", "D2", 900_000))
    proposer = accounts.actor_of(services, "proposer")
    case = commands.request_remission(services, proposer, ORG, "C9", ON, "debtor", "courrier", "", "demande")
    assert case.route is Route.BOARD
    with build_app(services) as client:
        yield Office(services, url, client, ids)
    services.db.dispose()


def commands_services(url: str) -> Services:
    services = Services(Database(url))
    ensure_organism(services, Organism(code=ORG, country=Country.FR))
    return services


def test_an_act_needs_a_known_active_user(office: Office) -> None:
    decide = ("remission", "decide", "-o", ORG, "-c", "C9", "--date", "2026-03-10", "--rate", "50")
    code, out = office.cli(*decide, "--why", "essai")
    assert code == 2 and "--as" in out and "RECOUVRE_USER" in out
    code, out = office.cli(*decide, "--why", "essai", user="nobody")
    assert code == 2 and "utilisateur inconnu : nobody" in out
    accounts.disable_user(office.services, "manager", by="test")
    code, out = office.cli(*decide, "--why", "essai", user="manager")
    assert code == 2 and "compte désactivé" in out
    code, out = office.cli(*decide, "--why", "essai", user="case_worker")
    assert code == 3 and "non permis à case_worker" in out
    assert office.denied("case_worker") == [("remissions.decide_services", "CAF-TEST")]


def test_a_remission_routed_to_the_board_is_not_decided_by_the_services(office: Office) -> None:
    decide = ("remission", "decide", "-o", ORG, "-c", "C9", "--date", "2026-03-10", "--rate", "50")
    code, out = office.cli(*decide, "--why", "essai", user="accountant")
    assert code == 3 and "décider une remise au-dessus du seuil" in out, out
    assert remission.case_on(office.services, ORG, "C9", date(2026, 3, 10)).status.value == "pending"  # type: ignore[union-attr]
    assert ("remissions.decide_board", "CAF-TEST créance C9") in office.denied("accountant")
    code, out = office.cli(*decide, "--why", "commission du 10 mars", user="board_member")
    assert code == 0 and "partial" in out and "(board)" in out, out
    rows = trail.show(office.services, limit=5, actor="board_member", action="remissions.decide_board")
    assert rows and rows[0].outcome == "done" and rows[0].subject == "CAF-TEST créance C9"


def test_the_same_forbidden_act_is_refused_by_the_cli_the_api_and_the_web(office: Office) -> None:
    """The accountant proposed C1's write-off: the decision is another person's (maker-checker)."""
    proposal = office.ids["own_write_off"]
    subject = ("write_offs.decide", "CAF-TEST créance C1")
    # the command line
    code, out = office.cli(
        "write-off",
        "decide",
        "-o",
        ORG,
        "-c",
        "C1",
        "--date",
        "2026-03-10",
        "--why",
        "cli",
        user="accountant",
    )
    assert code == 3 and "une autre personne la prend" in out, out
    assert office.denied("accountant") == [subject]
    # the API
    token = accounts.issue_token(office.services, "accountant", PASSWORD).token
    response = office.client.post(
        f"/api/v1/organisms/{ORG}/write-off-proposals/{proposal}/decision",
        headers={"Authorization": f"Bearer {token}"},
        json={"approve": True, "on": "2026-03-10", "why": "api"},
    )
    assert response.status_code == 403, response.text
    assert office.denied("accountant") == [subject, subject]
    # the web pages
    office.client.cookies.clear()
    page = office.client.get("/connexion")
    signed_in = office.client.post(
        "/connexion", data={"identifiant": "accountant", "mot_de_passe": PASSWORD, "csrf": csrf_of(page.text)}
    )
    response = office.client.post(
        f"/o/{ORG}/propositions/write_off/{proposal}/decision",
        data={"decision": "approuver", "motif": "web", "date": "2026-03-10", "csrf": csrf_of(signed_in.text)},
    )
    assert response.status_code == 403, response.text
    assert office.denied("accountant") == [subject, subject, subject]
    # nothing was booked, and another person may still decide
    code, out = office.cli(
        "write-off",
        "decide",
        "-o",
        ORG,
        "-c",
        "C1",
        "--date",
        "2026-03-10",
        "--why",
        "cra",
        user="board_member",
    )
    assert code == 0 and "approved" in out and "400,00 €" in out, out
    assert trail.verify(office.services).broken is None


@pytest.mark.parametrize("package", ["cli", "scenario"])
def test_the_command_line_and_the_scenario_runner_do_not_reach_into_storage(package: str) -> None:
    """They call the service layer (its commands and queries), never the tables."""
    import ast

    import recouvre

    folder = Path(recouvre.__file__).parent / package
    found: list[str] = []
    for source in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{source.name}: {name}" for name in names if name.startswith("recouvre.storage")]
    assert found == []
