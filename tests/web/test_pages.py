"""The back-office pages through FastAPI's TestClient: sign-in and its lock, sessions, CSRF, role
checks (buttons not shown, 403 anyway), NIR and IBAN masked, and the actions reaching the ledger
and the audit trail through the API's commands."""

from __future__ import annotations

import logging
import re

import httpx
import pytest
from sqlalchemy import select

from recouvre.security.settings import ACCOUNT_FREE_FAILURES, ACCOUNT_MAX_DELAY
from recouvre.service import accounts
from recouvre.storage.back_office_tables import AuditRow
from recouvre.storage.tables import TaskRow

from .conftest import IBANS, NIRS, ORG, PASSWORD, SECRET, Site, build_app, csrf_of

BASE = f"/o/{ORG}"


def audit_rows(site: Site, action: str) -> list[AuditRow]:
    with site.services.db.unit_of_work() as session:
        return list(session.scalars(select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.seq)))


def spellings(value: str) -> list[str]:
    grouped = " ".join(re.findall(".{1,4}", value))
    nir_like = f"{value[0]} {value[1:3]} {value[3:5]} {value[5:7]} {value[7:10]} {value[10:13]} {value[13:]}"
    return [value, value.lower(), grouped, nir_like]


def assert_no_identifier(text: str) -> None:
    for value in (*NIRS, *IBANS):
        for form in spellings(value):
            assert form not in text, f"{value[:2]}… shown in full"


def pay(
    site: Site, csrf: str | None, claim: str = "C1", amount: str = "25,50", **extra: str
) -> httpx.Response:
    data = {
        "debiteur": "D1",
        "montant": amount,
        "date": "2026-03-10",
        "canal": "transfer",
        "cle": "web-test-1",
    }
    if csrf is not None:
        data["csrf"] = csrf
    response: httpx.Response = site.client.post(f"{BASE}/creances/{claim}/paiement", data={**data, **extra})
    return response


# Sign-in ----------------------------------------------------------------------------------------


def test_home_sends_to_the_sign_in_page_then_to_the_queues(site: Site) -> None:
    response = site.client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion"
    page = site.client.get("/connexion")
    assert 'lang="fr"' in page.text
    assert 'autocomplete="current-password"' in page.text
    assert site.client.cookies.get("recouvre_presession")
    site.sign_in("case_worker")
    response = site.client.get("/", follow_redirects=False)
    assert response.headers["location"] == f"{BASE}/corbeilles"


