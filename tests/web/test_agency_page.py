"""The agency portal's page: « Mes dossiers » lists only the files placed with the agency today;
a report on a file not placed with it is refused (403 page, ``denied`` row in the audit trail)."""

from __future__ import annotations

from sqlalchemy import select

from recouvre.service import accounts, commands
from recouvre.storage.back_office_tables import AuditRow

from .conftest import ORG, Site

BASE = f"/o/{ORG}"


def test_agency_home_lists_its_files_and_takes_reports(site: Site) -> None:
    csrf = site.sign_in("collection_agency")
    page = site.client.get(f"{BASE}/agence")
    assert page.status_code == 200
    assert "Dossiers confiés à l'agence acme" in page.text
    assert 'id="dossier-C3"' in page.text and 'id="dossier-C1"' not in page.text
    done = site.client.post(
        f"{BASE}/agence/C3/compte-rendu",
        data={
            "csrf": csrf,
            "kind": "asset",
            "asset_kind": "vehicle",
            "description": "Peugeot 208",
            "estimated_value": "4000",
        },
    )
    assert done.status_code == 200 and "Le compte rendu est enregistré." in done.text
    assert "Bien trouvé" in done.text
    refused = site.client.post(
        f"{BASE}/agence/C3/compte-rendu", data={"csrf": csrf, "kind": "asset", "asset_kind": "vehicle"}
    )
    assert refused.status_code == 409 and "description" in refused.text
    for claim in ("C1", "C2"):
        denied = site.client.post(
            f"{BASE}/agence/{claim}/compte-rendu",
            data={"csrf": csrf, "kind": "contact", "channel": "téléphone", "outcome": "joint"},
        )
        assert denied.status_code == 403, claim
    with site.services.db.unit_of_work() as session:
        rows = session.scalars(
            select(AuditRow).where(AuditRow.action == "agencies.report", AuditRow.outcome == "denied")
        ).all()
    assert len(rows) == 2
    # Recalled: the file leaves the page and reports on it are refused.
    worker = accounts.actor_of(site.services, "case_worker")
    commands.recall_claim(site.services, worker, ORG, "C3", "acme", site.services.clock().date())
    assert 'id="dossier-C3"' not in site.client.get(f"{BASE}/agence").text
    again = site.client.post(
        f"{BASE}/agence/C3/compte-rendu",
        data={"csrf": csrf, "kind": "contact", "channel": "téléphone", "outcome": "joint"},
    )
    assert again.status_code == 403


def test_staff_has_no_agency_page(site: Site) -> None:
    site.sign_in("case_worker")
    assert site.client.get(f"{BASE}/agence").status_code == 403
