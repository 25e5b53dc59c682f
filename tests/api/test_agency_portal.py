"""The agency portal through the API: an agency user reaches only the files placed with its agency,
and only while they are; every refusal is a 403 with a ``denied`` row in the audit trail. What it
reports (letters, addresses, assets, proposals) lands on the claim; the organism decides."""

from __future__ import annotations

from sqlalchemy import select

from recouvre.service import commands
from recouvre.storage.back_office_tables import AuditRow, ProposalRow
from recouvre.storage.tables import LetterRow, PlanRow

from .conftest import ORG, BackOffice

BASE = f"/api/v1/organisms/{ORG}"
AGENT = "collection_agency"


def denials(back_office: BackOffice, action: str) -> list[AuditRow]:
    with back_office.services.db.unit_of_work() as session:
        return list(
            session.scalars(
                select(AuditRow)
                .where(AuditRow.action == action, AuditRow.outcome == "denied", AuditRow.actor == AGENT)
                .order_by(AuditRow.seq)
            )
        )


def post(back_office: BackOffice, user: str, path: str, body: dict[str, object]) -> tuple[int, object]:
    response = back_office.client.post(path, headers=back_office.headers(user), json=body)
    assert response.status_code < 500, response.text
    return response.status_code, response.json() if response.content else None


def get(back_office: BackOffice, user: str, path: str, **params: str) -> tuple[int, object]:
    response = back_office.client.get(path, headers=back_office.headers(user), params=params)
    assert response.status_code < 500, response.text
    return response.status_code, response.json()


def report(kind: str, data: dict[str, object], key: str, on: str = "2026-03-10") -> dict[str, object]:
    return {"kind": kind, "on": on, "data": data, "key": key}


def test_an_agency_sees_only_its_files_while_placed(back_office: BackOffice) -> None:
    code, files = get(back_office, AGENT, f"{BASE}/agencies/acme/files", on="2026-03-15")
    assert code == 200 and [item["claim"] for item in files] == ["C1"]  # type: ignore[union-attr]
    code, _ = get(back_office, AGENT, f"{BASE}/agencies/other/files", on="2026-03-15")
    assert code == 403 and len(denials(back_office, "agencies.report")) == 1
    # Every claim not placed with acme (C2, C3, never; C4, placed elsewhere), and an unknown one.
    for claim in ("C2", "C3", "C4"):
        code, _ = get(back_office, AGENT, f"{BASE}/claims/{claim}", on="2026-03-15")
        assert code == 403, claim
        code, _ = post(
            back_office,
            AGENT,
            f"{BASE}/claims/{claim}/agency-reports",
            report("contact", {"channel": "phone", "outcome": "reached"}, f"K{claim}"),
        )
        assert code == 403, claim
        code, _ = post(
            back_office,
            AGENT,
            f"{BASE}/claims/{claim}/agency-payments",
            {"amount": "5", "on": "2026-03-10", "key": f"P{claim}"},
        )
        assert code == 403, claim
    assert len(denials(back_office, "agencies.report")) == 4
    assert len(denials(back_office, "claims.read")) == 3
    assert len(denials(back_office, "payments.record")) == 3
    code, _ = post(
        back_office,
        AGENT,
        f"{BASE}/claims/C9/agency-reports",
        report("contact", {"channel": "phone", "outcome": "x"}, "K9"),
    )
    assert code in (403, 404)
    # The placed file: reports are accepted.
    code, done = post(
        back_office,
        AGENT,
        f"{BASE}/claims/C1/agency-reports",
        report("contact", {"channel": "phone", "outcome": "reached", "note": "rappel promis"}, "K1"),
    )
    assert code == 201 and done["status"] == "recorded"  # type: ignore[index]
    # The organism recalls the file: from that day the agency reaches it no more.
    worker = back_office.services
    placed = commands.recall_claim(
        worker, _staff(back_office), ORG, "C1", "acme", back_office.clock.now.date()
    )
    assert placed.status == "recalled"
    code, files = get(back_office, AGENT, f"{BASE}/agencies/acme/files", on="2026-03-15")
    assert code == 200 and files == []
    for path, body in (
        (f"{BASE}/claims/C1/agency-reports", report("contact", {"channel": "phone", "outcome": "x"}, "K2")),
        (f"{BASE}/claims/C1/agency-payments", {"amount": "5", "on": "2026-03-15", "key": "P2"}),
    ):
        code, _ = post(back_office, AGENT, path, body)
        assert code == 403, path
    code, _ = get(back_office, AGENT, f"{BASE}/claims/C1", on="2026-03-15")
    assert code == 403
    code, reports = get(back_office, AGENT, f"{BASE}/agency-reports")
    assert code == 200 and reports == []  # no longer its file: its past reports are not shown


