"""The agency portal's page: « Mes dossiers » lists only the files placed with the agency today;
a report on a file not placed with it is refused (403 page, ``denied`` row in the audit trail)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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


def test_placement_and_reports_on_the_timeline(site: Site) -> None:
    csrf = site.sign_in("collection_agency")
    site.client.post(
        f"{BASE}/agence/C3/compte-rendu", data={"csrf": csrf, "kind": "letter", "type": "reminder_1"}
    )
    site.sign_in("case_worker")
    page = site.debtor_page("D2")
    assert "Dossier confié à une agence</span> — confié à acme" in page
    assert "Compte rendu de l&#39;agence</span> — acme : courrier envoyé : première relance" in page


def test_staff_decides_an_agency_proposal(site: Site) -> None:
    csrf = site.sign_in("collection_agency")
    site.client.post(
        f"{BASE}/agence/C3/compte-rendu",
        data={"csrf": csrf, "kind": "facility", "monthly": "25.00", "first_due": "2026-04-05"},
    )
    assert site.client.get(f"{BASE}/agences").status_code == 403  # not the agency's page
    csrf = site.sign_in("case_worker")
    page = site.client.get(f"{BASE}/agences")
    assert page.status_code == 200
    assert "Proposition de facilité de paiement — créance" in page.text and "25,00" in page.text
    report_id = page.text.split('id="proposition-')[1].split('"')[0]
    done = site.client.post(
        f"{BASE}/agences/propositions/{report_id}/decision",
        data={"csrf": csrf, "decision": "approuver", "date": "2026-03-15", "motif": "accord"},
    )
    assert done.status_code == 200 and "La décision est enregistrée." in done.text
    assert "Aucune proposition n'attend de décision." in done.text
    site.sign_in("auditor")
    assert site.client.get(f"{BASE}/agences").status_code == 200


def test_staff_places_and_recalls_one_claim(site: Site) -> None:
    from recouvre.service import placements

    placements.save_agency(site.services, ORG, placements.AgencySpec("REC-NORD", "amicable", Decimal("7.50")))
    csrf = site.sign_in("case_worker")
    form = {"csrf": csrf, "creance": "C1", "agence": "REC-NORD", "date": "2026-03-15", "motif": "gros solde"}
    done = site.client.post(f"{BASE}/agences/placement", data=form)
    assert done.status_code == 200 and "Le dossier est confié (ou rappelé)." in done.text
    assert site.client.post(f"{BASE}/agences/placement", data=form).status_code == 200  # a replay
    again = site.client.post(f"{BASE}/agences/placement", data={**form, "agence": "acme"})
    assert again.status_code == 409 and "déjà confiée à l&#39;agence REC-NORD" in again.text, again.text
    back = site.client.post(f"{BASE}/agences/placement", data={**form, "action": "rappeler"})
    assert back.status_code == 200
    state = placements.placement_on(site.services, ORG, "C1", date(2026, 3, 15))
    assert state is not None and state.status == "recalled"
    agent_csrf = site.sign_in("collection_agency")
    assert site.client.post(f"{BASE}/agences/placement", data={**form, "csrf": agent_csrf}).status_code == 403
