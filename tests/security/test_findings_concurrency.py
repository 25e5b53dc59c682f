"""Finding 4 (issue "Security"): concurrent acts on one claim all succeed, and every failure is
audited.

Payments on one claim arrive at once from the API (the server's threads) and from other
processes (the command line, other server workers): each reads the claim's ledger, computes the
next sequence and inserts. Unserialised, two of them read the same head and the second fails on
``movements (claim_id, sequence)``, answered 500 with no audit row. The door now serialises acts
(``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL) and retries an act that still
meets a transient conflict; whatever fails is audited ``failed``, then answered cleanly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from recouvre.domain.model import (
    Benefit,
    Claim,
    Country,
    Creditor,
    Organism,
    PaymentChannel,
    Responsibility,
    UndueLine,
)
from recouvre.domain.money import format_amount
from recouvre.server import create_app
from recouvre.service import Services, accounts, commands, payments, queries, trail
from recouvre.service.registry import ensure_organism
from recouvre.storage.back_office_tables import AuditRow
from recouvre.storage.database import Database
from recouvre.storage.tables import ClaimRow, MovementRow

ORG = "CAF-TEST"
PASSWORD = "un mot de passe assez long"
PRINCIPAL = 1_000_000
AMOUNT = 100
ON = date(2026, 3, 2)
PROCESSES = 2
PER_PROCESS = 12
IN_SERVER = 16
TOTAL = PROCESSES * PER_PROCESS + IN_SERVER

WORKER = """
import json, os, sys, threading, time
from datetime import date
from recouvre.domain.model import PaymentChannel
from recouvre.service import Services, accounts, commands
from recouvre.storage.database import Database

url, schema, start, name, count = sys.argv[1:6]
services = Services(Database(url, schema=schema or None, migrate=False))
actor = accounts.actor_of(services, "cashier")
results = []

def pay(index):
    try:
        commands.record_payment(
            services, actor, "CAF-TEST", "C1", 100, date(2026, 3, 2), PaymentChannel.TRANSFER,
            f"{name}-{index}",
        )
        results.append("ok")
    except Exception as error:
        results.append(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")

while not os.path.exists(start):
    time.sleep(0.005)
threads = [threading.Thread(target=pay, args=(i,)) for i in range(int(count))]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(results))
"""


@dataclass
class Shared:
    url: str
    schema: str | None
    services: Services


def _claim(ref: str) -> Claim:
    established = date(2026, 1, 10)
    return Claim(
        ref=ref,
        organism=ORG,
        debtor_ref="D1",
        benefit=Benefit.AL,
        creditor=Creditor.OWN,
        responsibility=Responsibility.DEBTOR_ERROR,
        lines=(UndueLine(date(2025, 9, 5), PRINCIPAL),),
        established_on=established,
        notified_on=established,
        detected_on=established,
    )


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "hasher", lambda: hasher)


def _open(kind: str, tmp_path: Path) -> Shared:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'concurrency.db'}"
        return Shared(url, None, Services(Database(url)))
    pg = os.environ.get("RECOUVRE_TEST_PG_URL")
    if pg is None:
        pytest.skip("PostgreSQL not available (RECOUVRE_TEST_PG_URL unset; scripts/test.sh starts one)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    return Shared(pg, schema, Services(Database(pg, schema=schema)))


def _populate(services: Services) -> None:
    from recouvre.domain.model import DatedValue, Debtor, DebtorKind
    from recouvre.service.registry import register_debtors

    ensure_organism(services, Organism(ORG, Country.FR, "Caf de test"))
    register_debtors(
        services,
        ORG,
        [
            Debtor(
                ref="D1",
                organism=ORG,
                kind=DebtorKind.PERSON,
                name="Marie Durand",
                prp_quotients=(DatedValue(date(2020, 1, 1), 70_000),),
            )
        ],
    )
    accounts.add_user(services, "author", PASSWORD, ["case_worker"], organism=ORG, by="t")
    accounts.add_user(services, "cashier", PASSWORD, ["accountant"], organism=ORG, by="t")
    commands.establish_claim(services, accounts.actor_of(services, "author"), ORG, _claim("C1"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], name="shared")
def _shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Shared]:
    found = _open(request.param, tmp_path)
    _populate(found.services)
    try:
        yield found
    finally:
        if found.schema is not None:
            found.services.db.drop_schema()
        else:
            found.services.db.dispose()


def _ledger(services: Services) -> tuple[list[int], list[int]]:
    """The claim's sequences and the amounts of its payments."""
    with services.db.unit_of_work() as session:
        claim_id = session.scalar(select(ClaimRow.id).where(ClaimRow.ref == "C1"))
        rows = session.execute(
            select(MovementRow.sequence, MovementRow.kind, MovementRow.amount_cents)
            .where(MovementRow.claim_id == claim_id)
            .order_by(MovementRow.sequence)
        ).all()
    return [int(r[0]) for r in rows], [int(r[2]) for r in rows if r[1] == "payment"]


def _outcomes(services: Services, action: str) -> list[str]:
    with services.db.unit_of_work() as session:
        return list(session.scalars(select(AuditRow.outcome).where(AuditRow.action == action)))


