"""Security finding 3: unauthenticated exhaustion and lockout abuse.

* every route refuses a body over ``MAX_BODY_BYTES`` with 413 before reading it (declared or
  streamed without a length);
* failed sign-ins are throttled per address and per name with growing delays, and a throttled
  attempt is refused without hashing; an attacker's failures on a name delay its holder by
  seconds at most, never lock them out;
* unknown name, wrong password and disabled account get the same answer after the same hashing;
* at most ``ARGON2_CONCURRENCY`` argon2 verifications run at once.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from recouvre.security.settings import (
    ACCOUNT_FREE_FAILURES,
    ACCOUNT_MAX_DELAY,
    ADDRESS_FREE_FAILURES,
    ARGON2_CONCURRENCY,
    MAX_BODY_BYTES,
)
from recouvre.server import create_app
from recouvre.service import Services, accounts
from web.conftest import NOW, Clock, populate

PASSWORD = "un mot de passe assez long"
TOKEN = "/api/v1/auth/token"
CHUNK = 64 * 1024


class Ticking(Clock):
    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id, with test-sized costs (production costs take 0.25 s per hash)."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "hasher", lambda: hasher)


@pytest.fixture
def office(services: Services) -> Services:
    services.clock = Ticking(NOW)
    populate(services)
    return services


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The password verifications computed (each one an argon2 hash)."""
    done: list[str] = []
    real = accounts.password_matches

    def counted(stored: str, password: str) -> bool:
        done.append(password)
        return real(stored, password)

    monkeypatch.setattr(accounts, "password_matches", counted)
    return done


def client_at(services: Services, address: str) -> TestClient:
    return TestClient(create_app(services), client=(address, 40000))


def clock_of(services: Services) -> Ticking:
    assert isinstance(services.clock, Ticking)
    return services.clock


# Body size ----------------------------------------------------------------------------------------


def post_raw(
    services: Services, path: str, chunks: Iterator[bytes], headers: list[tuple[bytes, bytes]]
) -> tuple[int, int]:
    """POST ``chunks`` straight to the ASGI app; the status and how many bytes it read."""
    app = create_app(services)
    consumed = 0
    started: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal consumed
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        consumed += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("203.0.113.9", 1234),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    return int(started[0]["status"]), consumed


def fifty_megabytes() -> Iterator[bytes]:
    yield b'{"username": "manager", "password": "'
    for _ in range(50 * 1024 * 1024 // CHUNK):
        yield b"x" * CHUNK


@pytest.mark.parametrize("path", [TOKEN, "/connexion", "/api/v1/organisms/CAF-TEST/debtors/search"])
def test_a_streamed_body_past_the_limit_is_refused_without_reading_it(office: Services, path: str) -> None:
    json = [(b"content-type", b"application/json")]
    status, consumed = post_raw(office, path, fifty_megabytes(), json)
    assert status == 413
    assert consumed <= MAX_BODY_BYTES + CHUNK  # not the 50 MB


@pytest.mark.parametrize("path", [TOKEN, "/connexion", "/api/v1/nowhere"])
def test_a_declared_length_past_the_limit_is_refused_before_any_byte(office: Services, path: str) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(50 * 1024 * 1024).encode())]
    status, consumed = post_raw(office, path, fifty_megabytes(), headers)
    assert (status, consumed) == (413, 0)


def test_a_body_within_the_limit_still_works(office: Services) -> None:
    with client_at(office, "192.0.2.1") as client:
        response = client.post(TOKEN, json={"username": "manager", "password": PASSWORD})
    assert response.status_code == 200


# Throttling -------------------------------------------------------------------------------------


