"""Storage and service layer on a real database: SQLite and PostgreSQL run the same tests."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from recouvre.domain.ledger import LedgerError
from recouvre.domain.model import (
    Benefit,
    Claim,
    ClaimStatus,
    Creditor,
    DatedValue,
    Debtor,
    DebtorKind,
    DomainError,
    PaymentChannel,
    Responsibility,
    UndueLine,
)
from recouvre.service import BatchRejected, Refused, Services
from recouvre.service.claims import establish_claims, view_claim
from recouvre.service.payments import record_payment, reverse
from recouvre.service.registry import register_debtors
from recouvre.storage import repository
from recouvre.storage.database import Database
from recouvre.storage.tables import ClaimRow, MovementRow

ORG = "CAF-TEST"


def debtor(ref: str = "D1", **changes: object) -> Debtor:
    values: dict[str, object] = {
        "ref": ref,
        "organism": ORG,
        "kind": DebtorKind.PERSON,
        "name": "Camille Martin",
        "nir": "285077512345655",
        "prp_quotients": (DatedValue(date(2026, 1, 1), 70_000),),
    }
    values.update(changes)
    return Debtor(**values)  # type: ignore[arg-type]


def claim(
    ref: str = "C1", responsibility: Responsibility = Responsibility.DEBTOR_ERROR, **changes: object
) -> Claim:
    values: dict[str, object] = {
        "ref": ref,
        "organism": ORG,
        "debtor_ref": "D1",
        "benefit": Benefit.AL,
        "creditor": Creditor.OWN,
        "responsibility": responsibility,
        "lines": (UndueLine(date(2025, 3, 5), 12_000), UndueLine(date(2025, 4, 5), 12_000)),
        "established_on": date(2026, 1, 2),
        "notified_on": date(2026, 1, 10),
        "detected_on": date(2026, 1, 2),
    }
    values.update(changes)
    return Claim(**values)  # type: ignore[arg-type]


def count(db: Database, table: type[ClaimRow] | type[MovementRow]) -> int:
    with db.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_claim_life_on_both_databases(any_services: Services) -> None:
    register_debtors(any_services, ORG, [debtor()])
    result = establish_claims(any_services, ORG, [claim(), claim("C2", Responsibility.FRAUD)])
    assert result.created == 2
    view = view_claim(any_services, ORG, "C1", date(2026, 1, 10))
    assert (view.principal, view.balance, view.status) == (24_000, 24_000, ClaimStatus.OPEN)
    fraud = view_claim(any_services, ORG, "C2", date(2026, 1, 2))
    assert [(m.kind.value, m.amount) for m in fraud.booked_on(date(2026, 1, 2))] == [
        ("established", 24_000),
        ("indemnity", 2_400),
    ]
    record_payment(any_services, ORG, "C1", 30_000, date(2026, 2, 1), PaymentChannel.TRANSFER, "bank-1")
    settled = view_claim(any_services, ORG, "C1", date(2026, 2, 1))
    assert (settled.balance, settled.credit, settled.status) == (0, 6_000, ClaimStatus.SETTLED)
    assert view_claim(any_services, ORG, "C1", date(2026, 1, 31)).balance == 24_000


def test_replays_book_nothing(any_services: Services) -> None:
    register_debtors(any_services, ORG, [debtor()])
    establish_claims(any_services, ORG, [claim()])
    again = establish_claims(any_services, ORG, [claim()])
    assert (again.created, again.unchanged) == (0, 1)
    for _ in range(2):
        record_payment(any_services, ORG, "C1", 1_000, date(2026, 2, 1), PaymentChannel.CARD, "card-7")
    assert view_claim(any_services, ORG, "C1", date(2026, 2, 1)).balance == 23_000
    assert count(any_services.db, MovementRow) == 2
    assert register_debtors(any_services, ORG, [debtor()]).unchanged == 1


def test_batches_are_all_or_nothing(any_services: Services) -> None:
    register_debtors(any_services, ORG, [debtor()])
    with pytest.raises(BatchRejected) as rejected:
        establish_claims(any_services, ORG, [claim("C1"), claim("C2", debtor_ref="NOBODY")])
    assert [(p.index, p.field, p.value) for p in rejected.value.problems] == [(1, "debtor", "NOBODY")]
    assert count(any_services.db, ClaimRow) == 0
    establish_claims(any_services, ORG, [claim("C1")])
    with pytest.raises(BatchRejected, match="autre contenu"):
        establish_claims(any_services, ORG, [claim("C1", benefit=Benefit.RSA)])


def test_ledger_is_append_only_in_the_database(any_services: Services) -> None:
    register_debtors(any_services, ORG, [debtor()])
    establish_claims(any_services, ORG, [claim()])
    for statement in ("UPDATE movements SET amount_cents = 1", "DELETE FROM movements"):
        with pytest.raises(DBAPIError, match="append-only"), any_services.db.unit_of_work() as session:
            session.execute(text(statement))
    assert count(any_services.db, MovementRow) == 1


def test_reversal_and_refusals(any_services: Services) -> None:
    register_debtors(any_services, ORG, [debtor()])
    establish_claims(any_services, ORG, [claim()])
    payment, _ = record_payment(
        any_services, ORG, "C1", 5_000, date(2026, 2, 1), PaymentChannel.CHEQUE, "chq"
    )
    reverse(any_services, ORG, "C1", payment.key, date(2026, 2, 3), "chèque impayé")
    view = view_claim(any_services, ORG, "C1", date(2026, 2, 3))
    assert view.balance == 24_000
    assert [m.kind.value for m in view.booked_on(date(2026, 2, 3))] == ["reversal"]
    with pytest.raises(LedgerError):
        reverse(any_services, ORG, "C1", payment.key, date(2026, 2, 4), "again")
    with pytest.raises(Refused):
        record_payment(any_services, ORG, "C1", 100, date(2025, 12, 1), PaymentChannel.CARD, "early")
    with any_services.db.unit_of_work() as session:
        organism_id, _ = any_services.organism(session, ORG)
        refused = repository.refusals_on(session, organism_id, date(2025, 12, 1))
        assert [row.event for row in refused] == ["payment"]


def test_not_recovered_under_the_rsa_minimum(any_services: Services) -> None:
    register_debtors(any_services, ORG, [debtor()])
    small = claim(
        "R1", benefit=Benefit.RSA, creditor=Creditor.DEPARTEMENT, lines=(UndueLine(date(2025, 6, 5), 7_699),)
    )
    edge = claim(
        "R2", benefit=Benefit.RSA, creditor=Creditor.DEPARTEMENT, lines=(UndueLine(date(2025, 6, 5), 7_700),)
    )
    establish_claims(any_services, ORG, [small, edge])
    assert view_claim(any_services, ORG, "R1", date(2026, 1, 10)).status is ClaimStatus.NOT_RECOVERED
    assert view_claim(any_services, ORG, "R2", date(2026, 1, 10)).status is ClaimStatus.OPEN


def test_debtor_updates_and_quotient_conflicts(any_services: Services) -> None:
    register_debtors(any_services, ORG, [debtor()])
    result = register_debtors(
        any_services,
        ORG,
        [
            debtor(
                email="c.martin@example.org",
                prp_quotients=(DatedValue(date(2026, 1, 1), 70_000), DatedValue(date(2026, 6, 1), 65_000)),
            )
        ],
    )
    assert result.updated == 1
    with any_services.db.unit_of_work() as session:
        organism_id, _ = any_services.organism(session, ORG)
        found = repository.get_debtor(session, organism_id, "D1")
    assert found is not None and found.prp_quotient_on(date(2026, 7, 1)) == 65_000
    with pytest.raises(BatchRejected, match="quotient"):
        register_debtors(any_services, ORG, [debtor(prp_quotients=(DatedValue(date(2026, 1, 1), 1),))])


def test_invalid_facts_are_refused_with_their_field() -> None:
    with pytest.raises(DomainError) as error:
        claim(notified_on=None)
    assert error.value.field == "claim.notified_on"
    with pytest.raises(DomainError) as error:
        Debtor(ref="L1", organism=ORG, kind=DebtorKind.PERSON, siren="732829320")
    assert error.value.field == "debtor.kind"
