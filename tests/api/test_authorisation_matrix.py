"""Role × endpoint: who is let through, who gets 403, and 401 without a token — for every endpoint.

The matrix below is written by hand from MISSION.md's table of people (it is the statement of
who may do what), independently of ``roles.yaml``, which it checks. Its rows are compared to the
application's route list: an endpoint added without a row here fails ``test_every_endpoint_has_a_row``.

An allowed call may still be refused by the rules (404, 409, 422: the fixture is shared and earlier
calls change it); what is checked is that authorisation lets it through (neither 401 nor 403).
The subjects are chosen so that only roles decide: claims established by another user
(``ordonnateur``), C1 placed with the agency's ``acme``, proposals made by a third user.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute

from recouvre.security.roles import default_roles

from .conftest import AGENCY as AGENCY_CODE
from .conftest import ORG, PASSWORD, ROLES, BackOffice

ALL = frozenset(ROLES)
PUBLIC = frozenset({"public"})
CW, ACC, DIR, BOARD, PHONE, AGENCY, MAN, AUD, ADM = ROLES
STAFF_READERS = frozenset({CW, ACC, DIR, BOARD, PHONE, AGENCY, MAN, AUD})
SEARCHERS = STAFF_READERS - {BOARD}
AGENCY_READERS = frozenset({CW, ACC, DIR, MAN, AUD})
ON = "2026-03-01"


@dataclass(frozen=True)
class Call:
    allowed: frozenset[str]
    params: dict[str, str] = field(default_factory=dict)
    body: dict[str, object] | None = None
    query: dict[str, str] = field(default_factory=dict)


B = f"/api/v1/organisms/{ORG}"
MATRIX: dict[tuple[str, str], Call] = {
    ("POST", "/api/v1/auth/token"): Call(PUBLIC, body={"username": "manager", "password": PASSWORD}),
    ("DELETE", "/api/v1/auth/token"): Call(ALL),
    ("GET", "/api/v1/me"): Call(ALL),
    ("GET", "/api/v1/organisms"): Call(ALL),
    ("POST", "/api/v1/organisms/{organism}/debtors/search"): Call(SEARCHERS, body={"ref": "D", "on": ON}),
    ("GET", "/api/v1/organisms/{organism}/debtors/{debtor}"): Call(
        STAFF_READERS, {"debtor": "D1"}, query={"on": ON}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims"): Call(
        frozenset({CW}),
        body={
            "ref": "M1",
            "debtor": "D1",
            "benefit": "AL",
            "responsibility": "debtor_error",
            "lines": [{"paid_on": "2025-09-05", "amount": "10.00"}],
            "established_on": "2026-01-10",
            "notified_on": "2026-01-10",
        },
    ),
    ("GET", "/api/v1/organisms/{organism}/claims/{claim}"): Call(
        STAFF_READERS, {"claim": "C1"}, query={"on": ON}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/payments"): Call(
        frozenset({CW, ACC, AGENCY}), {"claim": "C1"}, {"amount": "1", "on": "2026-03-02", "key": "M"}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/plans"): Call(
        frozenset({CW, ACC, PHONE}), {"claim": "C1"}, {"monthly": "50", "first_due": "2026-04-05", "on": ON}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/promises"): Call(
        frozenset({CW, ACC, PHONE, AGENCY}),
        {"claim": "C1"},
        {"amount": "5", "due_on": "2026-04-01", "on": ON},
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/contacts"): Call(
        frozenset({CW, PHONE, AGENCY}), {"claim": "C1"}, {"on": ON, "outcome": "reached"}
    ),
    # Appeals: filed on C2 (the first allowed role files it, the next ones are refused: pending),
    # decided on C3, which has none (each decider gets past authorisation, then 409), withdrawn
    # on C2 by the first allowed role.
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/appeals"): Call(
        frozenset({CW, ACC, DIR}), {"claim": "C2"}, {"on": ON}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/appeals/decision"): Call(
        frozenset({BOARD, DIR}), {"claim": "C3"}, {"on": "2026-03-02", "outcome": "rejected", "why": "m"}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/appeals/withdrawal"): Call(
        frozenset({CW, ACC, DIR}), {"claim": "C2"}, {"on": "2026-03-02"}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/suspension"): Call(
        frozenset({CW, ACC}), {"claim": "C1"}, {"on": ON, "until": "2026-03-05", "why": "m"}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/resumption"): Call(
        frozenset({CW, ACC}), {"claim": "C1"}, {"on": "2026-03-02", "why": "m"}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/placements"): Call(
        frozenset({CW, ACC}), {"claim": "C3"}, {"agency": "acme", "placed_from": ON}
    ),
    ("POST", "/api/v1/organisms/{organism}/placements/{placement}/recall"): Call(
        frozenset({CW, ACC}), {"placement": "recall"}, {"on": "2026-03-10"}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/remission-requests"): Call(
        frozenset({CW, ACC}), {"claim": "C4"}, {"on": ON}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/write-off-proposals"): Call(
        frozenset({CW, ACC}), {"claim": "C1"}, {"on": ON, "why": "m"}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/remission-proposals"): Call(
        frozenset({CW, ACC}), {"claim": "C2"}, {"on": ON, "rate": "10", "why": "m"}
    ),
    ("GET", "/api/v1/organisms/{organism}/proposals"): Call(frozenset({CW, ACC, DIR, BOARD, MAN, AUD})),
    ("POST", "/api/v1/organisms/{organism}/write-off-proposals/{proposal}/decision"): Call(
        frozenset({ACC, BOARD}), {"proposal": "write_off"}, {"approve": False, "on": "2026-03-02", "why": "m"}
    ),
    ("POST", "/api/v1/organisms/{organism}/remission-proposals/{proposal}/decision"): Call(
        frozenset({ACC, DIR}), {"proposal": "remission"}, {"approve": False, "on": "2026-03-02", "why": "m"}
    ),
    ("POST", "/api/v1/organisms/{organism}/cycles"): Call(frozenset({ADM}), body={"month": "2026-02"}),
    ("GET", "/api/v1/organisms/{organism}/summary"): Call(frozenset({ACC, DIR, MAN, AUD}), query={"on": ON}),
    ("GET", "/api/v1/organisms/{organism}/indicators"): Call(
        frozenset({ACC, DIR, MAN, AUD}), query={"from": "2026-01-01", "to": "2026-03-31"}
    ),
    ("GET", "/api/v1/organisms/{organism}/queues"): Call(frozenset({CW, ACC, PHONE, MAN, AUD})),
    ("GET", "/api/v1/organisms/{organism}/tasks"): Call(
        frozenset({CW, ACC, PHONE, MAN, AUD}), query={"on": ON}
    ),
    ("POST", "/api/v1/organisms/{organism}/tasks/{task}/assignment"): Call(
        frozenset({CW, ACC, PHONE, MAN}), {"task": "task"}, {"assignee": "case_worker", "on": "2026-03-02"}
    ),
    ("POST", "/api/v1/organisms/{organism}/tasks/{task}/closing"): Call(
        frozenset({CW, ACC, PHONE}), {"task": "task"}, {"outcome": "reached", "on": "2026-03-02"}
    ),
    ("GET", "/api/v1/users"): Call(frozenset({ADM, AUD, DIR})),
    ("POST", "/api/v1/users"): Call(
        frozenset({ADM}), body={"username": "m1", "roles": ["manager"], "organism": ORG}
    ),
    ("POST", "/api/v1/users/{username}/roles"): Call(
        frozenset({ADM}), {"username": "relabel"}, {"roles": ["manager"], "why": "m"}
    ),
    ("POST", "/api/v1/users/{username}/decision"): Call(
        frozenset({DIR}), {"username": "pending"}, {"approve": False, "why": "m"}
    ),
    ("POST", "/api/v1/auth/activate"): Call(PUBLIC, body={"token": "inconnu", "password": PASSWORD}),
    ("POST", "/api/v1/users/{username}/disable"): Call(
        frozenset({ADM}), {"username": "victim"}, {"why": "m"}
    ),
    ("GET", "/api/v1/mandates"): Call(frozenset({DIR, AUD, ADM})),
    ("POST", "/api/v1/mandates"): Call(
        frozenset({DIR}),
        body={
            "user": "accountant",
            "power": "represent_in_court",
            "valid_from": ON,
            "valid_until": "2026-12-31",
            "why": "m",
        },
    ),
    ("POST", "/api/v1/mandates/{mandate}/revoke"): Call(
        frozenset({DIR}), {"mandate": "mandate"}, {"on": "2026-03-10", "why": "m"}
    ),
    ("POST", "/api/v1/organisms/{organism}/campaigns"): Call(
        frozenset({MAN}), body={"trigger": "default_m2", "period_from": "2026-02-01", "period_to": ON}
    ),
    ("GET", "/api/v1/organisms/{organism}/campaigns"): Call(frozenset({CW, PHONE, MAN, AUD})),
    ("GET", "/api/v1/organisms/{organism}/campaigns/{campaign}/calls"): Call(
        frozenset({CW, PHONE, MAN, AUD}), {"campaign": "999"}, query={"on": ON}
    ),
    ("POST", "/api/v1/organisms/{organism}/campaigns/{campaign}/calls/{line}"): Call(
        frozenset({CW, PHONE}), {"campaign": "999", "line": "1"}, {"outcome": "no_answer", "on": ON}
    ),
    ("GET", "/api/v1/organisms/{organism}/campaigns/{campaign}/kpis"): Call(
        frozenset({CW, PHONE, MAN, AUD}), {"campaign": "999"}, query={"on": ON}
    ),
    ("GET", "/api/v1/audit"): Call(frozenset({AUD})),
    ("GET", "/api/v1/audit/verify"): Call(frozenset({AUD})),
    # The CNSS's own routes (api/cnss.py): seizures after the commandement, amnesty applications
    # (C1 is no contribution in forced recovery: the allowed roles are refused by the rules, 409).
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/seizures"): Call(
        frozenset({CW, ACC}),
        {"claim": "C1"},
        {"on": ON, "step": "served", "reference": "S1", "third_party": "B"},
    ),
    ("GET", "/api/v1/organisms/{organism}/claims/{claim}/seizures"): Call(STAFF_READERS, {"claim": "C1"}),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/amnesty"): Call(
        frozenset({CW, ACC}), {"claim": "C1"}, {"on": ON, "option": "full"}
    ),
    # Agencies (recouvre.api.agencies): the organism reads and manages them; an agency user reads
    # its own files and statements, reports on the files placed with it, declares its collections.
    ("GET", "/api/v1/organisms/{organism}/agencies"): Call(AGENCY_READERS),
    ("POST", "/api/v1/organisms/{organism}/agencies"): Call(
        frozenset({DIR, MAN}), body={"code": "acme", "kind": "amicable", "commission_rate": "8.00"}
    ),
    ("GET", "/api/v1/organisms/{organism}/agencies/{agency}/files"): Call(
        AGENCY_READERS | {AGENCY}, {"agency": "acme"}, query={"on": ON}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/agency-payments"): Call(
        frozenset({CW, ACC, AGENCY}),
        {"claim": "C1"},
        {"agency": "acme", "amount": "1", "on": "2026-03-02", "key": "AG"},
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/agency-reports"): Call(
        frozenset({AGENCY}),
        {"claim": "C1"},
        {"kind": "contact", "on": ON, "data": {"channel": "phone", "outcome": "reached"}, "key": "R1"},
    ),
    ("GET", "/api/v1/organisms/{organism}/agency-reports"): Call(AGENCY_READERS | {AGENCY}),
    ("POST", "/api/v1/organisms/{organism}/agency-reports/{report_id}/decision"): Call(
        frozenset({CW, ACC}), {"report_id": "999"}, {"approve": False, "on": "2026-03-02"}
    ),
    ("GET", "/api/v1/organisms/{organism}/agency-statements"): Call(
        AGENCY_READERS | {AGENCY}, query={"month": "2026-03"}
    ),
    ("GET", "/api/v1/organisms/{organism}/agency-league"): Call(
        AGENCY_READERS, query={"from": "2026-01-01", "to": "2026-03-31"}
    ),
    # Recovery for a third party and SATD received (api/third_party.py).
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/transfer"): Call(
        frozenset({ACC}), {"claim": "C2"}, {"on": "2026-03-10", "departement": "44"}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/departement"): Call(
        frozenset({ACC}), {"claim": "C2"}, {"on": "2026-03-10", "departement": "44"}
    ),
    ("GET", "/api/v1/organisms/{organism}/claims/{claim}/transfers"): Call(STAFF_READERS, {"claim": "C1"}),
    ("GET", "/api/v1/organisms/{organism}/claims/{claim}/transfer-file"): Call(
        frozenset({ACC, AUD, MAN}), {"claim": "C1"}
    ),
    ("GET", "/api/v1/organisms/{organism}/third-party-statements/{creditor}"): Call(
        frozenset({ACC, AUD, MAN}), {"creditor": "fnal"}, query={"month": "2026-03"}
    ),
    ("POST", "/api/v1/organisms/{organism}/debtors/{debtor}/satd"): Call(
        frozenset({ACC}),
        {"debtor": "D2"},
        {"creditor": "SIP", "reference": "M", "kind": "fraud", "amount": "1.00", "received_on": ON},
    ),
    ("GET", "/api/v1/organisms/{organism}/debtors/{debtor}/satd"): Call(STAFF_READERS, {"debtor": "D1"}),
    ("POST", "/api/v1/organisms/{organism}/satd/{notice}/release"): Call(
        frozenset({ACC}), {"notice": "999"}, {"on": "2026-03-10"}
    ),
    ("GET", "/api/v1/organisms/{organism}/satd-payables"): Call(frozenset({ACC})),
    ("POST", "/api/v1/organisms/{organism}/satd-payables/{payable}/payment"): Call(
        frozenset({ACC}), {"payable": "999"}, {"on": "2026-03-10"}
    ),
    # Enforcement titles (api/enforcement.py): no title 1 exists in the fixture, so the allowed
    # roles get past authorisation and then 404 (or 200 with the refusal for the batch signature).
    ("GET", "/api/v1/organisms/{organism}/claims/{claim}/titles"): Call(
        STAFF_READERS, {"claim": "C1"}, query={"on": ON}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/titles"): Call(
        frozenset({CW}), {"claim": "C2"}, {"on": ON}
    ),
    ("GET", "/api/v1/organisms/{organism}/titles/basket"): Call(frozenset({DIR}), query={"on": ON}),
    ("POST", "/api/v1/organisms/{organism}/titles/signatures"): Call(
        frozenset({DIR}), body={"on": ON, "titles": [1]}
    ),
    ("GET", "/api/v1/organisms/{organism}/titles/queue"): Call(
        frozenset({CW, ACC, PHONE, MAN, AUD}), query={"on": ON}
    ),
    ("POST", "/api/v1/organisms/{organism}/titles/{title}/acts"): Call(
        frozenset({CW, DIR}), {"title": "1"}, {"act": "served", "on": ON, "via": "bailiff"}
    ),
    ("GET", "/api/v1/organisms/{organism}/titles/{title}/document"): Call(STAFF_READERS, {"title": "1"}),
    ("POST", "/api/v1/organisms/{organism}/letters/{letter}/status"): Call(
        frozenset({CW}), {"letter": "999999"}, {"status": "delivered", "on": ON}
    ),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/acknowledgments"): Call(
        frozenset({CW, ACC}), {"claim": "C4"}, {"on": "2026-03-02"}
    ),
    # Money in (api/money_in.py): the accountant receives and reconciles bank credits.
    ("POST", "/api/v1/organisms/{organism}/bank/statements"): Call(frozenset({ACC})),
    ("GET", "/api/v1/organisms/{organism}/bank/credits"): Call(frozenset({CW, ACC, AUD})),
    ("GET", "/api/v1/organisms/{organism}/bank/credits/{credit}/suggestions"): Call(
        frozenset({CW, ACC, AUD}), {"credit": "1"}
    ),
    ("POST", "/api/v1/organisms/{organism}/bank/credits/{credit}/book"): Call(
        frozenset({ACC}), {"credit": "1"}, {"claim": "C2", "on": ON}
    ),
    ("POST", "/api/v1/organisms/{organism}/bank/credits/{credit}/return"): Call(
        frozenset({ACC}), {"credit": "1"}, {"on": ON, "reason": "inconnu"}
    ),
    ("GET", "/api/v1/organisms/{organism}/claims/{claim}/payment-reference"): Call(
        STAFF_READERS, {"claim": "C1"}
    ),
    ("POST", "/api/v1/organisms/{organism}/debtors/{debtor}/sepa-mandates"): Call(
        frozenset({CW, ACC}), {"debtor": "D1"}, {"iban": "FR1420041010050500013M02606", "signed_on": ON}
    ),
    ("GET", "/api/v1/organisms/{organism}/debtors/{debtor}/sepa-mandates"): Call(
        STAFF_READERS, {"debtor": "D1"}
    ),
    ("POST", "/api/v1/organisms/{organism}/direct-debits/runs"): Call(frozenset({ACC}), body={"on": ON}),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/direct-debit-returns"): Call(
        frozenset({ACC}), {"claim": "C2"}, {"on": ON, "reason": "AM04"}
    ),
    ("POST", "/api/v1/organisms/{organism}/direct-debits/prenotifications"): Call(
        frozenset({ACC}), body={"due_on": "2026-04-05", "on": ON}
    ),
    ("POST", "/api/v1/organisms/{organism}/direct-debits/files"): Call(
        frozenset({ACC}),
        body={
            "due_on": "2026-04-05",
            "on": ON,
            "creditor": {"name": "CAF", "iban": "FR7630006000011234567890189", "bic": "AGRIFRPP"},
            "creditor_id": "FR72ZZZ123456",
        },
    ),
    ("POST", "/api/v1/organisms/{organism}/direct-debits/returns"): Call(frozenset({ACC}), query={"on": ON}),
    ("POST", "/api/v1/organisms/{organism}/claims/{claim}/refund-proposals"): Call(
        frozenset({CW}), {"claim": "C2"}, {"on": ON, "why": "trop-perçu"}
    ),
    ("POST", "/api/v1/organisms/{organism}/refunds/files"): Call(
        frozenset({ACC}),
        body={"on": ON, "debtor": {"name": "CAF", "iban": "FR7630006000011234567890189", "bic": "AGRIFRPP"}},
    ),
}


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every API route of the application, those of the included routers too (FastAPI keeps an
    included router as one entry whose ``original_router`` holds its routes)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes)


def endpoints(back_office: BackOffice) -> set[tuple[str, str]]:
    """The API's routes, from its router and from its OpenAPI document (both must agree)."""
    found: set[tuple[str, str]] = set()
    for route in _api_routes(back_office.client.app.routes):  # type: ignore[attr-defined]
        if route.include_in_schema and route.path.startswith("/api/v1/"):
            found.update((method, route.path) for method in route.methods)
    published = back_office.client.get("/openapi.json", headers=back_office.headers("auditor")).json()[
        "paths"
    ]
    documented = {(method.upper(), path) for path, item in published.items() for method in item}
    assert documented == found
    return found


