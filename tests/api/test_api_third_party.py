"""The third-party routes: transfer to the département, its file, the monthly statement, SATD."""

from __future__ import annotations

from datetime import date

from recouvre.domain.model import Benefit, Claim, Creditor, Responsibility, UndueLine
from recouvre.service import accounts, commands

from .conftest import ORG, BackOffice

BASE = f"/api/v1/organisms/{ORG}"


def _rsa_claim(back_office: BackOffice) -> None:
    claim = Claim(
        ref="R1",
        organism=ORG,
        debtor_ref="D2",
        benefit=Benefit.RSA,
        creditor=Creditor.DEPARTEMENT,
        responsibility=Responsibility.DEBTOR_ERROR,
        lines=(UndueLine(date(2025, 11, 5), 45_000),),
        established_on=date(2026, 1, 10),
        notified_on=date(2026, 1, 10),
        detected_on=date(2026, 1, 10),
    )
    commands.establish_claim(
        back_office.services, accounts.actor_of(back_office.services, "ordonnateur"), ORG, claim
    )


def test_transfer_routes(back_office: BackOffice) -> None:
    _rsa_claim(back_office)
    body = {"on": "2026-03-10", "departement": "44", "reason": "fin de droits", "why": "dossier"}
    response = back_office.client.post(
        f"{BASE}/claims/R1/transfer", json=body, headers=back_office.headers("case_worker")
    )
    assert response.status_code == 403
    done = back_office.post("accountant", f"{BASE}/claims/R1/transfer", body, expected=201)
    assert isinstance(done, dict) and done["balance"] == "450.00" and done["departement"] == "44"
    claim = back_office.get("accountant", f"{BASE}/claims/R1", on="2026-03-10")
    assert isinstance(claim, dict) and claim["status"] == "transferred"
    again = back_office.client.post(
        f"{BASE}/claims/R1/departement",
        json={"on": "2026-03-11", "departement": "49"},
        headers=back_office.headers("accountant"),
    )
    assert again.status_code == 409, again.text
    csv = back_office.client.get(f"{BASE}/claims/R1/transfer-file", headers=back_office.headers("accountant"))
    assert csv.status_code == 200 and "principal" in csv.text and "450.00" in csv.text
    statement = back_office.get("auditor", f"{BASE}/third-party-statements/departement", month="2026-01")
    assert isinstance(statement, dict) and statement["established"] == "450.00"
    pdf = back_office.client.get(
        f"{BASE}/third-party-statements/fnal",
        params={"month": "2026-01", "format": "pdf"},
        headers=back_office.headers("accountant"),
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_satd_routes(back_office: BackOffice) -> None:
    body = {
        "creditor": "SIP Nantes",
        "reference": "S1",
        "kind": "fraud",
        "amount": "120.00",
        "received_on": "2026-03-01",
    }
    notice = back_office.post("accountant", f"{BASE}/debtors/D1/satd", body, expected=201)
    assert isinstance(notice, dict) and notice["remaining"] == "120.00"
    listed = back_office.get("case_worker", f"{BASE}/debtors/D1/satd")
    assert isinstance(listed, list) and listed[0]["creditor"] == "SIP Nantes"
    assert back_office.get("accountant", f"{BASE}/satd-payables") == []
    released = back_office.post(
        "accountant", f"{BASE}/satd/{notice['id']}/release", {"on": "2026-03-05", "why": "mainlevée"}
    )
    assert isinstance(released, dict) and released["status"] == "released"