def test_session_cookie_is_signed_http_only_and_lax(site: Site) -> None:
    page = site.client.get("/connexion")
    response = site.client.post(
        "/connexion",
        data={"identifiant": "case_worker", "mot_de_passe": PASSWORD, "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = next(
        value for value in response.headers.get_list("set-cookie") if value.startswith("recouvre_session=")
    )
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain http here; see the https test
    assert audit_rows(site, "auth.sign_in")[-1].outcome == "done"
    # A forged cookie (another token, or the token with a wrong signature) is no session.
    value = site.client.cookies["recouvre_session"]
    token = value.rpartition(".")[0]
    site.client.cookies.set("recouvre_session", f"{token}.forged")
    assert site.client.get(f"{BASE}/corbeilles", follow_redirects=False).status_code == 303


def test_cookie_is_secure_over_https(site: Site) -> None:
    with build_app(site.services) as client:
        client.base_url = client.base_url.copy_with(scheme="https")
        page = client.get("/connexion")
        assert "Secure" in page.headers["set-cookie"]
        response = client.post(
            "/connexion",
            data={"identifiant": "case_worker", "mot_de_passe": PASSWORD, "csrf": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert all("Secure" in value for value in response.headers.get_list("set-cookie"))


def test_wrong_password_then_growing_delay(site: Site) -> None:
    page = site.client.get("/connexion")
    token = csrf_of(page.text)
    for _ in range(ACCOUNT_FREE_FAILURES):
        response = site.client.post(
            "/connexion", data={"identifiant": "phone_operator", "mot_de_passe": "mauvais", "csrf": token}
        )
        assert response.status_code == 401
        assert "Connexion refusée" in response.text and "incorrect" in response.text
    # Even the right password waits while the window is open; no lock to wait out.
    response = site.client.post(
        "/connexion", data={"identifiant": "phone_operator", "mot_de_passe": PASSWORD, "csrf": token}
    )
    assert response.status_code == 429
    assert "Réessayez dans" in response.text and int(response.headers["Retry-After"]) >= 1
    assert "recouvre_session" not in site.client.cookies
    clock = site.services.clock
    clock.now += ACCOUNT_MAX_DELAY  # type: ignore[attr-defined]
    response = site.client.post(
        "/connexion", data={"identifiant": "phone_operator", "mot_de_passe": PASSWORD, "csrf": token}
    )
    assert response.status_code == 200
    assert "phone_operator" in response.text


def test_sign_in_form_without_its_token_is_refused(site: Site) -> None:
    response = site.client.post("/connexion", data={"identifiant": "case_worker", "mot_de_passe": PASSWORD})
    assert response.status_code == 403
    assert "recouvre_session" not in site.client.cookies


def test_sign_out_revokes_the_session(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    token = site.client.cookies["recouvre_session"].rpartition(".")[0]
    response = site.client.post("/deconnexion", data={"csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?sortie=1"
    with pytest.raises(accounts.Unauthenticated):
        accounts.actor_from_token(site.services, token)
    assert audit_rows(site, "auth.sign_out")[-1].actor == "case_worker"
    response = site.client.get(f"{BASE}/corbeilles", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/connexion?suite={BASE}/corbeilles"


def test_pages_need_a_session(site: Site) -> None:
    for path in (f"{BASE}/corbeilles", f"{BASE}/debiteurs/D1", f"{BASE}/recherche", "/organismes"):
        response = site.client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/connexion")
    htmx = site.client.get(f"{BASE}/corbeilles", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["HX-Redirect"].startswith("/connexion")
    response = site.client.post(
        f"{BASE}/creances/C1/paiement", data={"csrf": "x", "montant": "1", "cle": "k"}, follow_redirects=False
    )
    assert response.status_code in (303, 403)  # no session: refused, never booked
    assert not audit_rows(site, "payments.record")


# CSRF -------------------------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused_and_books_nothing(site: Site) -> None:
    site.sign_in("case_worker")
    for response in (
        pay(site, None),
        pay(site, "not-the-token"),
        site.client.post(f"{BASE}/taches/{site.ids['task']}/attribution", data={"choix": "prendre"}),
        site.client.post("/deconnexion", data={}),
    ):
        assert response.status_code == 403
        assert "CSRF" in response.text
    assert "paiement" not in site.debtor_page().split('id="historique"')[1]
    assert not audit_rows(site, "payments.record")


def test_post_from_another_site_is_refused(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    response = site.client.post(
        f"{BASE}/creances/C1/paiement",
        data={"csrf": csrf, "debiteur": "D1", "montant": "1", "cle": "k1"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_htmx_sends_the_token_in_a_header(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    page = site.client.get(f"{BASE}/corbeilles")
    assert f'hx-headers=\'{{"X-CSRF-Token": "{csrf}"}}\'' in page.text
    response = site.client.post(
        f"{BASE}/taches/{site.ids['task']}/attribution",
        data={"choix": "prendre", "type": "phone_call"},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="taches"' in response.text
    assert "La tâche vous est attribuée." in response.text


# Queues and tasks -------------------------------------------------------------------------------


def test_queue_lists_and_takes_a_task(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    page = site.client.get(f"{BASE}/corbeilles")
    assert page.status_code == 200
    assert "Appel téléphonique" in page.text
    assert "Marie Durand" in page.text
    assert "Me l&#39;attribuer" in page.text or "Me l'attribuer" in page.text
    response = site.client.post(
        f"{BASE}/taches/{site.ids['task']}/attribution",
        data={"csrf": csrf, "choix": "prendre", "type": "phone_call", "statut": "open"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "fait=attribuee" in response.headers["location"]
    with site.services.db.unit_of_work() as session:
        task = session.get(TaskRow, site.ids["task"])
        assert task is not None and task.assignee == "case_worker"
    assert audit_rows(site, "tasks.assign")[-1].actor == "case_worker"
    mine = site.client.get(f"{BASE}/corbeilles", params={"attribution": "moi"})
    assert "(moi)" in mine.text
    assert "Remettre" in mine.text
    assert "Marie Durand" not in site.client.get(f"{BASE}/corbeilles", params={"attribution": "aucune"}).text


def test_record_a_contact_closes_the_task(site: Site) -> None:
    csrf = site.sign_in("phone_operator")
    page = site.debtor_page()
    assert "Enregistrer le contact" in page
    response = site.client.post(
        f"{BASE}/taches/{site.ids['task']}/cloture",
        data={"csrf": csrf, "debiteur": "D1", "issue": "promise", "date": "2026-03-12", "motif": "rappelle"},
    )
    assert response.status_code == 200
    assert "Le contact est enregistré" in response.text
    with site.services.db.unit_of_work() as session:
        task = session.get(TaskRow, site.ids["task"])
        assert task is not None and task.status == "done"
        assert task.data["outcome"] == "promise"


# Debtor file and actions ------------------------------------------------------------------------


def test_debtor_file_shows_claims_ledger_timeline_and_masks_identifiers(site: Site) -> None:
    site.sign_in("case_worker")
    page = site.debtor_page()
    for expected in ("Marie Durand", "C1", "C2", "Grand livre", "constatation", "Historique et courriers"):
        assert expected in page
    assert "400,00" in page and "300,00" in page
    assert "700,00" in page  # the debtor's total
    assert "Notification de dette" in page  # the letter of the establishment, with its PDF
    assert re.search(r'href="/o/CAF-TEST/debiteurs/D1/courriers/\d+\.pdf"', page)
    assert NIRS[0][:2] + "…" + NIRS[0][-2:] in page
    assert_no_identifier(page)


def test_letter_pdf(site: Site) -> None:
    site.sign_in("case_worker")
    letter = re.search(r"/courriers/(\d+)\.pdf", site.debtor_page())
    assert letter is not None
    response = site.client.get(f"{BASE}/debiteurs/D1/courriers/{letter.group(1)}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # A letter of another debtor is not reachable through this debtor's file.
    other = site.client.get(f"{BASE}/debiteurs/D2/courriers/{letter.group(1)}.pdf")
    assert other.status_code == 404


def test_payment_changes_the_ledger_and_is_audited(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    response = pay(site, csrf, amount="25,50")
    assert response.status_code == 200
    page = response.text
    assert "Le paiement est enregistré." in page
    assert "-25,50" in page
    assert "674,50" in page  # 700.00 - 25.50
    row = audit_rows(site, "payments.record")[-1]
    assert (row.actor, row.outcome) == ("case_worker", "done")
    # The same form sent twice (same payment reference) books the payment once.
    pay(site, csrf, amount="25,50")
    assert site.debtor_page().count("-25,50") == 2  # the ledger line and the timeline entry


def test_invalid_amount_is_shown_and_nothing_is_booked(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    response = pay(site, csrf, amount="douze")
    assert response.status_code == 422
    assert "Montant : montant attendu" in response.text
    assert "douze" in response.text  # the form is given back, open
    assert not audit_rows(site, "payments.record")


def test_promise_plan_suspension_and_remission_request(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    post = site.client.post
    base = {"csrf": csrf, "debiteur": "D1"}
    response = post(
        f"{BASE}/creances/C1/promesse",
        data={**base, "montant": "50", "echeance": "2026-04-10", "date": "2026-03-10"},
    )
    assert "La promesse de paiement est enregistrée." in response.text
    response = post(
        f"{BASE}/creances/C1/echeancier",
        data={**base, "mensualite": "40", "premiere_echeance": "2026-04-05", "date": "2026-03-10"},
    )
    assert "L&#39;échéancier est accordé." in response.text or "L'échéancier est accordé." in response.text
    assert "40,00" in response.text and "par mois" in response.text
    response = post(
        f"{BASE}/creances/C1/suspension",
        data={**base, "date": "2026-03-10", "jusqu_au": "2026-06-30", "motif": "recours annoncé"},
    )
    assert "Le recouvrement est suspendu." in response.text
    assert [row.outcome for row in audit_rows(site, "promises.record")] == ["done"]
    assert [row.outcome for row in audit_rows(site, "plans.agree")] == ["done"]
    assert [row.outcome for row in audit_rows(site, "recovery.suspend")] == ["done"]
    response = post(
        f"{BASE}/creances/C1/demande-remise", data={**base, "date": "2026-03-11", "canal": "courrier"}
    )
    assert "La demande de remise est enregistrée." in response.text


def test_a_refused_command_is_shown_with_its_reason(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    response = site.client.post(
        f"{BASE}/creances/C1/suspension",
        data={"csrf": csrf, "debiteur": "D1", "date": "2026-03-10", "jusqu_au": "2026-06-30", "motif": ""},
    )
    assert response.status_code == 422
    assert "Motif : à renseigner" in response.text


# Roles ------------------------------------------------------------------------------------------


def test_buttons_follow_the_role(site: Site) -> None:
    site.sign_in("case_worker")
    worker = site.debtor_page()
    assert "Enregistrer un paiement" in worker
    assert "Proposer une admission en non-valeur" in worker
    site.sign_in("phone_operator")
    operator = site.debtor_page()
    assert "Enregistrer un paiement" not in operator
    assert "Enregistrer une promesse de paiement" in operator
    assert "Accorder un échéancier" in operator
    assert "Suspendre le recouvrement" not in operator
    site.sign_in("auditor")
    auditor = site.debtor_page()
    assert "Enregistrer" not in auditor.split('id="creances"')[1]
    assert "Me l&#39;attribuer" not in auditor and "Me l'attribuer" not in auditor


def test_forbidden_action_gets_a_403_page_and_a_denied_audit_row(site: Site) -> None:
    csrf = site.sign_in("phone_operator")
    response = pay(site, csrf)
    assert response.status_code == 403
    assert "Action non permise" in response.text
    assert 'lang="fr"' in response.text
    denied = audit_rows(site, "payments.record")[-1]
    assert (denied.actor, denied.outcome) == ("phone_operator", "denied")
    # Separation of duties: the ordonnateur who established C1 may not book its payment.
    csrf = site.sign_in("ordonnateur")
    response = pay(site, csrf)
    assert response.status_code == 403
    assert "séparation ordonnateur / comptable" in response.text
    # An auditor reads but may not take a task.
    csrf = site.sign_in("auditor")
    response = site.client.post(
        f"{BASE}/taches/{site.ids['task']}/attribution", data={"csrf": csrf, "choix": "prendre"}
    )
    assert response.status_code == 403


def test_agency_sees_only_its_files(site: Site) -> None:
    site.sign_in("collection_agency")
    assert site.client.get(f"{BASE}/debiteurs/D2").status_code == 200
    response = site.client.get(f"{BASE}/debiteurs/D1")
    assert response.status_code == 403
    assert "non confié" in response.text


def test_another_organism_is_forbidden(site: Site) -> None:
    site.sign_in("case_worker")
    response = site.client.get("/o/CAF-AUTRE/corbeilles")
    assert response.status_code == 403


def test_decide_a_proposal_maker_checker(site: Site) -> None:
    csrf = site.sign_in("proposer")
    page = site.client.get(f"{BASE}/propositions").text
    assert "Vous avez fait cette proposition" in page
    csrf = site.sign_in("board_member")
    page = site.client.get(f"{BASE}/propositions").text
    assert "Admission en non-valeur" in page
    response = site.client.post(
        f"{BASE}/propositions/write_off/{site.ids['write_off']}/decision",
        data={"csrf": csrf, "decision": "approuver", "date": "2026-03-14", "motif": "insolvabilité avérée"},
    )
    assert response.status_code == 200
    assert "La décision est enregistrée." in response.text
    decided = audit_rows(site, "write_offs.decide")[-1]
    assert (decided.actor, decided.outcome) == ("board_member", "done")


# Search -----------------------------------------------------------------------------------------


def test_search_by_nir_shows_it_masked(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    spaced = spellings(NIRS[0])[3]
    response = site.client.post(f"{BASE}/recherche", data={"csrf": csrf, "q": spaced})
    assert response.status_code == 200
    assert "Marie Durand" in response.text
    assert "Jean Martin" not in response.text
    assert f"{NIRS[0][:2]}…{NIRS[0][-2:]}" in response.text
    assert_no_identifier(response.text)


def test_search_by_name_and_by_claim_reference(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    by_name = site.client.post(f"{BASE}/recherche", data={"csrf": csrf, "q": "mart"}).text
    assert "Jean Martin" in by_name and "Marie Durand" not in by_name
    assert_no_identifier(by_name)
    by_claim = site.client.post(f"{BASE}/recherche", data={"csrf": csrf, "q": "C3"}).text
    assert "Jean Martin" in by_claim
    short = site.client.post(f"{BASE}/recherche", data={"csrf": csrf, "q": "a"})
    assert short.status_code == 422


def test_no_identifier_in_logs(site: Site, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    csrf = site.sign_in("case_worker")
    found = [site.client.post(f"{BASE}/recherche", data={"csrf": csrf, "q": nir}).text for nir in NIRS]
    assert "Marie Durand" in found[0] and "Jean Martin" in found[1]  # the NIRs went through the app
    site.debtor_page("D1")
    site.debtor_page("D2")
    pay(site, csrf)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records)
    # the requests were logged (an empty log would hide nothing)
    assert logged.count(f"POST {BASE}/recherche -> 200") == 2
    assert f"POST {BASE}/creances/C1/paiement -> 303" in logged
    assert_no_identifier(logged)


# Static files and accessibility -----------------------------------------------------------------


def test_htmx_is_served_by_the_application(site: Site) -> None:
    response = site.client.get("/static/htmx.min.js")
    assert response.status_code == 200
    assert "htmx" in response.text[:200]
    assert site.client.get("/static/recouvre.css").status_code == 200
    page = site.client.get("/connexion")
    assert '<script src="/static/htmx.min.js"' in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN
    assert "script-src 'self'" in page.headers["content-security-policy"]


class Inputs:
    """Every visible form control of a page, and the labels pointing at ids."""

    def __init__(self, page: str) -> None:
        self.controls = re.findall(r"<(?:input|select|textarea)\b[^>]*>", page)
        self.labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', page))

    def unlabelled(self) -> list[str]:
        missing = []
        for control in self.controls:
            if 'type="hidden"' in control:
                continue
            if 'type="radio"' in control:
                continue  # wrapped in their <label>
            ident = re.search(r'\bid="([^"]+)"', control)
            if ident is None or ident.group(1) not in self.labelled:
                missing.append(control)
        return missing


def test_pages_are_accessible_in_structure(site: Site) -> None:
    csrf = site.sign_in("accountant")
    pages = {
        "connexion": site.client.get("/connexion").text,
        "corbeilles": site.client.get(f"{BASE}/corbeilles").text,
        "dossier": site.debtor_page(),
        "recherche": site.client.post(f"{BASE}/recherche", data={"csrf": csrf, "q": "durand"}).text,
        "propositions": site.client.get(f"{BASE}/propositions").text,
    }
    site.client.cookies.clear()
    pages["connexion"] = site.client.get("/connexion").text
    for name, page in pages.items():
        assert '<html lang="fr">' in page, name
        assert '<a class="skip-link" href="#contenu">' in page, name
        assert '<main id="contenu"' in page, name
        assert "<header" in page and "<footer" in page, name
        assert page.count("<h1") == 1, name
        assert Inputs(page).unlabelled() == [], name
        ids = re.findall(r'\bid="([^"]+)"', page)
        assert len(ids) == len(set(ids)), f"{name}: duplicate ids"
    assert 'aria-label="Navigation principale"' in pages["corbeilles"]
    assert 'aria-current="page"' in pages["corbeilles"]


def test_secret_must_be_long_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    from recouvre.web.session import SecretTooShort, load_secret

    monkeypatch.setenv("RECOUVRE_WEB_SECRET", "court")
    with pytest.raises(SecretTooShort):
        load_secret()
    monkeypatch.setenv("RECOUVRE_WEB_SECRET", "x" * 40)
    assert load_secret() == b"x" * 40
    monkeypatch.delenv("RECOUVRE_WEB_SECRET")
    assert load_secret() != load_secret()
    assert SECRET  # the tests' own secret is passed to mount_web, never read from the repository


def test_htmx_error_replaces_the_content(site: Site) -> None:
    csrf = site.sign_in("auditor")
    response = site.client.post(
        f"{BASE}/taches/{site.ids['task']}/attribution",
        data={"choix": "prendre"},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )
    assert response.status_code == 403
    assert response.headers["HX-Retarget"] == "#contenu"
    assert response.headers["HX-Reselect"] == "#contenu"


def test_mount_web_replaces_the_placeholder_and_is_idempotent(site: Site) -> None:
    from recouvre.server import create_app
    from recouvre.web import mount_web

    app = create_app(site.services)
    mount_web(app, secret=SECRET)
    count = len(app.router.routes)
    mount_web(app)
    assert len(app.router.routes) == count
    assert app.state.web_secret == SECRET
    with build_app(site.services) as client:  # create_app's placeholder page is gone
        response = client.get("/", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/connexion")
