"""A back office with one user per role, debtors with NIR and IBAN, claims established through the
API by an ``ordonnateur``, a placed file, pending proposals, a task and a mandate."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from recouvre.adapters.generator import fr_iban_of, nir_of
from recouvre.domain.model import (
    Benefit,
    Claim,
    Creditor,
    DatedValue,
    Debtor,
    DebtorKind,
    Responsibility,
    UndueLine,
)
from recouvre.server import create_app
from recouvre.service import Services, accounts, commands, mandates
from recouvre.service.registry import register_debtors
from recouvre.storage import repository
from recouvre.storage.repository import TaskDraft
from recouvre.storage.tables import TaskRow

ORG = "CAF-TEST"
PASSWORD = "un mot de passe assez long"
NOW = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
ON = date(2026, 3, 1)
ROLES = (
    "case_worker",
    "accountant",
    "director",
    "board_member",
    "phone_operator",
    "collection_agency",
    "manager",
    "auditor",
    "administrator",
)
AGENCY = "acme"
NIRS = (nir_of(1, 1985, 7, "44", 109, 23), nir_of(2, 1990, 3, "75", 56, 412))
IBANS = (fr_iban_of("30004", 1234, 12345678901), fr_iban_of("10107", 42, 98765432109))


class Clock:
    """The stamping clock, fixed, moved by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def make_claim(ref: str, debtor: str, cents: int, *, established: date = date(2026, 1, 10)) -> Claim:
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


@dataclass
class BackOffice:
    services: Services
    clock: Clock
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def headers(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            self.tokens[user] = accounts.issue_token(self.services, user, PASSWORD).token
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def get(self, user: str, path: str, **params: object) -> object:
        response = self.client.get(path, headers=self.headers(user), params=params)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, user: str, path: str, body: dict[str, object], expected: int = 200) -> object:
        response = self.client.post(path, headers=self.headers(user), json=body)
        assert response.status_code == expected, response.text
        return response.json() if response.content else None


def add_debtors(services: Services) -> None:
    """The two debtors of the back-office tests (API and pages)."""
    register_debtors(
        services,
        ORG,
        [
            Debtor(
                ref="D1",
                organism=ORG,
                kind=DebtorKind.PERSON,
                name="Marie Durand",
                nir=NIRS[0],
                iban=IBANS[0],
                phone="0639980001",
                address="3 rue des Lilas, 44000 Nantes",
                prp_quotients=(DatedValue(date(2020, 1, 1), 70_000),),
            ),
            Debtor(
                ref="D2",
                organism=ORG,
                kind=DebtorKind.PERSON,
                name="Jean Martin",
                nir=NIRS[1],
                iban=IBANS[1],
                prp_quotients=(DatedValue(date(2020, 1, 1), 70_000),),
            ),
        ],
    )


def add_role_users(services: Services) -> None:
    """One user per role, named after it (network-wide for the administrator and the auditor)."""
    for role in ROLES:
        accounts.add_user(
            services,
            role,
            PASSWORD,
            [role],
            organism=None if role in ("administrator", "auditor") else ORG,
            agency=AGENCY if role == "collection_agency" else None,
            by="cli:setup",
        )


def populate(services: Services) -> dict[str, int]:
    """The data every API test starts from; returns the ids the tests need."""
    add_debtors(services)
    add_role_users(services)
    for extra, role in (
        ("ordonnateur", "case_worker"),
        ("proposer", "case_worker"),
        ("victim", "case_worker"),
    ):
        accounts.add_user(services, extra, PASSWORD, [role], organism=ORG, by="cli:setup")
    accounts.add_user(services, "deputy", PASSWORD, ["accountant"], organism=ORG, by="cli:setup")
    accounts.add_user(services, "relabel", PASSWORD, ["phone_operator"], organism=ORG, by="cli:setup")
    accounts.propose_user(services, "pending", ["case_worker"], organism=ORG, by="administrator")
    ordonnateur = accounts.actor_of(services, "ordonnateur")
    for ref, debtor, cents in (
        ("C1", "D1", 40_000),
        ("C2", "D1", 30_000),
        ("C3", "D2", 25_000),
        ("C4", "D2", 50_000),
    ):
        commands.establish_claim(services, ordonnateur, ORG, make_claim(ref, debtor, cents))
    case_worker = accounts.actor_of(services, "proposer")
    commands.place_claim(services, case_worker, ORG, "C1", AGENCY, ON)
    ids = {"recall": commands.place_claim(services, case_worker, ORG, "C4", "other", ON).id}
    commands.request_remission(
        services, case_worker, ORG, "C2", ON, "debtor", "courrier", "", "demande écrite"
    )
    ids["remission"] = commands.propose_remission(
        services, case_worker, ORG, "C2", ON, "50", reasons="situation", why="ressources faibles"
    ).id
    ids["write_off"] = commands.propose_write_off(
        services,
        case_worker,
        ORG,
        "C3",
        ON,
        authority="board",
        reasons="insolvable",
        why="débiteur insolvable",
    ).id
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        claims = repository.claim_rows(session, organism_id, ["C1", "C3"])
        repository.insert_tasks(
            session,
            [
                TaskDraft(
                    f"{ORG}:C3:phone_call:t",
                    organism_id,
                    claims["C3"].debtor_id,
                    claims["C3"].id,
                    "phone_call",
                    ON,
                ),
                TaskDraft(
                    f"{ORG}:C1:phone_call:t",
                    organism_id,
                    claims["C1"].debtor_id,
                    claims["C1"].id,
                    "phone_call",
                    ON,
                ),
            ],
        )
    with services.db.unit_of_work() as session:
        ids["task"] = int(
            session.scalar(select(TaskRow.id).where(TaskRow.key == f"{ORG}:C3:phone_call:t")) or 0
        )
    ids["mandate"] = mandates.grant_mandate(
        services, "deputy", "sign_enforcement_titles", ON, date(2026, 12, 31), by="director", why="intérim"
    ).id
    return ids


CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id, with test-sized costs: production costs take 0.25 s per hash."""
    monkeypatch.setattr(accounts, "hasher", lambda: CHEAP_HASHER)


def open_back_office(services: Services) -> Iterator[BackOffice]:
    clock = Clock(NOW)
    services.clock = clock
    ids = populate(services)
    with TestClient(create_app(services)) as client:
        yield BackOffice(services=services, clock=clock, client=client, ids=ids)


@pytest.fixture
def back_office(services: Services) -> Iterator[BackOffice]:
    yield from open_back_office(services)


@pytest.fixture
def any_back_office(any_services: Services) -> Iterator[BackOffice]:
    """The same back office on SQLite and on PostgreSQL."""
    yield from open_back_office(any_services)
