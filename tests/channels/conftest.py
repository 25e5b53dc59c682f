"""The channels' office: the web tests' populated organism, with e-mail addresses for D1 and D2."""

from __future__ import annotations

from pathlib import Path

import pytest

from recouvre.service import Services, accounts
from recouvre.storage.tables import DebtorRow
from web.conftest import CHEAP_HASHER, NOW, Clock, populate


@pytest.fixture
def office(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Services:
    monkeypatch.setattr(accounts, "hasher", lambda: CHEAP_HASHER)
    services.clock = Clock(NOW)
    populate(services)
    with services.db.unit_of_work() as session:
        for ref, mail in (("D1", "marie@example.org"), ("D2", "jean@example.org")):
            session.query(DebtorRow).filter(DebtorRow.ref == ref).update({"email": mail})
    return services