def _staff(back_office: BackOffice):  # type: ignore[no-untyped-def]
    from recouvre.service import accounts

    return accounts.actor_of(back_office.services, "case_worker")


def test_reports_and_decisions(back_office: BackOffice) -> None:
    url = f"{BASE}/claims/C1/agency-reports"
    code, letter = post(back_office, AGENT, url, report("letter", {"type": "reminder_1"}, "L1", "2026-03-02"))
    assert code == 201, letter
    with back_office.services.db.unit_of_work() as session:
        sent = session.scalars(select(LetterRow).where(LetterRow.type == "reminder_1")).all()
        assert [(row.issued_on.isoformat(), row.data.get("sent_by")) for row in sent] == [
            ("2026-03-02", "acme")
        ]
    code, wrong = post(back_office, AGENT, url, report("letter", {"type": "contrainte"}, "L2"))
    assert code == 422, wrong
    code, asset = post(
        back_office,
        AGENT,
        url,
        report(
            "asset",
            {
                "asset_kind": "vehicle",
                "description": "Renault Clio 2019",
                "estimated_value": "6500.00",
                "evidence": "SIV-123",
            },
            "A1",
        ),
    )
    assert code == 201 and asset["data"]["estimated_value"] == "6500.00"  # type: ignore[index]
    code, moved = post(
        back_office, AGENT, url, report("address", {"address": "5 rue Neuve, 44000 Nantes"}, "AD1")
    )
    assert code == 201 and moved["data"]["previous_address"] == "3 rue des Lilas, 44000 Nantes"  # type: ignore[index]
    code, facility = post(
        back_office, AGENT, url, report("facility", {"monthly": "50.00", "first_due": "2026-04-05"}, "F1")
    )
    assert code == 201 and facility["status"] == "pending"  # type: ignore[index]
    code, anv = post(
        back_office,
        AGENT,
        url,
        report("write_off", {"reasons": "insolvable", "evidence": "PV de carence"}, "W1"),
    )
    assert code == 201
    # A bailiff's acts are refused from an amicable agency.
    code, _ = post(back_office, AGENT, url, report("bailiff_act", {"act": "service"}, "B1"))
    assert code == 422
    # The agency may not decide; the case worker does.
    decision = f"{BASE}/agency-reports/{facility['id']}/decision"  # type: ignore[index]
    code, _ = post(back_office, AGENT, decision, {"approve": True, "on": "2026-03-12"})
    assert code == 403
    code, decided = post(
        back_office, "case_worker", decision, {"approve": True, "on": "2026-03-12", "why": "accord"}
    )
    assert code == 200 and decided["status"] == "approved"  # type: ignore[index]
    code, _ = post(back_office, "case_worker", decision, {"approve": False, "on": "2026-03-12"})
    assert code == 422
    code, _ = post(
        back_office,
        "case_worker",
        f"{BASE}/agency-reports/{anv['id']}/decision",
        {"approve": True, "on": "2026-03-12", "why": "ok"},  # type: ignore[index]
    )
    assert code == 200
    with back_office.services.db.unit_of_work() as session:
        assert session.scalars(select(PlanRow).where(PlanRow.monthly_cents == 5000)).first() is not None
        kinds = [
            row.kind for row in session.scalars(select(ProposalRow).where(ProposalRow.status == "pending"))
        ]
        assert kinds.count("write_off") == 2  # C3's, and the one the agency's proposal fed
    code, listed = get(back_office, "accountant", f"{BASE}/agency-reports", claim="C1")
    assert code == 200 and [item["kind"] for item in listed] == [
        "letter",
        "asset",
        "address",
        "facility",
        "write_off",
    ]  # type: ignore[union-attr]
    code, own = get(back_office, AGENT, f"{BASE}/agency-reports")
    assert code == 200 and len(own) == 5  # type: ignore[arg-type]
