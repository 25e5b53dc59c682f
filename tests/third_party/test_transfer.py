"""Recovery for the département (procedure 10): transfer, move, file, statement."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from recouvre.adapters.third_party_files import write_rows
from recouvre.domain.model import Benefit, ClaimStatus, Creditor, PaymentChannel
from recouvre.domain.third_party import Funder
from recouvre.domain.withholding import BenefitPayment
from recouvre.service import Refused, Services, third_party
from recouvre.service.claims import view_claim
from recouvre.service.cycle import run_cycle
from recouvre.service.payments import record_payment
from recouvre.service.withholding import apply_benefit_payments
from recouvre.storage.tables import ClaimRow, LetterClaimRow, LetterRow, TaskRow

from .conftest import ORG, Setup, make_claim

ON = date(2026, 4, 2)


def _letters(services: Services) -> list[tuple[str, str]]:
    with services.db.unit_of_work() as session:
        return [(row.type, str(row.data.get("departement"))) for row in session.scalars(select(LetterRow))]


def test_transfer_closes_the_claim_for_the_organism(services: Services, setup: Setup) -> None:
    setup(make_claim("C1", debtor="D2"))
    record_payment(services, ORG, "C1", 10_000, date(2026, 2, 20), PaymentChannel.CHEQUE, "p1")
    view = third_party.transfer(
        services, ORG, "C1", ON, departement="44", reason="fin de droits RSA", actor="ac"
    )
    assert (view.principal, view.recovered, view.balance, view.departement) == (60_000, 10_000, 50_000, "44")
    claim = view_claim(services, ORG, "C1", ON)
    assert claim.status is ClaimStatus.TRANSFERRED
    assert claim.balance == 50_000  # no movement: the balance is the département's to recover
    assert view_claim(services, ORG, "C1", date(2026, 4, 1)).status is ClaimStatus.OPEN
    kinds = sorted(kind for kind, _ in _letters(services))
    assert "transfer_departement" in kinds and "transfer_notice" in kinds
    # A replay changes nothing.
    again = third_party.transfer(services, ORG, "C1", ON, departement="44")
    assert again.id == view.id and len(_letters(services)) == len(kinds)


def test_transferred_claim_gets_no_withholding_nor_cycle_step(services: Services, setup: Setup) -> None:
    setup(
        make_claim("C1", debtor="D2"),
        make_claim("C2", debtor="D2", benefit=Benefit.AF, creditor=Creditor.OWN),
    )
    third_party.transfer(services, ORG, "C1", ON, departement="44")
    [outcome] = apply_benefit_payments(
        services, ORG, [BenefitPayment("D2", date(2026, 5, 5), {"AF": 50_000})], "R1"
    )
    assert {a.claim_ref for a in outcome.allocations} == {"C2"}
    for month, day in (
        ("2026-05", date(2026, 5, 10)),
        ("2026-06", date(2026, 6, 10)),
        ("2026-07", date(2026, 7, 10)),
    ):
        run_cycle(services, ORG, month, day)
    with services.db.unit_of_work() as session:
        c1 = session.scalar(select(ClaimRow.id).where(ClaimRow.ref == "C1"))
        c1_tasks = session.scalars(select(TaskRow.type).where(TaskRow.claim_id == c1)).all()
        c1_letters = session.scalars(
            select(LetterRow.type)
            .join(LetterClaimRow, LetterClaimRow.letter_id == LetterRow.id)
            .where(LetterClaimRow.claim_id == c1, LetterRow.issued_on > ON)
        ).all()
        other_letters = session.scalars(select(LetterRow.type).where(LetterRow.issued_on > ON)).all()
    assert other_letters  # C2 goes on through the cycle (in default: no plan, no withholding)
    assert c1_letters == [] and c1_tasks == []
    later = view_claim(services, ORG, "C1", date(2026, 7, 10))
    assert (later.status, later.balance) == (ClaimStatus.TRANSFERRED, 60_000)


def test_transfer_refusals(services: Services, setup: Setup) -> None:
    setup(
        make_claim("C1"),  # D1 still receives benefits
        make_claim("C2", debtor="D2", benefit=Benefit.AF, creditor=Creditor.OWN),
        make_claim("C3", debtor="D2"),
    )
    with pytest.raises(Refused, match="perçoit encore"):
        third_party.transfer(services, ORG, "C1", ON, departement="44")
    with pytest.raises(Refused, match="pour le compte du département"):
        third_party.transfer(services, ORG, "C2", ON, departement="44")
    with pytest.raises(Refused, match="département créancier n'est pas connu"):
        third_party.transfer(services, ORG, "C3", ON)
    # The caller states the end of benefits: D1 no longer receives any.
    view = third_party.transfer(
        services, ORG, "C1", ON, departement="85", benefits_ended_on=date(2026, 3, 31)
    )
    assert view.departement == "85"
    with pytest.raises(Refused, match="déjà été transférée"):
        third_party.move(services, ORG, "C1", date(2026, 5, 1), "44")


def test_move_then_transfer_to_the_new_departement(services: Services, setup: Setup, tmp_path: Path) -> None:
    setup(make_claim("C1", debtor="D2"))
    moved = third_party.move(services, ORG, "C1", date(2026, 3, 1), "44")
    assert (moved.kind, moved.from_departement, moved.departement) == ("move", None, "44")
    second = third_party.move(services, ORG, "C1", date(2026, 3, 15), "49")
    assert (second.from_departement, second.departement) == ("44", "49")
    with pytest.raises(Refused, match="déjà recouvrée pour le département 49"):
        third_party.move(services, ORG, "C1", date(2026, 3, 20), "49")
    assert view_claim(services, ORG, "C1", date(2026, 3, 20)).status is ClaimStatus.OPEN
    done = third_party.transfer(services, ORG, "C1", ON)  # to its current département
    assert done.departement == "49"
    rows = third_party.transfer_file(services, ORG, "C1")
    summary = {row.kind: row.amount for row in rows if row.record == "summary"}
    assert summary["principal"] == 60_000 and summary["balance"] == 60_000 and summary["costs"] == 0
    assert [row.kind for row in rows if row.record == "movement"] == ["established"]
    assert {"departement", "transferred"} <= {row.kind for row in rows if row.record == "event"}
    columns, values = third_party.file_rows(rows)
    write_rows(tmp_path / "t.csv", columns, values)
    with (tmp_path / "t.csv").open(encoding="utf-8") as handle:
        read = list(csv.DictReader(handle))
    assert {"principal": "600.00"}.items() <= {r["kind"]: r["amount"] for r in read}.items()
    write_rows(tmp_path / "t.parquet", columns, values)
    table = pq.read_table(tmp_path / "t.parquet").to_pylist()
    assert str(next(r["amount"] for r in table if r["kind"] == "balance")) == "600.00"


def test_invalid_departement(services: Services, setup: Setup) -> None:
    setup(make_claim("C1", debtor="D2"))
    with pytest.raises(Exception, match="département"):
        third_party.move(services, ORG, "C1", ON, "99")


def test_monthly_statement_per_creditor(services: Services, setup: Setup, tmp_path: Path) -> None:
    setup(
        make_claim("C1", debtor="D2", amount=30_000, notified_on=date(2026, 3, 3)),
        make_claim(
            "C2",
            debtor="D1",
            benefit=Benefit.APL,
            creditor=Creditor.OWN,
            amount=20_000,
            notified_on=date(2026, 3, 4),
        ),
        make_claim(
            "C3",
            debtor="D1",
            benefit=Benefit.AAH,
            creditor=Creditor.OWN,
            amount=15_000,
            notified_on=date(2026, 2, 4),
        ),
        make_claim(
            "C4",
            debtor="D1",
            benefit=Benefit.AF,
            creditor=Creditor.OWN,
            amount=10_000,
            notified_on=date(2026, 3, 4),
        ),
    )
    third_party.move(services, ORG, "C1", date(2026, 3, 3), "44")
    record_payment(services, ORG, "C1", 5_000, date(2026, 3, 20), PaymentChannel.CHEQUE, "p1")
    record_payment(services, ORG, "C3", 2_500, date(2026, 3, 21), PaymentChannel.CHEQUE, "p3")
    record_payment(services, ORG, "C4", 1_000, date(2026, 3, 21), PaymentChannel.CHEQUE, "p4")
    dep = third_party.statement(services, ORG, "2026-03", Funder.DEPARTEMENT, "44")
    assert [(line.claim, line.established, line.recovered) for line in dep.lines] == [("C1", 30_000, 5_000)]
    assert third_party.statement(services, ORG, "2026-03", Funder.DEPARTEMENT, "85").lines == ()
    fnal = third_party.statement(services, ORG, "2026-03", Funder.FNAL)
    assert (fnal.established, fnal.recovered) == (20_000, 0)
    state = third_party.statement(services, ORG, "2026-03", Funder.ETAT)
    assert (state.established, state.recovered) == (0, 2_500)  # C3 established in February
    pdf = third_party.statement_pdf(dep)
    assert pdf.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert "300,00 €" in text and "50,00 €" in text and "1er mars 2026" in text and "31 mars 2026" in text
    columns, values = third_party.statement_rows(dep)
    write_rows(tmp_path / "s.csv", columns, values)
    assert "TOTAL" in (tmp_path / "s.csv").read_text(encoding="utf-8")


def test_transfer_recalls_a_running_placement(services: Services, setup: Setup) -> None:
    from recouvre.service import subjects

    setup(make_claim("C1", debtor="D2"))
    placed = subjects.place_claim(services, ORG, "C1", "acme", date(2026, 3, 1), by="agent7")
    third_party.transfer(services, ORG, "C1", ON, departement="44", actor="compta")
    assert subjects.get_placement(services, ORG, placed.id).placed_until == ON


def test_a_prescribed_claim_is_not_transferred(services: Services, setup: Setup) -> None:
    setup(make_claim("C1", debtor="D2"))  # one line paid on 2025-09-05: time-barred on 2027-09-05
    with pytest.raises(Refused, match="prescrite"):
        third_party.transfer(services, ORG, "C1", date(2027, 9, 6), departement="44")
    assert third_party.transfer(services, ORG, "C1", date(2027, 9, 4), departement="44").balance == 60_000


def test_transfer_closes_the_claims_open_tasks(services: Services, setup: Setup) -> None:
    from recouvre.storage import repository
    from recouvre.storage.repository import TaskDraft

    setup(make_claim("C1", debtor="D2"))
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        row = repository.claim_row(session, organism_id, "C1")
        assert row is not None
        repository.insert_tasks(
            session,
            [TaskDraft(f"{ORG}:C1:review:t", organism_id, row.debtor_id, row.id, "review", date(2026, 3, 2))],
        )
    third_party.transfer(services, ORG, "C1", ON, departement="44")
    with services.db.unit_of_work() as session:
        task = session.scalar(select(TaskRow).where(TaskRow.key == f"{ORG}:C1:review:t"))
        assert task is not None and (task.status, task.closed_on) == ("done", ON)
