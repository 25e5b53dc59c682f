"""Appeals (PM242) and contacts without a task through the API: who may, the audit trail, the
ledger; and the queues' reasons in the organism's currency."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from recouvre.domain.model import (
    Benefit,
    Claim,
    Country,
    Creditor,
    Debtor,
    DebtorKind,
    Organism,
    Responsibility,
    UndueLine,
)
from recouvre.service import queries
from recouvre.service.claims import establish_claims
from recouvre.service.registry import ensure_organism, register_debtors
from recouvre.storage import repository
from recouvre.storage.back_office_tables import AuditRow
from recouvre.storage.repository import TaskDraft
from recouvre.storage.tables import ClaimEventRow

from .conftest import ORG, BackOffice

BASE = f"/api/v1/organisms/{ORG}"
ON = date(2026, 3, 1)


def audit(back_office: BackOffice, action: str) -> list[AuditRow]:
    with back_office.services.db.unit_of_work() as session:
        return list(session.scalars(select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.seq)))


def status_of(back_office: BackOffice, user: str, path: str, body: dict[str, object]) -> int:
    response = back_office.client.post(path, headers=back_office.headers(user), json=body)
    assert response.status_code < 500, response.text
    return response.status_code


# Appeals ----------------------------------------------------------------------------------------


def test_an_upheld_appeal_cancels_the_claim_and_refunds_what_was_paid(back_office: BackOffice) -> None:
    back_office.post(
        "accountant", f"{BASE}/claims/C3/payments", {"amount": "50", "on": "2026-03-02", "key": "VIR-C3"}
    )
    filed = back_office.post(
        "case_worker",
        f"{BASE}/claims/C3/appeals",
        {"on": "2026-03-05", "why": "conteste le montant"},
        201,
    )
    assert isinstance(filed, dict)
    appeal = filed["appeal"]
    assert (appeal["stage"], appeal["status"], appeal["filed_by"], appeal["suspends"]) == (
        "amicable",
        "pending",
        "debtor",
        True,
    )
    assert appeal["filing_deadline"] == "2026-03-10" and appeal["implicit_rejection_on"] == "2026-05-05"
    assert filed["claim"]["status"] == "suspended" and filed["claim"]["balance"] == "200.00"
    row = audit(back_office, "appeals.file")[-1]
    assert (row.actor, row.outcome, row.subject) == ("case_worker", "done", f"{ORG} créance C3")
    assert row.before is not None and row.before["status"] == "open"
    assert row.after is not None and row.after["status"] == "suspended"
    # The file shows the pending appeal on the claim.
    file = back_office.get("case_worker", f"{BASE}/debtors/D2", on="2026-03-06")
    assert isinstance(file, dict)
    c3 = next(claim for claim in file["claims"] if claim["ref"] == "C3")
    assert c3["appeal"]["status"] == "pending" and c3["status"] == "suspended"

    decided = back_office.post(
        "board_member",
        f"{BASE}/claims/C3/appeals/decision",
        {"on": "2026-03-12", "outcome": "upheld", "why": "indu non établi"},
    )
    assert isinstance(decided, dict)
    assert decided["appeal"]["outcome"] == "upheld" and decided["appeal"]["status"] == "decided"
    assert (decided["appeal"]["cancellation"], decided["appeal"]["refund"]) == ("250.00", "50.00")
    claim = decided["claim"]
    assert (claim["balance"], claim["credit"], claim["status"]) == ("0.00", "0.00", "cancelled")
    assert [(m["kind"], m["signed"]) for m in claim["movements"]] == [
        ("established", "250.00"),
        ("payment", "-50.00"),
        ("cancellation", "-250.00"),
        ("refund", "50.00"),
    ]
    row = audit(back_office, "appeals.decide_board")[-1]
    assert (row.actor, row.outcome) == ("board_member", "done")
    assert row.before is not None and row.before["balance"] == "200.00"
    assert row.after is not None and row.after["balance"] == "0.00"
    assert row.after["appeal"]["outcome"] == "upheld"  # type: ignore[index]
    file = back_office.get("case_worker", f"{BASE}/debtors/D2", on="2026-03-12")
    assert isinstance(file, dict)
    assert next(claim for claim in file["claims"] if claim["ref"] == "C3")["appeal"] is None


def test_who_may_file_and_decide_an_appeal(back_office: BackOffice) -> None:
    path = f"{BASE}/claims/C4/appeals"
    body: dict[str, object] = {"on": "2026-03-05"}
    for role in ("phone_operator", "board_member", "manager", "auditor", "collection_agency"):
        assert status_of(back_office, role, path, body) == 403, role
    assert [row.outcome for row in audit(back_office, "appeals.file")] == ["denied"] * 5
    back_office.post("accountant", path, body, 201)
    decision = f"{BASE}/claims/C4/appeals/decision"
    verdict: dict[str, object] = {"on": "2026-03-20", "outcome": "rejected", "why": "maintenu"}
    for role in ("case_worker", "accountant", "phone_operator", "manager", "auditor"):
        assert status_of(back_office, role, decision, verdict) == 403, role
    # The director records the court's decisions, not the board's.
    assert status_of(back_office, "director", decision, verdict) == 403
    denied = audit(back_office, "appeals.decide_board")[-1]
    assert (denied.actor, denied.outcome) == ("director", "denied")
    rejected = back_office.post("board_member", decision, verdict)
    assert isinstance(rejected, dict)
    assert rejected["appeal"]["court_deadline"] == "2026-05-20"
    assert rejected["claim"]["status"] == "open"  # recovery resumes
    # The next appeal goes to court: the director records that decision, the board may not.
    court = back_office.post("case_worker", path, {"on": "2026-04-10"}, 201)
    assert isinstance(court, dict) and court["appeal"]["stage"] == "court"
    reduced: dict[str, object] = {"on": "2026-06-01", "outcome": "reduced", "amount": "300.00", "why": "TJ"}
    assert status_of(back_office, "board_member", decision, reduced) == 403
    done = back_office.post("director", decision, reduced)
    assert isinstance(done, dict)
    assert done["appeal"]["new_principal"] == "300.00" and done["claim"]["balance"] == "300.00"
    assert audit(back_office, "appeals.decide_court")[-1].outcome == "done"
    # The organism's own appeal of that judgment is an act of representation in court.
    own: dict[str, object] = {"on": "2026-06-15", "filed_by": "organism", "why": "appel"}
    assert status_of(back_office, "case_worker", path, own) == 403
    assert audit(back_office, "court.represent")[-1].outcome == "denied"
    appealed = back_office.post("director", path, own, 201)
    assert isinstance(appealed, dict) and appealed["appeal"]["filed_by"] == "organism"


def test_a_refused_appeal_is_recorded_as_refused(back_office: BackOffice) -> None:
    late = back_office.client.post(
        f"{BASE}/claims/C4/appeals", headers=back_office.headers("case_worker"), json={"on": "2026-03-11"}
    )
    assert late.status_code == 409 and "forclusion" in late.json()["detail"]
    row = audit(back_office, "appeals.file")[-1]
    assert row.outcome == "refused" and "forclusion" in str(row.after)
    nothing = back_office.client.post(
        f"{BASE}/claims/C4/appeals/decision",
        headers=back_office.headers("board_member"),
        json={"on": "2026-03-12", "outcome": "upheld", "why": "x"},
    )
    assert nothing.status_code == 409
    unknown = back_office.client.post(
        f"{BASE}/claims/NOPE/appeals", headers=back_office.headers("case_worker"), json={"on": "2026-03-05"}
    )
    assert unknown.status_code == 404
    no_amount = back_office.client.post(
        f"{BASE}/claims/C4/appeals/decision",
        headers=back_office.headers("board_member"),
        json={"on": "2026-03-12", "outcome": "reduced", "why": "x"},
    )
    assert no_amount.status_code == 422


def test_withdrawal_resumes_recovery(back_office: BackOffice) -> None:
    path = f"{BASE}/claims/C4/appeals"
    back_office.post("case_worker", path, {"on": "2026-03-05"}, 201)
    withdrawal = f"{path}/withdrawal"
    for role in ("phone_operator", "board_member", "manager", "auditor"):
        assert status_of(back_office, role, withdrawal, {"on": "2026-03-08"}) == 403, role
    done = back_office.post("director", withdrawal, {"on": "2026-03-08", "why": "désistement écrit"})
    assert isinstance(done, dict)
    assert done["appeal"]["status"] == "withdrawn" and done["claim"]["status"] == "open"
    row = audit(back_office, "appeals.withdraw")[-1]
    assert (row.actor, row.outcome) == ("director", "done")
    assert row.before is not None and row.before["status"] == "suspended"
    again = back_office.client.post(
        withdrawal, headers=back_office.headers("director"), json={"on": "2026-03-09"}
    )
    assert again.status_code == 409


# Contacts ---------------------------------------------------------------------------------------


def test_record_a_contact_without_a_task(back_office: BackOffice) -> None:
    body: dict[str, object] = {
        "on": "2026-03-04",
        "channel": "phone",
        "outcome": "promise",
        "note": "paiera le 10",
        "key": "appel-1",
    }
    done = back_office.post("phone_operator", f"{BASE}/claims/C3/contacts", body, 201)
    assert isinstance(done, dict)
    assert (done["outcome"], done["channel"], done["recorded_by"], done["new"]) == (
        "promise",
        "phone",
        "phone_operator",
        True,
    )
    again = back_office.post("phone_operator", f"{BASE}/claims/C3/contacts", body, 201)
    assert isinstance(again, dict) and again["new"] is False
    with back_office.services.db.unit_of_work() as session:
        events = list(session.scalars(select(ClaimEventRow).where(ClaimEventRow.kind == "contact")))
    assert [(e.occurred_on, e.data["outcome"], e.data["note"]) for e in events] == [
        (date(2026, 3, 4), "promise", "paiera le 10")
    ]
    rows = audit(back_office, "contacts.record")
    assert [(row.actor, row.outcome) for row in rows] == [("phone_operator", "done")] * 2
    assert rows[0].why == "paiera le 10" and rows[0].after is not None
    assert rows[0].after["contact"]["outcome"] == "promise"  # type: ignore[index]
    # The balance is untouched: a contact is not a payment nor a promise.
    assert rows[0].before is not None and rows[0].before["balance"] == rows[0].after["balance"]
    other = back_office.client.post(
        f"{BASE}/claims/C3/contacts",
        headers=back_office.headers("phone_operator"),
        json={**body, "note": "autre chose"},
    )
    assert other.status_code == 422  # the same key with another content


def test_who_may_record_a_contact(back_office: BackOffice) -> None:
    body: dict[str, object] = {"on": "2026-03-04", "outcome": "not_reached"}
    for role in ("accountant", "director", "board_member", "manager", "auditor", "administrator"):
        assert status_of(back_office, role, f"{BASE}/claims/C1/contacts", body) == 403, role
    assert status_of(back_office, "case_worker", f"{BASE}/claims/C1/contacts", body) == 201
    # An agency, on the files placed with it only.
    assert status_of(back_office, "collection_agency", f"{BASE}/claims/C1/contacts", body) == 201
    assert status_of(back_office, "collection_agency", f"{BASE}/claims/C2/contacts", body) == 403
    denied = audit(back_office, "contacts.record")[-1]
    assert (denied.actor, denied.outcome) == ("collection_agency", "denied")
    early = back_office.client.post(
        f"{BASE}/claims/C1/contacts",
        headers=back_office.headers("case_worker"),
        json={"on": "2025-12-01", "outcome": "reached"},
    )
    assert early.status_code == 409 and "n'est constatée que le" in early.json()["detail"]
    wrong = back_office.client.post(
        f"{BASE}/claims/C1/contacts",
        headers=back_office.headers("case_worker"),
        json={"on": "2026-03-04", "outcome": "maybe"},
    )
    assert wrong.status_code == 422


# Queues -----------------------------------------------------------------------------------------


def test_queue_reasons_use_the_organisms_currency(back_office: BackOffice) -> None:
    services = back_office.services
    queue = queries.queue(services, ORG, date(2026, 3, 15), today=date(2026, 3, 15))
    assert [(task.claim, task.reasons[0]) for task in queue.tasks] == [
        ("C1", "solde 400,00 €"),
        ("C3", "solde 250,00 €"),
    ]
    cnss = "CNSS-TEST"
    ensure_organism(services, Organism(code=cnss, country=Country.MA, name="CNSS"))
    register_debtors(services, cnss, [Debtor(ref="E1", organism=cnss, kind=DebtorKind.LEGAL, name="Sarl")])
    establish_claims(
        services,
        cnss,
        [
            Claim(
                ref="K1",
                organism=cnss,
                debtor_ref="E1",
                benefit=Benefit.CONTRIB,
                creditor=Creditor.OWN,
                responsibility=Responsibility.DEBTOR_ERROR,
                lines=(UndueLine(date(2026, 1, 5), 123_456),),
                established_on=date(2026, 2, 1),
                notified_on=date(2026, 2, 1),
                detected_on=date(2026, 2, 1),
            )
        ],
    )
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, cnss)
        row = repository.claim_rows(session, organism_id, ["K1"])["K1"]
        repository.insert_tasks(
            session,
            [TaskDraft(f"{cnss}:K1:phone_call", organism_id, row.debtor_id, row.id, "phone_call", ON)],
        )
    found = queries.queue(services, cnss, date(2026, 3, 15), today=date(2026, 3, 15))
    assert [task.reasons[0] for task in found.tasks] == ["solde 1\u202f234,56 MAD"]


def test_appeals_contacts_and_queue_on_each_database(any_back_office: BackOffice) -> None:
    """Appeal, decision on the ledger, contact and the set-based queue, on SQLite and PostgreSQL."""
    office = any_back_office
    office.post("case_worker", f"{BASE}/claims/C3/appeals", {"on": "2026-03-05"}, 201)
    decided = office.post(
        "board_member",
        f"{BASE}/claims/C3/appeals/decision",
        {"on": "2026-03-12", "outcome": "reduced", "amount": "100.00", "why": "en partie"},
    )
    assert isinstance(decided, dict) and decided["claim"]["balance"] == "100.00"
    office.post(
        "phone_operator", f"{BASE}/claims/C3/contacts", {"on": "2026-03-13", "outcome": "reached"}, 201
    )
    queue = office.get("manager", f"{BASE}/tasks", on="2026-03-15")
    assert isinstance(queue, dict)
    assert [(t["claim"], t["balance"]) for t in queue["tasks"]] == [("C1", "400.00")]
    # C3's phone call closed itself when the appeal suspended recovery (tasks follow their claim)
    closed = office.get("manager", f"{BASE}/tasks", on="2026-03-15", status="done")
    assert isinstance(closed, dict)
    assert [(t["claim"], t["balance"], t["close_reason"], t["closed_on"]) for t in closed["tasks"]] == [
        ("C3", "100.00", "suspended", "2026-03-05")
    ]
    assert closed["tasks"][0]["reasons"][0] == "solde 100,00 €"