def test_failures_from_one_address_meet_growing_delays_and_no_hashing(
    office: Services, hashes: list[str]
) -> None:
    clock = clock_of(office)
    waits: list[int] = []
    with client_at(office, "198.51.100.7") as client:
        # a different unknown name each time: only the address's count grows
        for attempt in range(ADDRESS_FREE_FAILURES):
            wrong = client.post(TOKEN, json={"username": f"guess{attempt}", "password": "faux"})
            assert wrong.status_code == 401
        assert len(hashes) == ADDRESS_FREE_FAILURES
        for attempt in range(4):
            throttled = client.post(TOKEN, json={"username": f"other{attempt}", "password": "faux"})
            assert throttled.status_code == 429
            wait = int(throttled.headers["Retry-After"])
            assert throttled.json()["retry_after"] == wait
            waits.append(wait)
            hashed = len(hashes)
            # refused again at once, without any hashing
            assert client.post(TOKEN, json={"username": "manager", "password": PASSWORD}).status_code == 429
            assert len(hashes) == hashed
            clock.advance(timedelta(seconds=wait))
            assert (
                client.post(TOKEN, json={"username": f"more{attempt}", "password": "faux"}).status_code == 401
            )
    assert waits == sorted(waits) and waits[-1] > waits[0]  # growing, not a fixed lock


def test_unknown_names_are_throttled_like_known_ones(office: Services) -> None:
    answers = []
    for number, name in enumerate(("manager", "nobody-here")):
        with client_at(office, f"192.0.2.{10 + number}") as client:
            for _ in range(ACCOUNT_FREE_FAILURES):
                assert client.post(TOKEN, json={"username": name, "password": "faux"}).status_code == 401
        with client_at(office, f"192.0.2.{20 + number}") as client:
            response = client.post(TOKEN, json={"username": name, "password": "faux"})
        answers.append((response.status_code, response.json(), response.headers["Retry-After"]))
    assert answers[0] == answers[1] and answers[0][0] == 429


def test_an_attacker_cannot_lock_the_holder_of_a_name_out(office: Services) -> None:
    clock = clock_of(office)
    with client_at(office, "198.51.100.66") as attacker:
        for _ in range(20):
            response = attacker.post(TOKEN, json={"username": "manager", "password": "devine"})
            assert response.status_code in (401, 429)
            clock.advance(timedelta(seconds=1))
    clock.advance(ACCOUNT_MAX_DELAY)
    with client_at(office, "192.0.2.200") as victim:
        response = victim.post(TOKEN, json={"username": "manager", "password": PASSWORD})
    assert response.status_code == 200, response.text


def test_unknown_wrong_and_disabled_get_the_same_answer_and_the_same_hashing(
    office: Services, hashes: list[str]
) -> None:
    accounts.add_user(office, "leaver", PASSWORD, ["case_worker"], organism="CAF-TEST", by="t")
    accounts.disable_user(office, "leaver", by="t")
    answers = []
    for number, (name, password) in enumerate(
        (("nobody", PASSWORD), ("manager", "pas le bon"), ("leaver", PASSWORD))
    ):
        before = len(hashes)
        with client_at(office, f"192.0.2.{50 + number}") as client:
            response = client.post(TOKEN, json={"username": name, "password": password})
        assert len(hashes) == before + 1
        answers.append((response.status_code, response.json(), response.headers.get("WWW-Authenticate")))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 401


# argon2 concurrency ---------------------------------------------------------------------------


def test_argon2_verifications_are_bounded(office: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    running = 0
    most = 0
    lock = threading.Lock()
    real = accounts.password_matches

    def slow(stored: str, password: str) -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        try:
            return real(stored, password)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(accounts, "password_matches", slow)

    outcomes: list[str] = []

    def attempt(number: int) -> None:
        try:
            accounts.sign_in(office, f"name{number}", "faux")
        except Exception as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=attempt, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 8 and set(outcomes) <= {"SignInRefused", "SignInBusy"}, outcomes
    assert most <= ARGON2_CONCURRENCY


def test_saturated_verification_answers_busy_without_hashing(
    office: Services, hashes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(accounts, "ARGON2_SLOTS", slots, raising=False)
    monkeypatch.setattr(accounts, "ARGON2_WAIT_SECONDS", 0.05, raising=False)
    slots.acquire()
    try:
        with client_at(office, "192.0.2.99") as client:
            response = client.post(TOKEN, json={"username": "manager", "password": PASSWORD})
    finally:
        slots.release()
    assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1
    assert hashes == []
    with client_at(office, "192.0.2.99") as client:  # a busy answer is not a failure
        assert client.post(TOKEN, json={"username": "manager", "password": PASSWORD}).status_code == 200
