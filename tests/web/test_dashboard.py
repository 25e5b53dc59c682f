"""The dashboards (``/o/ORG/pilotage``): who may open them, the figures in the tables, the
charts' data block, the drill-down links and the exports (CSV, XLSX)."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from pathlib import Path

import pytest
from openpyxl import load_workbook

from .conftest import ORG, PASSWORD, Site

BASE = f"/o/{ORG}/pilotage"
PERIOD = {"du": "2026-01-01", "au": "2026-03-31"}


def test_manager_sees_the_dashboard_with_tables_and_drill_down(site: Site) -> None:
    site.sign_in("manager")
    page = site.client.get(BASE, params=PERIOD)
    assert page.status_code == 200, page.text
    html = page.text
    assert "Taux de recouvrement financier" in html
    assert 'id="graphique-tendance"' in html and 'id="graphique-pyramide"' in html
    assert f'href="/o/{ORG}/corbeilles?type=review"' in html  # drill-down to the queue
    assert "<caption>Solde restant dû par ancienneté et par phase</caption>" in html
    found = re.search(r'id="donnees-graphiques" hidden data-graphiques="([^"]*)"', html)
    assert found is not None
    data = json.loads(unescape(found.group(1)))
    assert [point["month"] for point in data["trend"]][-3:] == ["2026-01", "2026-02", "2026-03"]
    assert len(data["pyramid"]) == 5
    assert '<a href="/o/CAF-TEST/pilotage">Pilotage</a>' in html or "/pilotage" in html


def test_case_worker_may_not_open_it(site: Site) -> None:
    site.sign_in("case_worker")
    assert site.client.get(BASE, params=PERIOD).status_code == 403


def test_exports(site: Site) -> None:
    site.sign_in("director")
    csv_export = site.client.get(f"{BASE}/export.csv", params=PERIOD)
    assert csv_export.status_code == 200
    assert "recovery_rate" in csv_export.text and "# Pyramide" in csv_export.text
    xlsx = site.client.get(f"{BASE}/export.xlsx", params=PERIOD)
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Indicateurs", "Tendance", "Phases", "Pyramide", "Organismes"]
    names = [row[0] for row in book["Indicateurs"].iter_rows(values_only=True)]
    assert "recovery_rate" in names


def test_a_bad_period_is_refused(site: Site) -> None:
    site.sign_in("manager")
    assert site.client.get(BASE, params={"du": "2026-04-01", "au": "2026-03-01"}).status_code == 400


def test_director_compares_two_policies(site: Site) -> None:
    csrf = site.sign_in("director")
    form = site.client.get(f"{BASE}/comparaison")
    assert form.status_code == 200 and "Comparer deux politiques" in form.text
    fields = {
        "csrf": csrf,
        "base_name": "Actuelle",
        "base": "",
        "candidate_name": "Délai 30 jours",
        "candidate": "recovery.start_delay_days: 30",
        "start": "2026-04",
        "months": "1",
        "seed": "7",
        "format": "html",
    }
    done = site.client.post(f"{BASE}/comparaison", data=fields)
    assert done.status_code == 200, done.text
    assert "Résultats côte à côte" in done.text and "Délai 30 jours" in done.text and "<svg" in done.text
    pdf = site.client.post(f"{BASE}/comparaison", data={**fields, "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = site.client.post(f"{BASE}/comparaison", data={**fields, "candidate": "pas.une.cle: 3"})
    assert bad.status_code == 422


def test_manager_may_not_run_a_comparison(site: Site) -> None:
    site.sign_in("manager")
    assert site.client.get(f"{BASE}/comparaison").status_code == 403


def test_network_page_reads_the_snapshots(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date

    from recouvre.service import accounts, snapshots

    root = tmp_path / "snapshots"
    monkeypatch.setenv(snapshots.DIRECTORY_VARIABLE, str(root))
    snapshots.write_months(site.services, [ORG], "2026-01", "2026-02", root, until=date(2026, 2, 28))
    accounts.add_user(site.services, "reseau", PASSWORD, ["manager"], organism=None, by="cli:setup")
    site.sign_in("reseau")
    page = site.client.get("/reseau/pilotage", params={"du": "2026-01", "au": "2026-02"})
    assert page.status_code == 200, page.text
    assert "Lu depuis les instantanés mensuels" in page.text and f">{ORG}</a>" in page.text
    assert 'id="graphique-organismes"' in page.text
    missing = site.client.get("/reseau/pilotage", params={"du": "2020-01", "au": "2020-02"})
    assert missing.status_code == 200 and "recouvre network snapshot" in missing.text
    site.sign_in("manager")  # a local manager: the network is not his
    assert site.client.get("/reseau/pilotage", params={"du": "2026-01", "au": "2026-02"}).status_code == 403
