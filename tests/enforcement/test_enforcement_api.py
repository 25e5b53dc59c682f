"""The enforcement routes of the API: draft, basket (403 without the power), batch signature under
a mandate, acts, queue, claim titles, document."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from recouvre.server import create_app
from recouvre.service import Services, accounts, mandates

from .conftest import ORG, PASSWORD

B = f"/api/v1/organisms/{ORG}"


def test_titles_through_the_api(contentious: Services) -> None:
    accounts.add_user(contentious, "tech", PASSWORD, ["case_worker"], organism=ORG, by="t")
    accounts.add_user(contentious, "clerk", PASSWORD, ["accountant"], organism=ORG, by="t")
    accounts.add_user(contentious, "deputy", PASSWORD, ["accountant"], organism=ORG, by="t")
    accounts.add_user(contentious, "boss", PASSWORD, ["director"], organism=ORG, by="t")
    granted = mandates.grant_mandate(
        contentious,
        "deputy",
        "sign_enforcement_titles",
        date(2026, 6, 1),
        date(2026, 6, 30),
        by="boss",
        why="x",
    )
    with TestClient(create_app(contentious)) as client:

        def auth(user: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {accounts.issue_token(contentious, user, PASSWORD).token}"}

        tech, clerk, deputy, boss = auth("tech"), auth("clerk"), auth("deputy"), auth("boss")
        first = client.post(f"{B}/claims/C1/titles", json={"on": "2026-06-05"}, headers=tech)
        assert first.status_code == 201, first.text
        assert first.json()["kind"] == "contrainte" and first.json()["state"] == "drafted"
        loan = client.post(f"{B}/claims/C2/titles", json={"on": "2026-06-05"}, headers=tech)
        assert loan.json()["kind"] == "injunction"
        refused = client.post(f"{B}/claims/C1/titles", json={"on": "2026-06-05"}, headers=tech)
        assert refused.status_code == 409
        assert client.get(f"{B}/titles/basket", params={"on": "2026-06-05"}, headers=clerk).status_code == 403
        ids = [first.json()["id"]]
        assert (
            client.post(
                f"{B}/titles/signatures", json={"on": "2026-06-05", "titles": ids}, headers=clerk
            ).status_code
            == 403
        )
        basket = client.get(f"{B}/titles/basket", params={"on": "2026-06-05"}, headers=deputy)
        assert basket.status_code == 200 and {item["title"]["claim"] for item in basket.json()} == {
            "C1",
            "C2",
        }
        signed = client.post(
            f"{B}/titles/signatures", json={"on": "2026-06-05", "titles": ids}, headers=deputy
        )
        assert signed.status_code == 200, signed.text
        body = signed.json()[0]
        assert (
            body["signed"]
            and body["title"]["mandate_id"] == granted.id
            and body["title"]["signed_by"] == "deputy"
        )
        filed = client.post(
            f"{B}/titles/signatures", json={"on": "2026-06-05", "titles": [loan.json()["id"]]}, headers=boss
        )
        assert filed.json()[0]["title"]["state"] == "filed"
        served = client.post(
            f"{B}/titles/{ids[0]}/acts",
            json={"act": "served", "on": "2026-06-10", "via": "bailiff"},
            headers=tech,
        )
        assert served.status_code == 200 and served.json()["opposition_until"] == "2026-06-25"
        decided = client.post(
            f"{B}/titles/{ids[0]}/acts",
            json={"act": "decided", "on": "2026-06-11", "outcome": "rejected"},
            headers=tech,
        )
        assert decided.status_code == 403  # the court's decision is the director's to record
        queue = client.get(f"{B}/titles/queue", params={"on": "2026-06-12"}, headers=tech)
        assert queue.status_code == 200 and [item["title"]["claim"] for item in queue.json()["windows"]] == [
            "C1"
        ]
        shown = client.get(f"{B}/claims/C1/titles", params={"on": "2026-06-26"}, headers=tech)
        assert shown.json()[0]["state"] == "enforceable"
        document = client.get(f"{B}/titles/{ids[0]}/document", headers=tech)
        assert document.status_code == 200 and document.content.startswith(b"%PDF")
