"""The API flags a payment larger than the balance (issue 13): refused in French unless
``confirm_overpayment``; then the claim shows the credit to refund."""

from __future__ import annotations

from .conftest import ORG, BackOffice

BASE = f"/api/v1/organisms/{ORG}"


def test_an_overpayment_needs_its_confirmation(back_office: BackOffice) -> None:
    body: dict[str, object] = {"amount": "300.00", "on": "2026-03-02", "key": "VIR-9"}
    refused = back_office.client.post(
        f"{BASE}/claims/C3/payments", headers=back_office.headers("accountant"), json=body
    )
    assert refused.status_code in (409, 422), refused.text
    assert "trop-perçu" in refused.text and "50,00" in refused.text
    paid = back_office.post("accountant", f"{BASE}/claims/C3/payments", {**body, "confirm_overpayment": True})
    assert isinstance(paid, dict) and paid["new"] is True and paid["balance"] == "0.00"
    claim = back_office.client.get(
        f"{BASE}/claims/C3?on=2026-03-02", headers=back_office.headers("accountant")
    ).json()
    assert claim["credit"] == "50.00"


def test_a_cycle_names_its_confirmation(back_office: BackOffice) -> None:
    done = back_office.post(
        "administrator", f"{BASE}/cycles", {"month": "2026-03", "without_payment_run": True}
    )
    assert isinstance(done, dict) and done["month"] == "2026-03"
