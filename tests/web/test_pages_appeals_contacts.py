"""The debtor file's appeal (PM242) and contact forms: shown by role, a filed appeal suspending the
claim, the decision applied to the ledger, a contact without a task in the history."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from recouvre.storage.back_office_tables import AuditRow

from .conftest import ORG, Site
from .test_pages import Inputs

BASE = f"/o/{ORG}"


def audit_rows(site: Site, action: str) -> list[AuditRow]:
    with site.services.db.unit_of_work() as session:
        return list(session.scalars(select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.seq)))


def claim_section(page: str, ref: str) -> str:
    """The part of the file about one claim (its facts, ledger and forms)."""
    start = page.index(f'<section id="creance-{ref}"')
    return page[start : page.index("</section>", start)]


def history(page: str) -> str:
    return page.split('id="historique"')[1]


def file_appeal(site: Site, csrf: str, claim: str = "C1", **extra: str) -> httpx.Response:
    data = {"csrf": csrf, "debiteur": "D1", "date": "2026-03-05", "motif": "conteste l'indu", **extra}
    response: httpx.Response = site.client.post(f"{BASE}/creances/{claim}/recours", data=data)
    return response


def test_forms_follow_the_role(site: Site) -> None:
    site.sign_in("case_worker")
    worker = claim_section(site.debtor_page(), "C1")
    assert "Enregistrer un recours" in worker and "Enregistrer un contact" in worker
    assert "Décision sur le recours" not in worker
    assert "Formé par" not in worker  # the organism's own appeal needs court.represent
    site.sign_in("phone_operator")
    operator = claim_section(site.debtor_page(), "C1")
    assert "Enregistrer un contact" in operator and "Enregistrer un recours" not in operator
    site.sign_in("accountant")
    accountant = claim_section(site.debtor_page(), "C1")
    assert "Enregistrer un recours" in accountant and "Enregistrer un contact" not in accountant
    site.sign_in("director")
    director = claim_section(site.debtor_page(), "C1")
    assert "Enregistrer un recours" in director and "Formé par" in director
    for role in ("board_member", "auditor", "manager"):
        site.sign_in(role)
        page = claim_section(site.debtor_page(), "C1")
        for form in ("Enregistrer un recours", "Décision sur le recours", "Enregistrer un contact"):
            assert form not in page, (role, form)
    site.sign_in("collection_agency")
    placed = claim_section(site.debtor_page("D2"), "C3")
    assert "Enregistrer un contact" in placed and "Enregistrer un recours" not in placed


def test_a_filed_appeal_suspends_the_claim_then_the_board_decides(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    response = file_appeal(site, csrf)
    assert response.status_code == 200
    page = response.text
    assert "Le recours est enregistré." in page
    c1 = claim_section(page, "C1")
    assert "Recours en cours" in c1 and "devant la commission de recours amiable" in c1
    assert "formé le 5 mars 2026 par le débiteur" in c1  # a date in a sentence (issue 13)
    assert (
        "suspend le recouvrement" in c1 and "rejet implicite du 5 mai 2026" in c1
    )  # a date in a sentence (issue 13)
    assert '<span class="badge status-suspended">suspendue</span>' in c1
    assert '<span class="badge status-suspended">' not in claim_section(page, "C2")
    assert "Enregistrer un recours" not in c1  # one is pending
    assert "Décision sur le recours" not in c1  # the board decides, not the case worker
    assert "Recours" in history(page) and "formé devant la commission de recours amiable" in history(page)
    row = audit_rows(site, "appeals.file")[-1]
    assert (row.actor, row.outcome) == ("case_worker", "done")
    # The director records court decisions: not this one, but he may record the withdrawal.
    site.sign_in("director")
    director = claim_section(site.debtor_page(), "C1")
    assert "Décision sur le recours" not in director and "Enregistrer le désistement du recours" in director

    csrf = site.sign_in("board_member")
    board = claim_section(site.debtor_page(), "C1")
    assert "Décision sur le recours" in board
    decision = {
        "csrf": csrf,
        "debiteur": "D1",
        "issue": "reduced",
        "date": "2026-03-14",
        "motif": "en partie",
    }
    missing = site.client.post(f"{BASE}/creances/C1/decision-recours", data=decision)
    assert missing.status_code == 422
    assert "Nouveau montant de la créance : montant à renseigner" in missing.text
    response = site.client.post(
        f"{BASE}/creances/C1/decision-recours",
        data={**decision, "issue": "upheld", "motif": "indu non établi"},
    )
    assert response.status_code == 200
    page = response.text
    assert "La décision sur le recours est enregistrée" in page
    c1 = claim_section(page, "C1")
    assert '<span class="badge status-cancelled">annulée</span>' in c1
    assert "Recours en cours" not in c1 and "Décision sur le recours" not in c1
    assert "annulation" in c1 and "-400,00" in c1
    assert "décision : accueilli : la créance est annulée, 400,00\u00a0€ annulés" in history(page)
    row = audit_rows(site, "appeals.decide_board")[-1]
    assert (row.actor, row.outcome) == ("board_member", "done")
    assert row.after is not None and row.after["status"] == "cancelled"


def test_a_late_appeal_is_refused_with_its_reason(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    response = file_appeal(site, csrf, date="2026-03-11")
    assert response.status_code == 409
    assert "forclusion" in response.text
    assert 'class="notice error"' in response.text
    assert audit_rows(site, "appeals.file")[-1].outcome == "refused"


def test_a_role_that_may_not_file_gets_a_403(site: Site) -> None:
    csrf = site.sign_in("phone_operator")
    response = file_appeal(site, csrf)
    assert response.status_code == 403
    assert "Action non permise" in response.text
    denied = audit_rows(site, "appeals.file")[-1]
    assert (denied.actor, denied.outcome) == ("phone_operator", "denied")
    csrf = site.sign_in("case_worker")
    response = site.client.post(
        f"{BASE}/creances/C1/decision-recours",
        data={"csrf": csrf, "debiteur": "D1", "issue": "rejected", "motif": "x"},
    )
    assert response.status_code == 403
    assert audit_rows(site, "appeals.decide_board")[-1].outcome == "denied"


def test_a_contact_without_a_task_appears_in_the_history(site: Site) -> None:
    csrf = site.sign_in("phone_operator")
    form = {
        "csrf": csrf,
        "debiteur": "D1",
        "canal": "phone",
        "issue": "not_reached",
        "date": "2026-03-12",
        "note": "messagerie pleine",
        "cle": "web-contact-1",
    }
    response = site.client.post(f"{BASE}/creances/C1/nouveau-contact", data=form)
    assert response.status_code == 200
    assert "Le contact est enregistré dans l&#39;historique du dossier." in response.text or (
        "Le contact est enregistré dans l'historique du dossier." in response.text
    )
    entries = history(response.text)
    assert "Contact avec le débiteur" in entries
    assert "téléphone, débiteur non joint : messagerie pleine" in entries
    # The same form sent twice records one contact.
    site.client.post(f"{BASE}/creances/C1/nouveau-contact", data=form)
    assert history(site.debtor_page()).count("messagerie pleine") == 1
    assert [row.outcome for row in audit_rows(site, "contacts.record")] == ["done", "done"]
    # The task stays open: recording a contact is not closing a task.
    assert "Aucune tâche à traiter" not in site.debtor_page()
    # An agency records contacts on the files placed with it only.
    csrf = site.sign_in("collection_agency")
    placed = site.client.post(
        f"{BASE}/creances/C3/nouveau-contact",
        data={**form, "csrf": csrf, "debiteur": "D2", "cle": "acme-1", "issue": "reached"},
    )
    assert placed.status_code == 200
    other = site.client.post(
        f"{BASE}/creances/C1/nouveau-contact", data={**form, "csrf": csrf, "cle": "acme-2"}
    )
    assert other.status_code == 403


def test_the_new_forms_are_labelled(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    file_appeal(site, csrf)
    pages = [site.debtor_page()]
    site.sign_in("board_member")
    pages.append(site.debtor_page())
    site.sign_in("director")
    pages.append(site.debtor_page())
    # the forms are there (an empty page would have nothing unlabelled)
    worker, board, director = (claim_section(page, "C1") for page in pages)
    assert f'action="{BASE}/creances/C1/nouveau-contact"' in worker
    assert f'action="{BASE}/creances/C1/retrait-recours"' in worker
    assert f'action="{BASE}/creances/C1/decision-recours"' in board
    assert f'action="{BASE}/creances/C1/retrait-recours"' in director  # one appeal pending at a time
    for page in pages:
        assert len(Inputs(page).controls) >= 5
        assert Inputs(page).unlabelled() == []
        ids = re.findall(r'\bid="([^"]+)"', page)
        assert len(ids) == len(set(ids))
