"""A back office for the pages: one user per role, two debtors with NIR and IBAN, claims
established by an ``ordonnateur``, a phone-call task, a remission proposal and a write-off
proposal; the application of ``create_app`` with the pages mounted (``mount_web``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

# The back-office tests share their data; tests/api is the package "api" (rootdir import mode).
from api.conftest import AGENCY as AGENCY
from api.conftest import IBANS as IBANS
from api.conftest import NIRS as NIRS
from api.conftest import ORG as ORG
from api.conftest import PASSWORD as PASSWORD
from api.conftest import ROLES as ROLES
from api.conftest import add_debtors, add_role_users
from recouvre.domain.model import (
    Benefit,
    Claim,
    Creditor,
    Responsibility,
    UndueLine,
)
from recouvre.server import create_app
from recouvre.service import Services, accounts, commands
from recouvre.storage import repository
from recouvre.storage.repository import TaskDraft
from recouvre.storage.tables import TaskRow
from recouvre.web import mount_web

NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
ON = date(2026, 3, 1)
SECRET = b"a web secret for the tests only, 32+ bytes"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_claim(ref: str, debtor: str, cents: int) -> Claim:
    established = date(2026, 1, 10)
    return Claim(
        ref=ref,
        organism=ORG,
        debtor_ref=debtor,
        benefit=Benefit.AL,
        creditor=Creditor.OWN,
        responsibility=Responsibility.DEBTOR_ERROR,
        lines=(UndueLine(date(2025, 9, 5), cents),),
        established_on=established,
        notified_on=established,
        detected_on=established,
    )


def populate(services: Services) -> dict[str, int]:
    add_debtors(services)
    add_role_users(services)
    for extra in ("ordonnateur", "proposer"):
        accounts.add_user(services, extra, PASSWORD, ["case_worker"], organism=ORG, by="cli:setup")
    ordonnateur = accounts.actor_of(services, "ordonnateur")
    for ref, debtor, cents in (("C1", "D1", 40_000), ("C2", "D1", 30_000), ("C3", "D2", 25_000)):
        commands.establish_claim(services, ordonnateur, ORG, make_claim(ref, debtor, cents))
    proposer = accounts.actor_of(services, "proposer")
    commands.request_remission(services, proposer, ORG, "C2", ON, "debtor", "courrier", "", "demande écrite")
    ids = {
        "remission": commands.propose_remission(
            services, proposer, ORG, "C2", ON, "50", reasons="situation", why="ressources faibles"
        ).id,
        "write_off": commands.propose_write_off(
            services, proposer, ORG, "C3", ON, authority="board", reasons="insolvable", why="insolvable"
        ).id,
    }
    commands.place_claim(services, proposer, ORG, "C3", AGENCY, ON)
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        claims = repository.claim_rows(session, organism_id, ["C1"])
        repository.insert_tasks(
            session,
            [
                TaskDraft(
                    f"{ORG}:C1:phone_call:t",
                    organism_id,
                    claims["C1"].debtor_id,
                    claims["C1"].id,
                    "phone_call",
                    ON,
                )
            ],
        )
    with services.db.unit_of_work() as session:
        ids["task"] = int(
            session.scalar(select(TaskRow.id).where(TaskRow.key == f"{ORG}:C1:phone_call:t")) or 0
        )
    return ids


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id, with test-sized costs."""
    monkeypatch.setattr(accounts, "hasher", lambda: CHEAP_HASHER)


@dataclass
class Site:
    services: Services
    client: TestClient
    ids: dict[str, int]

    def sign_in(self, user: str, password: str = PASSWORD) -> str:
        """Sign in through the form; returns the session's CSRF token."""
        self.client.cookies.clear()
        page = self.client.get("/connexion")
        token = csrf_of(page.text)
        response = self.client.post(
            "/connexion", data={"identifiant": user, "mot_de_passe": password, "csrf": token}
        )
        assert response.status_code == 200, response.text
        return csrf_of(response.text)

    def debtor_page(self, ref: str = "D1") -> str:
        response: httpx.Response = self.client.get(f"/o/{ORG}/debiteurs/{ref}")
        assert response.status_code == 200, response.text
        return response.text


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None, page
    return str(found.group(1))


def build_app(services: Services) -> TestClient:
    app = create_app(services)
    mount_web(app, secret=SECRET)
    return TestClient(app)


@pytest.fixture
def site(services: Services) -> Iterator[Site]:
    services.clock = Clock(NOW)
    ids = populate(services)
    with build_app(services) as client:
        yield Site(services, client, ids)
