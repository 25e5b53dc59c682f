"""Fifty people, or one impatient client, at one claim at the same moment, on a real server.

* 50 identical payment requests with the same ``Idempotency-Key``: one payment is booked, and
  every answer is the first one (``"new": true``), replays flagged ``Idempotent-Replayed``;
* 50 different payments at once on the same claim: all 50 are booked, no update is lost, the
  movements' sequence has no gap and the balance is the principal minus the 50 payments.
On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from api.conftest import ON, ORG, BackOffice
from recouvre.server import create_app
from recouvre.storage.tables import ClaimRow, MovementRow

CLAIM = "C4"
PRINCIPAL_CENTS = 50_000
CLIENTS = 50


@pytest.fixture
def server(any_back_office: BackOffice) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(any_back_office.services), host="127.0.0.1", port=port, log_level="warning"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=20)


def _payments(back_office: BackOffice) -> list[tuple[int, str, int]]:
    with back_office.services.db.unit_of_work() as session:
        rows = session.execute(
            select(MovementRow.sequence, MovementRow.kind, MovementRow.amount_cents)
            .join(ClaimRow, ClaimRow.id == MovementRow.claim_id)
            .where(ClaimRow.ref == CLAIM)
            .order_by(MovementRow.sequence)
        )
        return [(int(sequence), kind, int(cents)) for sequence, kind, cents in rows]


def _fire(url: str, requests: list[tuple[dict[str, str], dict[str, object]]]) -> list[httpx.Response]:
    path = f"{url}/api/v1/organisms/{ORG}/claims/{CLAIM}/payments"

    def send(request: tuple[dict[str, str], dict[str, object]]) -> httpx.Response:
        headers, body = request
        with httpx.Client(timeout=60) as client:
            return client.post(path, headers=headers, json=body)

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(send, requests))


def test_fifty_identical_requests_book_one_payment(any_back_office: BackOffice, server: str) -> None:
    headers = {**any_back_office.headers("accountant"), "Idempotency-Key": "retry-4711"}
    body: dict[str, object] = {
        "amount": "12.34",
        "on": ON.isoformat(),
        "key": "PAY-4711",
        "channel": "transfer",
    }
    answers = _fire(server, [(headers, body)] * CLIENTS)
    assert {answer.status_code for answer in answers} == {200}
    assert {answer.text for answer in answers} == {answers[0].text}
    assert answers[0].json()["new"] is True
    assert sum(answer.headers.get("idempotent-replayed") == "true" for answer in answers) == CLIENTS - 1
    assert [kind for _, kind, _ in _payments(any_back_office)].count("payment") == 1

    reused = httpx.post(
        f"{server}/api/v1/organisms/{ORG}/claims/{CLAIM}/payments",
        headers=headers,
        json={**body, "amount": "99.00"},
    )
    assert reused.status_code == 422 and "déjà utilisée" in reused.json()["detail"]


def test_fifty_different_payments_at_once_lose_no_update(any_back_office: BackOffice, server: str) -> None:
    headers = any_back_office.headers("accountant")
    requests: list[tuple[dict[str, str], dict[str, object]]] = [
        (headers, {"amount": "1.00", "on": ON.isoformat(), "key": f"PAY-{n}", "channel": "transfer"})
        for n in range(CLIENTS)
    ]
    answers = _fire(server, requests)
    assert [answer.status_code for answer in answers] == [200] * CLIENTS, [
        a.text for a in answers if a.status_code != 200
    ]
    movements = _payments(any_back_office)
    assert [sequence for sequence, _, _ in movements] == list(range(1, len(movements) + 1))
    payments = [cents for _, kind, cents in movements if kind == "payment"]
    assert payments == [100] * CLIENTS
    balance = any_back_office.get("accountant", f"/api/v1/organisms/{ORG}/claims/{CLAIM}", on=ON.isoformat())
    assert isinstance(balance, dict)
    assert balance["balance"] == f"{(PRINCIPAL_CENTS - 100 * CLIENTS) // 100}.00"
