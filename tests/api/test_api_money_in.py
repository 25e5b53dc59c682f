"""Money in over HTTP: a camt.053 statement posted as the body, the unmatched queue and its
suggestions, booking a credit on a chosen claim, a SEPA mandate refused for its IBAN."""

from __future__ import annotations

from pathlib import Path

from .conftest import ORG, BackOffice

B = f"/api/v1/organisms/{ORG}"
STATEMENT = Path(__file__).parent.parent / "fixtures" / "bank" / "statement.camt053.001.02.xml"


def test_statement_queue_and_booking(back_office: BackOffice) -> None:
    reference = back_office.get("accountant", f"{B}/claims/C2/payment-reference")
    assert isinstance(reference, dict) and reference["reference"].startswith("RF")
    # The fixture's references name claims of CAF-TEST C1 and C2: here C1 is RF19CAFTESTC1 too.
    body = STATEMENT.read_bytes()
    headers = {**back_office.headers("accountant"), "Content-Type": "application/xml"}
    answer = back_office.client.post(f"{B}/bank/statements", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["received"], result["matched"], result["unmatched"], result["skipped"]) == (3, 2, 1, 1)
    again = back_office.client.post(f"{B}/bank/statements", content=body, headers=headers).json()
    assert (again["received"], again["replayed"]) == (0, 3)
    queue = back_office.get("accountant", f"{B}/bank/credits", status="unmatched")
    assert isinstance(queue, list) and [item["amount"] for item in queue] == ["20.00"]
    credit = queue[0]["id"]
    suggestions = back_office.get("accountant", f"{B}/bank/credits/{credit}/suggestions")
    assert isinstance(suggestions, list)
    booked = back_office.post(
        "accountant", f"{B}/bank/credits/{credit}/book", {"claim": "C2", "on": "2026-03-10"}
    )
    assert isinstance(booked, dict) and (booked["status"], booked["claim"]) == ("booked", "C2")
    assert back_office.get("accountant", f"{B}/bank/credits", status="unmatched") == []


def test_a_broken_statement_lists_its_problems(back_office: BackOffice) -> None:
    headers = {**back_office.headers("accountant"), "Content-Type": "text/plain"}
    answer = back_office.client.post(f"{B}/bank/statements", content=b"04 not a statement", headers=headers)
    assert answer.status_code == 422
    assert answer.json()["problems"]


def test_a_mandate_with_a_bad_iban_is_refused(back_office: BackOffice) -> None:
    bad = {"iban": "FR15 2004 1010 0505 0001 3M02 606", "signed_on": "2026-03-01"}
    answer = back_office.client.post(
        f"{B}/debtors/D1/sepa-mandates", json=bad, headers=back_office.headers("case_worker")
    )
    assert answer.status_code in (409, 422), answer.text
    assert "iban" in answer.text.lower()
    good = {"iban": "FR1420041010050500013M02606", "signed_on": "2026-03-01", "form": "electronic"}
    mandate = back_office.post("case_worker", f"{B}/debtors/D1/sepa-mandates", good)
    assert isinstance(mandate, dict) and mandate["iban"] == "FR14 **** **** 2606"
