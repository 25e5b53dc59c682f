"""``GET /api/v1/organisms/{organism}/indicators``: one object keyed by indicator name, each with
its label, definition and value; the CSV export."""

from __future__ import annotations

from .conftest import ORG, BackOffice

BASE = f"/api/v1/organisms/{ORG}/indicators"


def test_indicators_as_json_and_csv(back_office: BackOffice) -> None:
    data = back_office.get("manager", BASE, **{"from": "2026-01-01", "to": "2026-03-31"})
    assert isinstance(data, dict)
    rate = data["recovery_rate"]
    assert rate["unit"] == "percent" and rate["definition"].startswith("Montants recouvrés")
    assert rate["stock"] == "0.00" and rate["new"] != "0.00"
    assert data["enforcement_pipeline"]["available"] is False
    response = back_office.client.get(
        BASE,
        headers=back_office.headers("director"),
        params={"from": "2026-01-01", "to": "2026-03-31", "format": "csv"},
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines()[0] == "indicator,label,item,value,available,definition"


def test_a_period_ending_before_it_starts_is_refused(back_office: BackOffice) -> None:
    response = back_office.client.get(
        BASE, headers=back_office.headers("manager"), params={"from": "2026-03-01", "to": "2026-01-01"}
    )
    assert response.status_code == 422
