"""The back-office pages: the contentious queue, the signature basket (refused without the power,
signed in a batch under a mandate), acts on a title, an acknowledgment from the debtor file."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from recouvre.domain.enforcement import TitleState
from recouvre.server import create_app
from recouvre.service import Services, accounts, commands, enforcement, mandates
from recouvre.service.interruptions import claim_interruptions
from recouvre.web import mount_web

from .conftest import ORG, PASSWORD, person

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: str) -> str:
    found = CSRF.search(page)
    assert found is not None, page
    return str(found.group(1))


def build_app(services: Services) -> TestClient:
    app = create_app(services)
    mount_web(app, secret=b"0" * 32)
    return TestClient(app)


WORKER = person("cw", "case_worker")


def _sign_in(client, user: str) -> str:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    token = csrf_of(client.get("/connexion").text)
    answer = client.post("/connexion", data={"identifiant": user, "mot_de_passe": PASSWORD, "csrf": token})
    assert answer.status_code == 200, answer.text
    return csrf_of(answer.text)


def test_queue_basket_and_acts(contentious: Services) -> None:
    accounts.add_user(contentious, "tech", PASSWORD, ["case_worker"], organism=ORG, by="t")
    accounts.add_user(contentious, "clerk", PASSWORD, ["accountant"], organism=ORG, by="t")
    accounts.add_user(contentious, "deputy", PASSWORD, ["accountant"], organism=ORG, by="t")
    mandates.grant_mandate(
        contentious,
        "deputy",
        "sign_enforcement_titles",
        date(2026, 6, 1),
        date(2026, 6, 30),
        by="dir",
        why="x",
    )
    with build_app(contentious) as client:
        csrf = _sign_in(client, "tech")
        page = client.get(f"/o/{ORG}/titres")
        assert page.status_code == 200, page.text
        assert "Titres à rédiger" in page.text and "C1" in page.text
        for claim in ("C1", "C3"):
            answer = client.post(f"/o/{ORG}/titres/projet", data={"csrf": csrf, "creance": claim})
            assert answer.status_code == 200, answer.text  # redirected to the queue
        assert "Le projet de titre est rédigé" in answer.text
        ids = [
            item.title.id
            for item in commands.contentious_queue(contentious, WORKER, ORG, date(2026, 6, 5)).to_sign
        ]
        assert len(ids) == 2

        csrf = _sign_in(client, "clerk")
        assert client.get(f"/o/{ORG}/titres").status_code == 200  # the queue, no basket
        refused = client.post(f"/o/{ORG}/titres/signature", data={"csrf": csrf, f"titre-{ids[0]}": "1"})
        assert refused.status_code == 403
        assert enforcement.title_state(contentious, ORG, "C1", date(2026, 6, 5)) is TitleState.NONE

        csrf = _sign_in(client, "deputy")
        page = client.get(f"/o/{ORG}/titres")
        assert "Parapheur" in page.text
        signed = client.post(
            f"/o/{ORG}/titres/signature",
            data={"csrf": csrf, f"titre-{ids[0]}": "1", f"titre-{ids[1]}": "1", "date": "2026-06-05"},
        )
        assert signed.status_code == 200, signed.text
        assert "Les titres cochés sont signés" in signed.text
        assert enforcement.title_state(contentious, ORG, "C1", date(2026, 6, 5)) is TitleState.ISSUED

        csrf = _sign_in(client, "tech")
        served = client.post(
            f"/o/{ORG}/titres/{ids[0]}/acte",
            data={"csrf": csrf, "acte": "served", "date": "2026-06-05", "voie": "bailiff"},
        )
        assert served.status_code == 200, served.text
        assert "opposition en cours" in served.text and "au 20/06/2026" in served.text
        early = client.post(
            f"/o/{ORG}/titres/{ids[1]}/acte", data={"csrf": csrf, "acte": "opposed", "date": "2026-06-05"}
        )
        assert early.status_code == 409 and "opposition formée impossible" in early.text

        answer = client.post(
            f"/o/{ORG}/reconnaissance",
            data={"csrf": csrf, "debiteur": "D2", "creance": "C4", "date": "2026-06-02", "par": "debtor"},
        )
        assert answer.status_code == 200, answer.text
        assert "La reconnaissance de dette est enregistrée" in answer.text
        timeline = client.get(f"/o/{ORG}/debiteurs/D1")
        assert "contrainte n° " in timeline.text and "signée et décernée" in timeline.text
        assert "signifiée / notifiée" in timeline.text
        assert "Prescription : reconnaissance de dette" in answer.text
    found = claim_interruptions(contentious, ORG, "C4", date(2026, 6, 30))
    assert [item.on for item in found if item.kind.value == "acknowledgment"] == [date(2026, 6, 2)]
