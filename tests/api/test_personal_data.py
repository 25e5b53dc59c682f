"""NIR and IBAN never reach the logs, the audit trail or a list: a whole API session at DEBUG."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from recouvre.storage.back_office_tables import AuditRow

from .conftest import IBANS, NIRS, ORG, BackOffice

BASE = f"/api/v1/organisms/{ORG}"


def forms(value: str) -> list[str]:
    """The ways a NIR or an IBAN may be written: compact, grouped by 4, grouped like a NIR."""
    grouped = " ".join(re.findall(".{1,4}", value))
    nir_like = f"{value[0]} {value[1:3]} {value[3:5]} {value[5:7]} {value[7:10]} {value[10:13]} {value[13:]}"
    return [value, value.lower(), grouped, nir_like]


def session(back_office: BackOffice) -> list[str]:
    """Everything a day of work touches; returns the response bodies."""
    bodies: list[str] = []
    client = back_office.client

    def call(method: str, user: str, path: str, **kwargs: object) -> None:
        response = client.request(method, path, headers=back_office.headers(user), **kwargs)  # type: ignore[arg-type]
        assert response.status_code < 500, response.text
        bodies.append(response.text)

    for nir in NIRS:
        call("POST", "case_worker", f"{BASE}/debtors/search", json={"nir": nir, "on": "2026-03-01"})
        call("POST", "collection_agency", f"{BASE}/debtors/search", json={"nir": nir, "on": "2026-03-01"})
    for iban in IBANS:  # not a search criterion: refused, and the refusal must not echo it in a log
        call("POST", "case_worker", f"{BASE}/debtors/search", json={"iban": iban, "on": "2026-03-01"})
    call("POST", "case_worker", f"{BASE}/debtors/search", json={"name": "a", "on": "2026-03-01"})
    for debtor in ("D1", "D2"):
        call("GET", "case_worker", f"{BASE}/debtors/{debtor}", params={"on": "2026-03-31"})
        call("GET", "auditor", f"{BASE}/debtors/{debtor}", params={"on": "2026-03-31"})
    call("GET", "collection_agency", f"{BASE}/debtors/D2", params={"on": "2026-03-31"})
    call(
        "POST",
        "accountant",
        f"{BASE}/claims/C3/payments",
        json={"amount": "12.34", "on": "2026-03-02", "key": "P"},
    )
    call(
        "POST",
        "ordonnateur",
        f"{BASE}/claims/C3/payments",
        json={"amount": "1", "on": "2026-03-02", "key": "Q"},
    )
    call(
        "POST",
        "case_worker",
        f"{BASE}/claims/C1/plans",
        json={"monthly": "40", "first_due": "2026-04-05", "on": "2026-03-02"},
    )
    call("GET", "manager", f"{BASE}/tasks", params={"on": "2026-03-15"})
    call("GET", "manager", f"{BASE}/summary", params={"on": "2026-03-15"})
    call("POST", "administrator", f"{BASE}/cycles", json={"month": "2026-03"})
    call("GET", "auditor", "/api/v1/audit", params={"limit": 500})
    call("GET", "auditor", "/api/v1/audit/verify")
    call("GET", "case_worker", f"{BASE}/claims/NOPE", params={"on": "2026-03-01"})
    call("POST", "case_worker", f"{BASE}/claims", json={"ref": "X"})
    return bodies


def assert_absent(text: str) -> None:
    for value in (*NIRS, *IBANS):
        for form in forms(value):
            assert form not in text, f"{value[:2]}… found"


@pytest.mark.parametrize("sql_logging", [False, True], ids=["debug", "debug-and-sql"])
def test_no_nir_nor_iban_in_logs(
    back_office: BackOffice, caplog: pytest.LogCaptureFixture, sql_logging: bool
) -> None:
    caplog.set_level(logging.DEBUG)
    if sql_logging:  # an operator who turns SQL logging on still sees no parameter
        caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    bodies = session(back_office)
    assert any("request by" in record.getMessage() for record in caplog.records)
    if sql_logging:
        assert any("SELECT" in record.getMessage() for record in caplog.records)
    logged = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''} {record.args!r}" for record in caplog.records
    )
    assert_absent(logged)
    assert_absent("\n".join(bodies))


def test_no_nir_nor_iban_in_the_audit_trail(back_office: BackOffice) -> None:
    session(back_office)
    with back_office.services.db.unit_of_work() as db:
        rows = list(db.scalars(select(AuditRow)))
    assert len(rows) > 20
    assert_absent("\n".join(f"{r.actor} {r.action} {r.subject} {r.why} {r.before} {r.after}" for r in rows))