def test_every_endpoint_has_a_row(back_office: BackOffice) -> None:
    routes = endpoints(back_office)
    assert sorted(routes - set(MATRIX)) == [], "endpoints without a row in the authorisation matrix"
    assert sorted(set(MATRIX) - routes) == [], "rows for endpoints that do not exist"


def _url(back_office: BackOffice, path: str, call: Call) -> str:
    values = {"organism": ORG}
    for name, value in call.params.items():
        values[name] = str(back_office.ids[value]) if value in back_office.ids else value
    return path.format(**values)


def _send(back_office: BackOffice, method: str, url: str, call: Call, token: str | None) -> int:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    response = back_office.client.request(method, url, headers=headers, json=call.body, params=call.query)
    assert response.status_code < 500, response.text
    return response.status_code


def test_the_matrix(back_office: BackOffice) -> None:
    failures: list[str] = []
    for (method, path), call in sorted(MATRIX.items()):
        url = _url(back_office, path, call)
        anonymous = _send(back_office, method, url, call, None)
        if call.allowed is PUBLIC:
            if anonymous in (401, 403):
                failures.append(f"{method} {path}: public, got {anonymous} anonymously")
            continue
        if anonymous != 401:
            failures.append(f"{method} {path}: anonymous got {anonymous}, expected 401")
        for role in ROLES:
            # signing out revokes the token it is called with: each call gets its own token
            token = (
                back_office.client.post(
                    "/api/v1/auth/token", json={"username": role, "password": PASSWORD}
                ).json()["access_token"]
                if method == "DELETE"
                else back_office.tokens.get(role) or back_office.headers(role)["Authorization"][7:]
            )
            status = _send(back_office, method, url, call, token)
            expected_allowed = role in call.allowed
            if expected_allowed and status in (401, 403):
                failures.append(f"{method} {path}: {role} should be allowed, got {status}")
            if not expected_allowed and status != 403:
                failures.append(f"{method} {path}: {role} should get 403, got {status}")
    assert failures == []


