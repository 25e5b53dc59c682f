"""The kept answers of ``Idempotency-Key``: first, replay, other request, still running, released,
and a request left unanswered by a process that died, taken over after ``STALE``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from recouvre.service import Services, idempotency

NOW = datetime(2027, 3, 5, 9, 0, tzinfo=UTC)
CALLER = idempotency.caller_of("Bearer abc")
PRINT = idempotency.fingerprint_of("POST", "/api/v1/x", b'{"a": 1}')


def test_first_then_replay_gets_the_kept_answer(services: Services) -> None:
    assert idempotency.begin(services, CALLER, "k1", PRINT, NOW) is None
    with pytest.raises(idempotency.StillRunning):
        idempotency.begin(services, CALLER, "k1", PRINT, NOW)
    idempotency.keep(services, CALLER, "k1", idempotency.Kept(201, "application/json", b"{}"))
    assert idempotency.begin(services, CALLER, "k1", PRINT, NOW) == idempotency.Kept(
        201, "application/json", b"{}"
    )
    other = idempotency.fingerprint_of("POST", "/api/v1/x", b'{"a": 2}')
    with pytest.raises(idempotency.KeyReused):
        idempotency.begin(services, CALLER, "k1", other, NOW)
    # the same key from another caller is another request
    assert idempotency.begin(services, idempotency.caller_of("Bearer xyz"), "k1", other, NOW) is None


def test_a_released_or_stale_request_may_be_sent_again(services: Services) -> None:
    assert idempotency.begin(services, CALLER, "k2", PRINT, NOW) is None
    idempotency.release(services, CALLER, "k2")
    assert idempotency.begin(services, CALLER, "k2", PRINT, NOW) is None
    later = NOW + idempotency.STALE
    assert idempotency.begin(services, CALLER, "k2", PRINT, later) is None  # taken over
    with pytest.raises(idempotency.StillRunning):
        idempotency.begin(services, CALLER, "k2", PRINT, later)
