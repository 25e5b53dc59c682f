"""Security finding 5: an agency read claims not placed with it through a letter's PDF.

A letter is served only when the reader may read every claim it names; the debtor file lists
to an agency only the letters whose claims are all placed with it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from recouvre.service import Services, accounts, commands, trail
from recouvre.storage import repository
from recouvre.storage.tables import LetterClaimRow, LetterRow
from web.conftest import AGENCY, NOW, ON, ORG, Clock, build_app, csrf_of, populate

BASE = f"/o/{ORG}/debiteurs/D1"
PASSWORD = "un mot de passe assez long"


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id, with test-sized costs (production costs take 0.25 s per hash)."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "hasher", lambda: hasher)


@pytest.fixture
def office(services: Services) -> Iterator[tuple[TestClient, dict[str, int]]]:
    """D1 has C1 (placed with the agency) and C2 (not placed); a letter names C1 only, another
    names both."""
    services.clock = Clock(NOW)
    populate(services)
    commands.place_claim(services, accounts.actor_of(services, "proposer"), ORG, "C1", AGENCY, ON)
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        claims = repository.claim_rows(session, organism_id, ["C1", "C2"])
        model = session.scalars(
            select(LetterRow)
            .join(LetterClaimRow, LetterClaimRow.letter_id == LetterRow.id)
            .where(LetterClaimRow.claim_id == claims["C1"].id)
        ).first()
        assert model is not None
        letters: dict[str, int] = {}
        for name, refs in (("only_placed", ["C1"]), ("both", ["C1", "C2"])):
            copied = {
                column.key: getattr(model, column.key)
                for column in LetterRow.__table__.columns
                if column.key not in ("id", "key")
            }
            row = LetterRow(key=f"test:{name}", **copied)
            session.add(row)
            session.flush()
            session.add_all(LetterClaimRow(letter_id=row.id, claim_id=claims[ref].id) for ref in refs)
            letters[name] = row.id
    with build_app(services) as client:
        yield client, letters


def sign_in(client: TestClient, user: str) -> None:
    client.cookies.clear()
    token = csrf_of(client.get("/connexion").text)
    response = client.post("/connexion", data={"identifiant": user, "mot_de_passe": PASSWORD, "csrf": token})
    assert response.status_code == 200, response.text


def test_agency_is_refused_a_letter_naming_a_claim_not_placed_with_it(
    services: Services, office: tuple[TestClient, dict[str, int]]
) -> None:
    client, letters = office
    sign_in(client, "collection_agency")
    refused = client.get(f"{BASE}/courriers/{letters['both']}.pdf")
    assert refused.status_code == 403
    assert not refused.content.startswith(b"%PDF")
    denied = [row for row in trail.show(services, 100, action="claims.read") if row.outcome == "denied"]
    assert denied and denied[-1].actor == "collection_agency" and "C2" in denied[-1].subject


def test_agency_gets_a_letter_naming_only_claims_placed_with_it(
    office: tuple[TestClient, dict[str, int]],
) -> None:
    client, letters = office
    sign_in(client, "collection_agency")
    served = client.get(f"{BASE}/courriers/{letters['only_placed']}.pdf")
    assert served.status_code == 200 and served.content.startswith(b"%PDF")


def test_agency_debtor_file_lists_only_letters_it_may_read_whole(
    office: tuple[TestClient, dict[str, int]],
) -> None:
    client, letters = office
    sign_in(client, "collection_agency")
    page = client.get(BASE).text
    listed = {int(found) for found in re.findall(r"/courriers/(\d+)\.pdf", page)}
    assert letters["only_placed"] in listed and letters["both"] not in listed


def test_the_organism_staff_still_gets_the_whole_letter(office: tuple[TestClient, dict[str, int]]) -> None:
    client, letters = office
    sign_in(client, "case_worker")
    served = client.get(f"{BASE}/courriers/{letters['both']}.pdf")
    assert served.status_code == 200 and served.content.startswith(b"%PDF")
    listed = {int(found) for found in re.findall(r"/courriers/(\d+)\.pdf", client.get(BASE).text)}
    assert letters["both"] in listed
