"""Every role has its pages (issue 13): the manager's steering page, the director's page, the
board's page with its limited search, the appeals list, the audit trail with its filters and its
verification, the users and roles page; the decision inbox with debtor, balance and a count in
the menu. Each page is read through the authorised reads: a role without the action gets 403."""

from __future__ import annotations

import html
import re

import pytest

from recouvre.service import accounts, commands

from .conftest import ORG, PASSWORD, Site

BASE = f"/o/{ORG}"
CODE_NAMES = re.compile(
    r"\b(formal_notice|reminder_1|reminder_2|written_off|phone_call|"
    r"implicitly_rejected|reduced|departement|Remission_decision|payments\.record|amicable|pending)\b"
)
"""Codes a user must never read (the test users are named after their roles: role codes as user
names are allowed here)."""


def visible_text(html: str) -> str:
    """The page without its tags and attribute values (what a user reads)."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


PAGES = {
    "manager": [f"{BASE}/equipe", f"{BASE}/corbeilles", f"{BASE}/propositions"],
    "director": [f"{BASE}/direction", f"{BASE}/propositions", f"{BASE}/recours", "/utilisateurs"],
    "board_member": [
        f"{BASE}/commission",
        f"{BASE}/commission?q=C2",
        f"{BASE}/recours",
        f"{BASE}/propositions",
    ],
    "auditor": ["/audit", "/audit?issue=denied&page=1", "/audit?verifier=1", "/utilisateurs"],
    "administrator": ["/utilisateurs"],
    "case_worker": [f"{BASE}/recours", f"{BASE}/corbeilles", f"{BASE}/debiteurs/D1"],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_each_role_reads_its_pages_in_french(site: Site, role: str) -> None:
    site.sign_in(role)
    for url in PAGES[role]:
        response = site.client.get(url)
        assert response.status_code == 200, (role, url, response.text[:2000])
        found = CODE_NAMES.search(visible_text(response.text))
        assert found is None, (role, url, found.group(0) if found else "")


def test_home_of_each_role(site: Site) -> None:
    expected = {
        "manager": f"{BASE}/corbeilles",  # the team page is in the menu
        "director": f"{BASE}/direction",
        "board_member": f"{BASE}/commission",
        "auditor": "/audit",
        "administrator": "/utilisateurs",
        "case_worker": f"{BASE}/corbeilles",
    }
    for role, path in expected.items():
        site.sign_in(role)
        response = site.client.get("/", follow_redirects=False)
        assert response.headers["location"] == path, role


def test_pages_refuse_the_roles_without_their_action(site: Site) -> None:
    site.sign_in("case_worker")
    assert site.client.get("/audit").status_code == 403
    assert site.client.get(f"{BASE}/direction").status_code == 403
    site.sign_in("board_member")
    assert site.client.get(f"{BASE}/equipe").status_code == 403


def test_the_manager_assigns_a_task_to_an_agent(site: Site) -> None:
    csrf = site.sign_in("manager")
    page = site.client.get(f"{BASE}/equipe").text
    assert "Charge par agent" in page and "non attribuées" in page
    response = site.client.post(
        f"{BASE}/equipe/attribution",
        data={"csrf": csrf, "tache": str(site.ids["task"]), "agent": "case_worker"},
    )
    assert response.status_code == 200 and "La tâche est attribuée." in response.text
    queue = commands.reads.queue(
        site.services,
        accounts.actor_of(site.services, "manager"),
        ORG,
        site.services.clock().date(),
        assignee="case_worker",
    )
    assert [task.id for task in queue.tasks] == [site.ids["task"]]


def test_the_inbox_shows_debtor_balance_and_a_count(site: Site) -> None:
    site.sign_in("board_member")
    page = site.client.get(f"{BASE}/commission").text
    assert "C3" in page  # the write-off proposal goes to the board
    assert re.search(r"Propositions à décider <span class=\"count\">\(\d+", page)


def test_the_board_search_is_limited_to_its_files(site: Site) -> None:
    site.sign_in("board_member")
    page = site.client.get(f"{BASE}/commission?q=C1").text
    assert "Aucune proposition n&#39;attend la commission" in page or "Aucune proposition n'attend" in page


def test_the_auditor_filters_and_verifies_the_trail(site: Site) -> None:
    site.sign_in("case_worker")
    site.client.get("/audit")  # denied: a row of the trail
    site.sign_in("auditor")
    page = site.client.get("/audit?issue=denied").text
    assert "interdite au rôle" in page and "case_worker" in page
    verified = site.client.get("/audit?verifier=1").text
    assert "La piste est intègre" in verified


def test_the_users_page_lists_roles_in_french(site: Site) -> None:
    site.sign_in("administrator")
    page = site.client.get("/utilisateurs").text
    assert "technicien recouvrement" in page and PASSWORD not in page


def _propose(site: Site, csrf: str, **fields: str) -> str:
    data = {"csrf": csrf, **fields}
    response = site.client.post("/utilisateurs/nouveau", data=data)
    assert response.status_code in (200, 409), response.text[:2000]
    return response.text


def test_the_administrator_proposes_users_from_the_page(site: Site) -> None:
    csrf = site.sign_in("administrator")
    page = site.client.get("/utilisateurs").text
    assert "Proposer un nouvel utilisateur" in page
    assert "agent comptable" in page and "membre de la commission de recours amiable" in page
    # Without the CSRF token nothing is created.
    refused = site.client.post(
        "/utilisateurs/nouveau", data={"identifiant": "sans.jeton", "role-case_worker": "oui"}
    )
    assert refused.status_code == 403
    assert all(user.username != "sans.jeton" for user in accounts.list_users(site.services))
    # A role without financial duty: created at once, the activation link shown once.
    shown = _propose(
        site,
        csrf,
        identifiant="nouveau.tech",
        nom_complet="Nadia Nouvelle",
        organisme=ORG,
        **{"role-phone_operator": "oui"},
    )
    assert "Le compte nouveau.tech est créé." in shown
    assert re.search(r"Lien d'activation.*<code>http[^<]*/activer/[^<]*</code>", shown, re.S), shown
    created = accounts.get_user(site.services, "nouveau.tech")
    assert created.roles == ("phone_operator",) and created.organism == ORG and not created.active
    assert "<code>http" not in site.client.get("/utilisateurs").text  # shown once
    # A financial role: the creation waits for the director's approval, no link yet.
    waiting = _propose(site, csrf, identifiant="nouveau.compta", organisme=ORG, **{"role-accountant": "oui"})
    assert "un directeur doit l'approuver" in html.unescape(waiting) and "<code>http" not in waiting
    assert accounts.pending_change(site.services, "nouveau.compta").kind == "create"
    # Incompatible roles: refused in French, with the roles' labels, nothing created.
    clash = _propose(
        site,
        csrf,
        identifiant="nouveau.double",
        organisme=ORG,
        **{"role-case_worker": "oui", "role-accountant": "oui"},
    )
    assert "Proposition refusée" in clash and "rôles incompatibles" in clash
    assert "technicien recouvrement + agent comptable" in clash or "agent comptable + technicien" in clash
    alert = re.search(r'role="alert"[^>]*>(.*?)</div>', clash, re.S)
    assert alert is not None and "case_worker" not in alert.group(1) and "accountant" not in alert.group(1)
    assert all(user.username != "nouveau.double" for user in accounts.list_users(site.services))
    # No role at all: the form says so.
    assert "cochez au moins un rôle" in _propose(site, csrf, identifiant="sans.role", organisme=ORG)


def test_only_user_managers_see_the_proposal_form(site: Site) -> None:
    site.sign_in("auditor")
    page = site.client.get("/utilisateurs").text
    assert "Proposer un nouvel utilisateur" not in page
