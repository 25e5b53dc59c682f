"""Write-offs: proposals by criteria, the decision, the revival."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from recouvre.domain.model import ClaimStatus, DomainError, PaymentChannel
from recouvre.service import Refused, Services
from recouvre.service.claims import view_claim
from recouvre.service.payments import record_payment
from recouvre.service.write_offs import (
    Criteria,
    Criterion,
    record_fact,
    revive,
    write_off,
    write_off_proposals,
)
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow, LetterRow

from .conftest import ORG, Setup, make_claim

ON = date(2026, 3, 2)


def test_write_off_then_revive(services: Services, setup: Setup) -> None:
    setup(make_claim("C1", lines=((date(2025, 9, 5), 25_000),)))
    record_payment(services, ORG, "C1", 5_000, date(2026, 1, 25), PaymentChannel.CHEQUE, "p1")
    result = write_off(services, ORG, "C1", ON, "board", "insolvable", actor="ac", why="séance CA")
    assert result.amount == 20_000
    view = view_claim(services, ORG, "C1", ON)
    assert (view.balance, view.status) == (0, ClaimStatus.WRITTEN_OFF)
    assert write_off(services, ORG, "C1", ON).amount == 20_000  # replay: nothing more
    assert view_claim(services, ORG, "C1", ON).balance == 0
    revived = revive(services, ORG, "C1", date(2026, 6, 1), "retour à meilleure fortune", actor="ac", why="x")
    assert revived.amount == 20_000
    later = view_claim(services, ORG, "C1", date(2026, 6, 1))
    assert (later.balance, later.status) == (20_000, ClaimStatus.OPEN)
    assert [(m.kind.value, m.reverses) for m in later.booked_on(date(2026, 6, 1))] == [
        ("reversal", result.movement_key)
    ]
    # The history stays: on the write-off date the claim was written off.
    assert view_claim(services, ORG, "C1", ON).status is ClaimStatus.WRITTEN_OFF
    with services.db.unit_of_work() as session:
        kinds = session.scalars(select(ClaimEventRow.kind).order_by(ClaimEventRow.id)).all()
    assert "write_off" in kinds and "write_off_revived" in kinds


def test_refusals(services: Services, setup: Setup) -> None:
    setup(make_claim("C1"))
    with pytest.raises(Refused):
        revive(services, ORG, "C1", ON)
    record_payment(services, ORG, "C1", 40_000, date(2026, 1, 25), PaymentChannel.CARD, "p1")
    with pytest.raises(Refused) as nothing:
        write_off(services, ORG, "C1", ON)
    assert "rien de dû" in nothing.value.reason


def test_proposals_by_criteria(services: Services, setup: Setup) -> None:
    setup(
        make_claim("SMALL", lines=((date(2025, 9, 5), 1_500),)),
        make_claim("INSOLVENT"),
        make_claim("GONE", debtor="D2"),
        make_claim("PAID", lines=((date(2025, 9, 5), 1_000),)),
    )
    record_payment(services, ORG, "PAID", 1_000, date(2026, 1, 25), PaymentChannel.CARD, "p1")
    record_fact(services, ORG, "INSOLVENT", date(2026, 2, 1), "insolvent", actor="agent", why="PV de carence")
    with services.db.unit_of_work() as session:
        session.execute(
            update(LetterRow)
            .where(LetterRow.debtor_id == _debtor_id(services, "D2"))
            .values(status="returned")
        )
    proposals = write_off_proposals(
        services, ORG, ON, Criteria(below=2_000, unreachable=True, insolvent=True, deceased=True)
    )
    assert [(p.claim_ref, p.reasons) for p in proposals] == [
        ("GONE", (Criterion.UNREACHABLE,)),
        ("INSOLVENT", (Criterion.INSOLVENT,)),
        ("SMALL", (Criterion.SMALL_BALANCE,)),
    ]
    assert write_off_proposals(services, ORG, ON, Criteria(deceased=True)) == []
    # A fact recorded after the date does not count yet.
    assert write_off_proposals(services, ORG, date(2026, 1, 31), Criteria(insolvent=True)) == []
    with pytest.raises(DomainError):
        write_off_proposals(services, ORG, ON, Criteria())
    with pytest.raises(DomainError) as fact:
        record_fact(services, ORG, "SMALL", ON, "bankrupt")
    assert (fact.value.field, fact.value.value) == ("fact", "bankrupt")
    # the amounts proposed are the balances on the date, the debtor named
    assert [(p.claim_ref, p.debtor_ref, p.balance) for p in proposals] == [
        ("GONE", "D2", 40_000),
        ("INSOLVENT", "D1", 40_000),
        ("SMALL", "D1", 1_500),
    ]


def test_proposals_near_prescription(services: Services, setup: Setup) -> None:
    """Claims not prescribed on the date but time-barred within the horizon (2 years per line)."""
    setup(
        make_claim("SOON", lines=((date(2024, 4, 10), 30_000),)),  # time-barred on 2026-04-10
        make_claim("LATER", lines=((date(2024, 7, 10), 20_000),)),  # on 2026-07-10
        make_claim("BARRED", lines=((date(2024, 1, 5), 10_000),)),  # since 2026-01-05: already prescribed
        make_claim("INTERRUPTED", lines=((date(2024, 4, 10), 30_000),)),
        make_claim("PAID", lines=((date(2024, 4, 10), 5_000),)),
    )
    # a payment interrupts prescription: a new period of 2 years from 2026-01-25
    record_payment(services, ORG, "INTERRUPTED", 5_000, date(2026, 1, 25), PaymentChannel.CARD, "p1")
    record_payment(services, ORG, "PAID", 5_000, date(2026, 1, 25), PaymentChannel.CARD, "p2")
    near = Criterion.NEAR_PRESCRIPTION
    within_90 = write_off_proposals(services, ORG, ON, Criteria(prescription_within_days=90))
    assert [(p.claim_ref, p.balance, p.reasons) for p in within_90] == [("SOON", 30_000, (near,))]
    within_39 = write_off_proposals(services, ORG, ON, Criteria(prescription_within_days=39))
    assert [p.claim_ref for p in within_39] == ["SOON"]  # 2026-03-02 + 39 days = 2026-04-10
    assert write_off_proposals(services, ORG, ON, Criteria(prescription_within_days=38)) == []
    within_150 = write_off_proposals(services, ORG, ON, Criteria(prescription_within_days=150))
    assert [(p.claim_ref, p.balance) for p in within_150] == [("LATER", 20_000), ("SOON", 30_000)]


def _debtor_id(services: Services, ref: str) -> int:
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        return repository.debtor_ids(session, organism_id, [ref])[ref]