def test_concurrent_payments_on_one_claim_all_succeed(shared: Shared, tmp_path: Path) -> None:
    """Payments from the API's threads and from other processes at once: each is booked once,
    the ledger's sequences are continuous, one ``done`` audit row each, the chain intact."""
    start = tmp_path / "start"
    env = {key: value for key, value in os.environ.items() if key != "RECOUVRE_FAULT"}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                shared.url,
                shared.schema or "",
                str(start),
                f"p{n}",
                str(PER_PROCESS),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    token = accounts.issue_token(shared.services, "cashier", PASSWORD).token
    statuses: list[int] = []
    with TestClient(create_app(shared.services), raise_server_exceptions=False) as client:

        def pay(index: int) -> None:
            while not start.exists():
                time.sleep(0.005)
            response = client.post(
                f"/api/v1/organisms/{ORG}/claims/C1/payments",
                headers={"Authorization": f"Bearer {token}"},
                json={"amount": "1.00", "on": ON.isoformat(), "key": f"api-{index}"},
            )
            statuses.append(response.status_code)

        threads = [threading.Thread(target=pay, args=(i,)) for i in range(IN_SERVER)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)  # the workers have opened their databases
        start.touch()
        for thread in threads:
            thread.join()
    results: list[str] = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        results += json.loads(out)
    failures = [r for r in results if r != "ok"] + [str(s) for s in statuses if s != 200]
    assert failures == [], (len(failures), failures[:3])
    sequences, paid = _ledger(shared.services)
    assert sequences == list(range(1, len(sequences) + 1))
    assert paid == [AMOUNT] * TOTAL
    assert queries.claim(shared.services, ORG, "C1", ON).balance == format_amount(PRINCIPAL - AMOUNT * TOTAL)
    assert _outcomes(shared.services, "payments.record") == ["done"] * TOTAL
    assert trail.verify(shared.services).ok


def test_an_unexpected_failure_inside_an_act_is_audited(
    shared: Shared, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever fails inside an act rolls it back, leaves one ``failed`` audit row (the error's
    class and a short message, no personal data) and nothing else, then is raised."""

    def broken(*_: object, **__: object) -> object:
        raise RuntimeError("panne imprévue")

    monkeypatch.setattr(payments, "record_payment", broken)
    cashier = accounts.actor_of(shared.services, "cashier")
    with pytest.raises(RuntimeError):
        commands.record_payment(shared.services, cashier, ORG, "C1", 100, ON, PaymentChannel.TRANSFER, "boom")
    _, paid = _ledger(shared.services)
    assert paid == []
    assert _outcomes(shared.services, "payments.record") == ["failed"]
    row = trail.show(shared.services, 1, action="payments.record")[0]
    assert row.after is not None
    assert row.after["error"] == "RuntimeError"
    assert "panne imprévue" in row.after["failed"]
    assert trail.verify(shared.services).ok


def test_the_api_answers_a_clean_error_and_audits_it(shared: Shared, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unexpected error answers 500 with a problem (audited); a conflict that outlasts the
    retries answers 503 with ``Retry-After`` (audited once)."""
    token = accounts.issue_token(shared.services, "cashier", PASSWORD).token
    headers = {"Authorization": f"Bearer {token}"}
    body = {"amount": "1.00", "on": ON.isoformat(), "key": "k"}
    path = f"/api/v1/organisms/{ORG}/claims/C1/payments"

    def broken(*_: object, **__: object) -> object:
        raise RuntimeError("panne imprévue")

    def locked(*_: object, **__: object) -> object:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    with TestClient(create_app(shared.services), raise_server_exceptions=False) as client:
        monkeypatch.setattr(payments, "record_payment", broken)
        response = client.post(path, headers=headers, json=body)
        assert response.status_code == 500
        assert "detail" in response.json()
        monkeypatch.setattr(payments, "record_payment", locked)
        monkeypatch.setattr("recouvre.service.door.RETRY_PAUSE", 0.0)
        response = client.post(path, headers=headers, json=body)
        assert response.status_code == 503
        assert response.headers["Retry-After"]
    assert _outcomes(shared.services, "payments.record") == ["failed", "failed"]
    _, paid = _ledger(shared.services)
    assert paid == []
    assert trail.verify(shared.services).ok


def test_a_retried_payment_replayed_books_nothing(shared: Shared, monkeypatch: pytest.MonkeyPatch) -> None:
    """An act that met a conflict once is retried whole and succeeds; its key replayed books
    nothing the second time."""
    real = payments.record_payment
    calls: list[int] = []

    def once_locked(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(payments, "record_payment", once_locked)
    monkeypatch.setattr("recouvre.service.door.RETRY_PAUSE", 0.0)
    cashier = accounts.actor_of(shared.services, "cashier")
    _, new = commands.record_payment(
        shared.services, cashier, ORG, "C1", 100, ON, PaymentChannel.TRANSFER, "r"
    )
    assert new
    _, again = commands.record_payment(
        shared.services, cashier, ORG, "C1", 100, ON, PaymentChannel.TRANSFER, "r"
    )
    assert not again
    _, paid = _ledger(shared.services)
    assert paid == [100]
    assert _outcomes(shared.services, "payments.record") == ["done", "done"]
