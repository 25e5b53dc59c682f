"""Reading and checking import files, without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recouvre.adapters.imports import (
    ImportProblem,
    TableError,
    parse_claims,
    parse_debtors,
    read_table,
)
from recouvre.domain.model import Benefit, Creditor, DatedValue, DebtorKind, Responsibility, UndueLine

from .conftest import CLAIMS_HEADER, DATA, ORGANISM, write

NIR = "184017512345658"
IBAN = "FR7630006000011234567890189"


def places(problems: list[ImportProblem]) -> list[tuple[int, str]]:
    return [(problem.line, problem.column) for problem in problems]


def test_valid_debtors_file_gives_compact_identifiers_and_line_numbers() -> None:
    table = read_table(DATA / "debtors.csv")
    assert [row.line for row in table.rows] == [2, 4, 5]  # line 2 holds a two-line address
    batch, problems = parse_debtors(table, ORGANISM)
    assert problems == []
    assert batch.lines == [(2,), (4,), (5,)]
    marie, jean, bakery = batch.items
    assert marie.nir == NIR and marie.iban == IBAN
    assert marie.address == "1 rue de la Paix\n44000 Nantes"
    assert marie.prp_quotients == (DatedValue(date(2024, 1, 1), 71250),)
    assert marie.receives_benefits is True
    assert jean.nir == "292037505612351" and jean.receives_benefits is False
    assert bakery.kind is DebtorKind.LEGAL and bakery.siret == "73282932000074"
    assert {debtor.organism for debtor in batch.items} == {ORGANISM}


def test_valid_claims_file_groups_lines_and_applies_defaults() -> None:
    batch, problems = parse_claims(read_table(DATA / "claims.csv"), ORGANISM)
    assert problems == []
    assert batch.lines == [(2, 3), (4,), (5,)]
    c1, c2, c3 = batch.items
    assert c1.lines == (UndueLine(date(2024, 1, 5), 12050), UndueLine(date(2024, 2, 5), 12050))
    assert c1.principal == 24100 and c1.reason == "trop-perçu AL"
    assert c1.detected_on == date(2024, 3, 5)  # defaults to notified_on
    assert c2.creditor is Creditor.DEPARTEMENT and c2.benefit is Benefit.RSA
    assert c2.established_on == date(2024, 4, 2)  # defaults to notified_on
    assert c3.creditor is Creditor.OWN and c3.principal == 4599


def test_every_problem_is_reported_with_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "debtors.csv",
        "ref,kind,nir,prp_quotient,prp_quotient_from,receives_benefits,email\n"
        "A1,person,,,,,\n"
        "A2,person,184017512345600,,,,\n"
        "A3,someone,,,,maybe,a@b\n"
        "A4,person,,12.345,2024-01-01,,\n"
        "A5,person,,100,,,\n"
        "A1,person,,,,,\n"
        ",legal,,,,,\n",
    )
    batch, problems = parse_debtors(read_table(path), ORGANISM)
    assert places(problems) == [
        (3, "nir"),
        (4, "email"),
        (4, "kind"),
        (4, "receives_benefits"),
        (5, "prp_quotient"),
        (6, "prp_quotient_from"),
        (7, "ref"),
        (8, "ref"),
    ]
    nir_problem = problems[0]
    assert nir_problem.value == "18…00" and "184017512345600" not in str(problems)
    assert "ligne 2" in problems[6].reason
    assert [debtor.ref for debtor in batch.items] == ["A1"]


def test_header_problems_name_the_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "debtors.csv", "ref,nom,kind,kind\nA1,x,person,person\n")
    _, problems = parse_debtors(read_table(path), ORGANISM)
    assert places(problems) == [(1, "kind"), (1, "nom")]
    path = write(tmp_path, "claims.csv", "ref,debtor,amount\nC1,A1,10\n")
    _, problems = parse_claims(read_table(path), ORGANISM)
    assert places(problems) == [(1, "benefit"), (1, "paid_on"), (1, "responsibility")]
    assert {problem.reason for problem in problems} == {"colonne obligatoire absente"}


def test_ragged_row_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "debtors.csv", "ref,kind\nA1,person\nA2,person,extra\n")
    batch, problems = parse_debtors(read_table(path), ORGANISM)
    assert places(problems) == [(3, "")]
    assert len(batch.items) == 1


def test_semicolon_bom_crlf_and_decimal_comma(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "debtors.csv",
        "\ufeffref;kind;name;prp_quotient;prp_quotient_from\r\nA1;person;Dupont, Anne;712,50;2024-01-01\r\n",
    )
    table = read_table(path)
    assert table.columns == ("ref", "kind", "name", "prp_quotient", "prp_quotient_from")
    batch, problems = parse_debtors(table, ORGANISM)
    assert problems == []
    assert batch.items[0].name == "Dupont, Anne"
    assert batch.items[0].prp_quotients == (DatedValue(date(2024, 1, 1), 71250),)


def test_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "debtors.csv", "ref,kind,name\nA1,person,Hélène\n", encoding="latin-1")
    with pytest.raises(TableError) as raised:
        read_table(path)
    assert raised.value.problems[0].line == 2


def test_rows_of_one_claim_must_agree(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "claims.csv",
        f"{CLAIMS_HEADER}\n"
        "C1,A1,AL,own,debtor_error,2024-01-05,10.00,2024-03-01,2024-03-05,\n"
        "C1,A1,AF,own,debtor_error,2024-02-05,10.00,2024-03-01,2024-03-05,\n"
        "C2,A1,AL,own,debtor_error,2024-02-05,10.00,2024-03-01,2024-03-05,\n",
    )
    batch, problems = parse_claims(read_table(path), ORGANISM)
    assert places(problems) == [(3, "benefit")]
    assert problems[0].value == "AF" and "ligne 2" in problems[0].reason
    assert [claim.ref for claim in batch.items] == ["C2"]


def test_claim_rules_are_checked_on_every_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "claims.csv",
        f"{CLAIMS_HEADER}\n"
        "C1,A1,AL,,debtor_error,2024-01-05,0,2024-03-01,2024-03-05,\n"  # zero amount
        "C2,A1,AL,,debtor_error,2024-04-05,10,2024-03-01,2024-03-05,\n"  # paid after established
        "C2,A1,AL,,debtor_error,2024-05-05,10,2024-03-01,2024-03-05,\n"  # idem
        "C3,A1,AL,,debtor_error,2024-01-05,10,,,\n"  # no notification
        "C4,A1,AL,,child_death,2024-01-05,10,2024-02-01,,\n"  # child death: no notification needed
        "C5,A1,AL,,debtor_error,2024-01-05,10,2024-03-10,2024-03-05,\n"  # notified before established
        "C6,A9,XX,nobody,oops,05/01/2024,1.234,,2024-03-05,\n",
    )
    batch, problems = parse_claims(read_table(path), ORGANISM, known_debtors={"A1"})
    assert places(problems) == [
        (2, "amount"),
        (3, "paid_on"),
        (4, "paid_on"),
        (5, "notified_on"),
        (7, "notified_on"),
        (8, "amount"),
        (8, "benefit"),
        (8, "creditor"),
        (8, "debtor"),
        (8, "paid_on"),
        (8, "responsibility"),
    ]
    (child_death,) = batch.items
    assert child_death.responsibility is Responsibility.CHILD_DEATH and child_death.notified_on is None
    assert child_death.detected_on == date(2024, 2, 1)


def test_parquet_types_are_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "claims.parquet"
    pq.write_table(
        pa.table(
            {
                "ref": ["C1", "C1", "C2"],
                "debtor": [1, 1, 1],  # an integer column is read as its digits
                "benefit": ["AL", "AL", "AL"],
                "responsibility": ["fraud", "fraud", "fraud"],
                "paid_on": pa.array([date(2024, 1, 5), date(2024, 2, 5), date(2024, 2, 5)], pa.date32()),
                "amount": [120.5, 0.1 + 0.2, 10.0],  # floats: converted through repr
                "notified_on": ["2024-03-05"] * 3,
            }
        ),
        path,
    )
    table = read_table(path)
    assert [row.line for row in table.rows] == [2, 3, 4]
    assert table.rows[0].get("amount") == "120.5" and table.rows[0].get("debtor") == "1"
    batch, problems = parse_claims(table, ORGANISM)
    assert places(problems) == [(3, "amount")]  # 0.30000000000000004: more than two decimals
    assert [claim.principal for claim in batch.items] == [1000]


def test_parquet_decimal_columns_keep_cents(tmp_path: Path) -> None:
    path = tmp_path / "debtors.pq"
    pq.write_table(
        pa.table(
            {
                "ref": ["A1", "A2"],
                "kind": ["person", "person"],
                "prp_quotient": pa.array([Decimal("712.50"), None], pa.decimal128(10, 2)),
                "prp_quotient_from": pa.array([date(2024, 1, 1), None], pa.date32()),
                "receives_benefits": [True, None],
                "tags": pa.array([[1], [2]], pa.list_(pa.int64())),
            }
        ),
        path,
    )
    batch, problems = parse_debtors(read_table(path), ORGANISM)
    assert places(problems) == [(1, "tags"), (1, "tags")]  # unknown column, unreadable type
    assert batch.items[0].prp_quotients == (DatedValue(date(2024, 1, 1), 71250),)
    assert batch.items[0].receives_benefits is True and batch.items[1].prp_quotients == ()
