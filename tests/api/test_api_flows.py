"""The API end to end, through TestClient: sign-in, reads, commands, errors."""

from __future__ import annotations

from datetime import timedelta

from recouvre.security.settings import ACCOUNT_FREE_FAILURES, ACCOUNT_MAX_DELAY, TOKEN_LIFETIME

from .conftest import IBANS, NIRS, ORG, PASSWORD, BackOffice

BASE = f"/api/v1/organisms/{ORG}"


def test_sign_in_and_me(back_office: BackOffice) -> None:
    client = back_office.client
    response = client.post("/api/v1/auth/token", json={"username": "case_worker", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["username"] == "case_worker" and "payments.record" in me["actions"]
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert (
        client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    )
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_token_expires(back_office: BackOffice) -> None:
    headers = back_office.headers("manager")
    assert back_office.client.get("/api/v1/me", headers=headers).status_code == 200
    back_office.clock.advance(TOKEN_LIFETIME + timedelta(seconds=1))
    response = back_office.client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401 and "expiré" in response.json()["detail"]


def test_repeated_failures_are_throttled_not_locked(back_office: BackOffice) -> None:
    client = back_office.client
    for _ in range(ACCOUNT_FREE_FAILURES):
        wrong = client.post(
            "/api/v1/auth/token", json={"username": "manager", "password": "faux mot de passe"}
        )
        assert wrong.status_code == 401 and "locked_until" not in wrong.json()
    right = client.post("/api/v1/auth/token", json={"username": "manager", "password": PASSWORD})
    assert right.status_code == 429 and int(right.headers["Retry-After"]) >= 1
    back_office.clock.advance(ACCOUNT_MAX_DELAY + timedelta(seconds=1))
    assert (
        client.post("/api/v1/auth/token", json={"username": "manager", "password": PASSWORD}).status_code
        == 200
    )


def test_debtor_search_masks_personal_data(back_office: BackOffice) -> None:
    found = back_office.post("case_worker", f"{BASE}/debtors/search", {"nir": NIRS[0], "on": "2026-03-01"})
    assert isinstance(found, list) and [item["ref"] for item in found] == ["D1"]
    item = found[0]
    assert item["nir"] == f"{NIRS[0][:2]}…{NIRS[0][-2:]}" and NIRS[0] not in str(found)
    assert item["iban"] == f"{IBANS[0][:2]}…{IBANS[0][-2:]}" and IBANS[0] not in str(found)
    assert item["claims"] == 2 and item["balance"] == "700.00"
    by_name = back_office.post("case_worker", f"{BASE}/debtors/search", {"name": "mart", "on": "2026-03-01"})
    assert [item["ref"] for item in by_name] == ["D2"]  # type: ignore[union-attr]
    by_ref = back_office.post("case_worker", f"{BASE}/debtors/search", {"ref": "D", "on": "2026-03-01"})
    assert [item["ref"] for item in by_ref] == ["D1", "D2"]  # type: ignore[union-attr]
    empty = back_office.client.post(
        f"{BASE}/debtors/search", headers=back_office.headers("case_worker"), json={"on": "2026-03-01"}
    )
    assert empty.status_code == 422 and empty.json()["field"] == "search"


def test_debtor_file(back_office: BackOffice) -> None:
    file = back_office.get("case_worker", f"{BASE}/debtors/D2", on="2026-03-01")
    assert isinstance(file, dict)
    assert file["nir"] == f"{NIRS[1][:2]}…{NIRS[1][-2:]}"
    assert [(c["ref"], c["balance"], c["status"], c["phase"]) for c in file["claims"]] == [
        ("C3", "250.00", "open", "amicable"),
        ("C4", "500.00", "open", "amicable"),
    ]
    assert file["claims"][1]["placed_with"] == "other"
    assert {m["kind"] for m in file["movements"]} == {"established"}
    assert [letter["type"] for letter in file["letters"]] == ["notification", "notification"]
    assert [task["type"] for task in file["tasks"]] == ["phone_call"]
    assert (
        back_office.client.get(
            f"{BASE}/debtors/NOPE", headers=back_office.headers("case_worker"), params={"on": "2026-03-01"}
        ).status_code
        == 404
    )


def test_payment_plan_promise_suspend_resume(back_office: BackOffice) -> None:
    paid = back_office.post(
        "accountant", f"{BASE}/claims/C3/payments", {"amount": "120.50", "on": "2026-03-02", "key": "VIR-1"}
    )
    assert isinstance(paid, dict) and paid["balance"] == "129.50" and paid["new"] is True
    again = back_office.post(
        "accountant", f"{BASE}/claims/C3/payments", {"amount": "120.50", "on": "2026-03-02", "key": "VIR-1"}
    )
    assert isinstance(again, dict) and again["new"] is False and again["balance"] == "129.50"
    plan = back_office.post(
        "phone_operator",
        f"{BASE}/claims/C3/plans",
        {"monthly": "50", "first_due": "2026-04-05", "on": "2026-03-03", "why": "appel"},
    )
    assert isinstance(plan, dict) and plan["months"] == 3 and plan["monthly"] == "50.00"
    back_office.post(
        "phone_operator",
        f"{BASE}/claims/C4/promises",
        {"amount": "100", "due_on": "2026-03-20", "on": "2026-03-03"},
        204,
    )
    suspended = back_office.post(
        "case_worker",
        f"{BASE}/claims/C4/suspension",
        {"on": "2026-03-04", "until": "2026-06-30", "why": "enquête"},
    )
    assert isinstance(suspended, dict) and suspended["status"] == "suspended"
    resumed = back_office.post(
        "case_worker", f"{BASE}/claims/C4/resumption", {"on": "2026-03-10", "why": "fin"}
    )
    assert isinstance(resumed, dict) and resumed["status"] == "open"
    claim = back_office.get("auditor", f"{BASE}/claims/C3", on="2026-03-31")
    assert isinstance(claim, dict)
    assert claim["plan"]["monthly"] == "50.00" and claim["established_by"] == "ordonnateur"
    assert [m["signed"] for m in claim["movements"]] == ["250.00", "-120.50"]


def test_invalid_amount_names_field_and_value(back_office: BackOffice) -> None:
    response = back_office.client.post(
        f"{BASE}/claims/C3/payments",
        headers=back_office.headers("accountant"),
        json={"amount": "12,5", "on": "2026-03-02", "key": "X"},
    )
    assert response.status_code == 422 and "amount" in response.text
    before = back_office.client.post(
        f"{BASE}/claims/C3/payments",
        headers=back_office.headers("accountant"),
        json={"amount": "10", "on": "2025-01-01", "key": "X"},
    )
    assert before.status_code == 409 and "established on 2026-01-10" in before.json()["detail"]


def test_claim_author_may_not_book_its_recovery(back_office: BackOffice) -> None:
    response = back_office.client.post(
        f"{BASE}/claims/C1/payments",
        headers=back_office.headers("ordonnateur"),
        json={"amount": "10", "on": "2026-03-02", "key": "X"},
    )
    assert response.status_code == 403 and "séparation" in response.json()["detail"]
    created = back_office.post(
        "case_worker",
        f"{BASE}/claims",
        {
            "ref": "C9",
            "debtor": "D1",
            "benefit": "AF",
            "responsibility": "debtor_error",
            "lines": [{"paid_on": "2026-01-05", "amount": "80.00"}],
            "established_on": "2026-02-01",
            "notified_on": "2026-02-03",
        },
        201,
    )
    assert (
        isinstance(created, dict)
        and created["established_by"] == "case_worker"
        and created["balance"] == "80.00"
    )
    own = back_office.client.post(
        f"{BASE}/claims/C9/write-off-proposals",
        headers=back_office.headers("case_worker"),
        json={"on": "2026-03-02", "why": "x"},
    )
    assert own.status_code == 403


def test_maker_checker(back_office: BackOffice) -> None:
    ids = back_office.ids
    response = back_office.client.post(
        f"{BASE}/write-off-proposals/{ids['write_off']}/decision",
        headers=back_office.headers("board_member"),
        json={"approve": True, "on": "2026-03-05", "why": "irrécouvrable"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "approved" and response.json()["decided_by"] == "board_member"
    claim = back_office.get("auditor", f"{BASE}/claims/C3", on="2026-03-05")
    assert isinstance(claim, dict) and claim["status"] == "written_off" and claim["balance"] == "0.00"
    # the accountant proposes, and may not decide his own proposal
    proposal = back_office.post(
        "accountant", f"{BASE}/claims/C4/write-off-proposals", {"on": "2026-03-05", "why": "disparu"}, 201
    )
    assert isinstance(proposal, dict)
    own = back_office.client.post(
        f"{BASE}/write-off-proposals/{proposal['id']}/decision",
        headers=back_office.headers("accountant"),
        json={"approve": True, "on": "2026-03-05", "why": "x"},
    )
    assert own.status_code == 403 and "autre personne" in own.json()["detail"]
    remission = back_office.client.post(
        f"{BASE}/remission-proposals/{ids['remission']}/decision",
        headers=back_office.headers("director"),
        json={"approve": True, "on": "2026-03-06", "why": "accord"},
    )
    assert remission.status_code == 200, remission.text
    claim = back_office.get("auditor", f"{BASE}/claims/C2", on="2026-03-06")
    assert isinstance(claim, dict) and claim["balance"] == "150.00"
    pending = back_office.get("manager", f"{BASE}/proposals")
    assert [p["claim"] for p in pending] == ["C4"]  # type: ignore[union-attr]


def test_agency_sees_only_placed_files(back_office: BackOffice) -> None:
    found = back_office.post("collection_agency", f"{BASE}/debtors/search", {"ref": "D", "on": "2026-03-01"})
    assert [item["ref"] for item in found] == ["D1"]  # type: ignore[union-attr]
    file = back_office.get("collection_agency", f"{BASE}/debtors/D1", on="2026-03-01")
    assert isinstance(file, dict) and [c["ref"] for c in file["claims"]] == ["C1"]
    assert [m["claim"] for m in file["movements"]] == ["C1"] and file["tasks"] == []
    assert [letter["claims"] for letter in file["letters"]] == [["C1"]]
    other = back_office.client.get(
        f"{BASE}/claims/C2", headers=back_office.headers("collection_agency"), params={"on": "2026-03-01"}
    )
    assert other.status_code == 403
    d2 = back_office.client.get(
        f"{BASE}/debtors/D2", headers=back_office.headers("collection_agency"), params={"on": "2026-03-01"}
    )
    assert d2.status_code == 403
    paid = back_office.post(
        "collection_agency",
        f"{BASE}/claims/C1/payments",
        {"amount": "40", "on": "2026-03-10", "key": "ACME-1"},
    )
    assert isinstance(paid, dict) and paid["balance"] == "360.00"


def test_recall_ends_the_agency_view(back_office: BackOffice) -> None:
    placed = back_office.post(
        "case_worker", f"{BASE}/claims/C2/placements", {"agency": "acme", "placed_from": "2026-03-01"}, 201
    )
    assert isinstance(placed, dict)
    assert (
        back_office.client.get(
            f"{BASE}/claims/C2", headers=back_office.headers("collection_agency"), params={"on": "2026-03-01"}
        ).status_code
        == 200
    )
    back_office.post("case_worker", f"{BASE}/placements/{placed['id']}/recall", {"on": "2026-03-15"})
    assert (
        back_office.client.get(
            f"{BASE}/claims/C2", headers=back_office.headers("collection_agency"), params={"on": "2026-03-01"}
        ).status_code
        == 403
    )


def test_queues_and_tasks(back_office: BackOffice) -> None:
    counts = back_office.get("manager", f"{BASE}/queues")
    assert counts == [{"type": "phone_call", "status": "open", "count": 2, "unassigned": 2}]
    queue = back_office.get("manager", f"{BASE}/tasks", on="2026-03-15")
    assert isinstance(queue, dict) and queue["total"] == 2
    # C1 (400 €) before C3 (250 €): neither is near prescription, the larger balance first
    assert [(t["claim"], t["priority"]) for t in queue["tasks"]] == [("C1", 1), ("C3", 2)]
    assert queue["tasks"][0]["reasons"][0].startswith("solde")
    task = back_office.ids["task"]
    assigned = back_office.post(
        "manager", f"{BASE}/tasks/{task}/assignment", {"assignee": "phone_operator", "on": "2026-03-15"}
    )
    assert isinstance(assigned, dict) and assigned["assignee"] == "phone_operator"
    mine = back_office.get("phone_operator", f"{BASE}/tasks", on="2026-03-15", assignee="phone_operator")
    assert isinstance(mine, dict) and [t["id"] for t in mine["tasks"]] == [task]
    closed = back_office.post(
        "phone_operator", f"{BASE}/tasks/{task}/closing", {"outcome": "reached", "on": "2026-03-15"}
    )
    assert isinstance(closed, dict) and closed["status"] == "done"
    again = back_office.client.post(
        f"{BASE}/tasks/{task}/closing",
        headers=back_office.headers("phone_operator"),
        json={"outcome": "reached", "on": "2026-03-15"},
    )
    assert again.status_code == 422


def test_cycle_and_summary(back_office: BackOffice) -> None:
    done = back_office.post("administrator", f"{BASE}/cycles", {"month": "2026-03"})
    assert isinstance(done, dict) and done["run_on"] == "2026-04-01" and done["already_done"] is False
    again = back_office.post("administrator", f"{BASE}/cycles", {"month": "2026-03"})
    assert isinstance(again, dict) and again["already_done"] is True
    summary = back_office.get("manager", f"{BASE}/summary", on="2026-03-31")
    assert isinstance(summary, dict) and summary["total"]["count"] == 4
    assert summary["total"]["principal"] == "1450.00"


def test_users_and_mandates(back_office: BackOffice) -> None:
    created = back_office.post(
        "administrator",
        "/api/v1/users",
        {"username": "nouveau", "roles": ["case_worker"], "organism": ORG},
        201,
    )
    assert isinstance(created, dict) and created["roles"] == ["case_worker"]
    assert created["active"] is False and created["change_status"] == "pending"
    assert created["activation_token"] is None, "a financial duty waits for the director"
    chosen = back_office.client.post(
        "/api/v1/users",
        headers=back_office.headers("administrator"),
        json={"username": "choisi", "password": PASSWORD, "roles": ["manager"]},
    )
    assert chosen.status_code == 422 and PASSWORD not in chosen.text, "nobody chooses another's password"
    approved = back_office.post("director", "/api/v1/users/nouveau/decision", {"approve": True, "why": "ok"})
    assert isinstance(approved, dict) and approved["change_status"] == "approved"
    token = approved["activation_token"]
    assert approved["activation_link"] == f"/activer/{token}" and approved["active"] is False
    weak = back_office.client.post("/api/v1/auth/activate", json={"token": token, "password": "court"})
    assert weak.status_code == 422 and weak.json()["field"] == "password" and "court" not in weak.text
    opened = back_office.client.post("/api/v1/auth/activate", json={"token": token, "password": PASSWORD})
    assert opened.status_code == 200 and opened.json()["active"] is True, opened.text
    again = back_office.client.post("/api/v1/auth/activate", json={"token": token, "password": PASSWORD})
    assert again.status_code == 400 and "déjà utilisé" in again.text
    signed = back_office.client.post("/api/v1/auth/token", json={"username": "nouveau", "password": PASSWORD})
    assert signed.status_code == 200
    users = back_office.get("auditor", "/api/v1/users")
    assert "nouveau" in [u["username"] for u in users]  # type: ignore[union-attr]
    disabled = back_office.post("administrator", "/api/v1/users/nouveau/disable", {"why": "départ"})
    assert isinstance(disabled, dict) and disabled["active"] is False
    granted = back_office.post(
        "director",
        "/api/v1/mandates",
        {
            "user": "accountant",
            "power": "represent_in_court",
            "valid_from": "2026-03-01",
            "valid_until": "2026-06-30",
            "why": "audience du 12 avril",
        },
        201,
    )
    assert isinstance(granted, dict)
    me = back_office.get("accountant", "/api/v1/me")
    assert isinstance(me, dict) and "court.represent" in me["actions"]
    revoked = back_office.post(
        "director", f"/api/v1/mandates/{granted['id']}/revoke", {"on": "2026-03-15", "why": "fin"}
    )
    assert isinstance(revoked, dict) and revoked["revoked_on"] == "2026-03-15"
    me = back_office.get("accountant", "/api/v1/me")
    assert isinstance(me, dict) and "court.represent" not in me["actions"]


def test_audit_through_the_api(back_office: BackOffice) -> None:
    back_office.post(
        "accountant", f"{BASE}/claims/C3/payments", {"amount": "10", "on": "2026-03-02", "key": "A"}
    )
    rows = back_office.get("auditor", "/api/v1/audit", limit=5)
    assert isinstance(rows, list)
    payment = next(row for row in rows if row["action"] == "payments.record")
    assert payment["actor"] == "accountant" and payment["before"]["balance"] == "250.00"
    assert payment["after"]["balance"] == "240.00"
    verified = back_office.get("auditor", "/api/v1/audit/verify")
    assert isinstance(verified, dict) and verified["ok"] is True and verified["rows"] > 10
    denied = back_office.client.get("/api/v1/audit/verify", headers=back_office.headers("administrator"))
    assert denied.status_code == 403
    rows = back_office.get("auditor", "/api/v1/audit", limit=1)
    assert isinstance(rows, list) and rows[0]["outcome"] == "denied" and rows[0]["actor"] == "administrator"


def test_index_leads_to_the_sign_in_page(back_office: BackOffice) -> None:
    page = back_office.client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].endswith("/connexion")
    assert back_office.client.get("/openapi.json").status_code == 401  # behind sign-in
    assert back_office.client.get("/openapi.json", headers=back_office.headers("auditor")).json()["paths"]


def test_a_working_session_on_each_database(any_back_office: BackOffice) -> None:
    """Search, file, payment, queue, maker-checker and the audit chain, on SQLite and PostgreSQL."""
    office = any_back_office
    found = office.post("case_worker", f"{BASE}/debtors/search", {"nir": NIRS[1], "on": "2026-03-01"})
    assert [item["ref"] for item in found] == ["D2"]  # type: ignore[union-attr]
    paid = office.post(
        "accountant", f"{BASE}/claims/C4/payments", {"amount": "0.01", "on": "2026-03-02", "key": "K"}
    )
    assert isinstance(paid, dict) and paid["balance"] == "499.99"
    file = office.get("phone_operator", f"{BASE}/debtors/D2", on="2026-03-02")
    assert isinstance(file, dict) and file["balance"] == "749.99"
    queue = office.get("manager", f"{BASE}/tasks", on="2026-03-15")
    assert isinstance(queue, dict) and [t["claim"] for t in queue["tasks"]] == ["C1", "C3"]
    decided = office.post(
        "board_member",
        f"{BASE}/write-off-proposals/{office.ids['write_off']}/decision",
        {"approve": True, "on": "2026-03-05", "why": "irrécouvrable"},
    )
    assert isinstance(decided, dict) and decided["status"] == "approved"
    verified = office.get("auditor", "/api/v1/audit/verify")
    assert isinstance(verified, dict) and verified["ok"] is True