# What MISSION.md's table of people says each role does, written by hand like MATRIX above.
KEY_ACTIONS: dict[str, frozenset[str]] = {
    CW: frozenset({"claims.establish", "payments.record", "remissions.request", "write_offs.propose"}),
    ACC: frozenset({"payments.record", "remissions.decide_services", "write_offs.decide"}),
    DIR: frozenset({"court.represent", "enforcement.sign", "injunctions.file", "mandates.manage"}),
    BOARD: frozenset({"remissions.decide_board", "appeals.decide_board", "write_offs.decide"}),
    PHONE: frozenset({"contacts.record", "promises.record", "tasks.close"}),
    AGENCY: frozenset({"payments.record", "contacts.record", "promises.record"}),
    MAN: frozenset({"reports.portfolio", "tasks.assign"}),
    AUD: frozenset({"audit.read", "audit.verify"}),
    ADM: frozenset({"users.manage", "cycle.run"}),
}
DIRECTOR_ONLY = frozenset({"court.represent", "enforcement.sign", "injunctions.file", "mandates.manage"})
"""Only the director represents the body and mandates (others get these powers by mandate only)."""


@pytest.mark.parametrize("role", ROLES)
def test_roles_file_agrees_with_me(back_office: BackOffice, role: str) -> None:
    """``GET /me`` lists the actions of each role, as roles.yaml gives them and as MISSION.md
    says: each role has its key actions, only the director its powers, the accountant never
    establishes a claim (ordonnateur / comptable), the auditor only reads."""
    me = back_office.get(role, "/api/v1/me")
    assert isinstance(me, dict)
    assert (me["username"], me["roles"]) == (role, [role])
    assert me["agency"] == (AGENCY_CODE if role == AGENCY else None)
    actions = set(me["actions"])
    assert len(actions) == len(me["actions"])
    rules = default_roles()
    granted = rules.roles[role] & rules.agency_may if role == AGENCY else rules.roles[role]
    assert actions == granted
    assert KEY_ACTIONS[role] <= actions, KEY_ACTIONS[role] - actions
    assert (actions & DIRECTOR_ONLY) == (DIRECTOR_ONLY if role == DIR else frozenset())
    assert ("claims.establish" in actions) == (role == CW)
    if role == AUD:
        assert all(
            action.endswith((".read", ".search", ".verify", ".portfolio")) for action in me["actions"]
        ), me["actions"]
