"""The workload test's users hash their passwords with test-sized argon2 costs (as tests/api does)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from recouvre.service import accounts

CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "hasher", lambda: CHEAP_HASHER)
