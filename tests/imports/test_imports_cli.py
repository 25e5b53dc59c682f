"""`recouvre import debtors | claims` end to end, on a private SQLite database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from recouvre.service import Services
from recouvre.service.claims import view_claim
from recouvre.storage import repository

from .conftest import CLAIMS_HEADER, DATA, ORGANISM, Invoke, counts, flat, problems, report, write


def import_valid_files(invoke: Invoke) -> None:
    result = invoke("import", "debtors", str(DATA / "debtors.csv"), "--organism", ORGANISM)
    assert result.exit_code == 0, result.output
    assert "3 créés / 0 mis à jour / 0 inchangés" in result.stdout
    result = invoke("import", "claims", str(DATA / "claims.csv"), "--organism", ORGANISM)
    assert result.exit_code == 0, result.output
    assert "3 créés / 0 mis à jour / 0 inchangés" in result.stdout


def test_debtors_then_claims_are_imported_with_their_balances(invoke: Invoke, services: Services) -> None:
    import_valid_files(invoke)
    assert counts(services) == {"debtors": 3, "quotients": 1, "claims": 3, "lines": 4, "movements": 3}
    on = date(2024, 6, 30)
    assert view_claim(services, ORGANISM, "C1", on).balance == 24100
    assert view_claim(services, ORGANISM, "C2", on).balance == 30000
    assert view_claim(services, ORGANISM, "C3", on).balance == 4599
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORGANISM)
        marie = repository.get_debtor(session, organism_id, "A001")
    assert marie is not None and marie.nir == "184017512345658"
    assert marie.iban == "FR7630006000011234567890189" and marie.receives_benefits


def test_invalid_files_are_refused_whole_with_every_problem(
    invoke: Invoke, services: Services, tmp_path: Path
) -> None:
    bad_nir = "184017512345600"
    debtors = write(
        tmp_path,
        "debtors.csv",
        "ref,kind,nir,prp_quotient,prp_quotient_from\n"
        "A001,person,,,\n"
        f"A002,person,{bad_nir},,\n"
        "A003,person,,,\n"
        "A004,person,,12.345,2024-01-01\n",
    )
    result = invoke("import", "debtors", str(debtors), "--organism", ORGANISM)
    assert result.exit_code == 1
    assert report(result) == [("3", "nir", "18…00"), ("5", "prp_quotient", "12.345")]
    assert "2 erreurs dans debtors.csv : fichier refusé, rien n'a été importé." in flat(result.stderr)
    assert bad_nir not in result.output
    assert counts(services) == dict.fromkeys(("debtors", "quotients", "claims", "lines", "movements"), 0)

    import_valid_files(invoke)
    before = counts(services)
    claims = write(
        tmp_path,
        "claims.csv",
        f"{CLAIMS_HEADER}\n"
        "C10,A001,AL,own,debtor_error,2024-01-05,10.00,2024-03-01,2024-03-05,\n"
        "C11,A001,XYZ,own,debtor_error,2024-01-05,10.00,2024-03-01,2024-03-05,\n"
        "C12,A002,AL,own,debtor_error,2024-01-05,10.00,2024-03-01,2024-03-05,\n"
        "C13,A002,AL,own,debtor_error,2024-01-05,dix euros,2024-03-01,2024-03-05,\n",
    )
    result = invoke("import", "claims", str(claims), "--organism", ORGANISM)
    assert result.exit_code == 1
    assert report(result) == [("3", "benefit", "XYZ"), ("5", "amount", "dix euros")]
    assert counts(services) == before


def test_same_files_twice_book_nothing_the_second_time(invoke: Invoke, services: Services) -> None:
    import_valid_files(invoke)
    before = counts(services)
    result = invoke("import", "debtors", str(DATA / "debtors.csv"), "--organism", ORGANISM)
    assert result.exit_code == 0, result.output
    assert "0 créés / 0 mis à jour / 3 inchangés" in result.stdout
    assert "Rien de nouveau" in result.stdout
    result = invoke("import", "claims", str(DATA / "claims.csv"), "--organism", ORGANISM)
    assert result.exit_code == 0, result.output
    assert "0 créés / 0 mis à jour / 3 inchangés" in result.stdout
    assert "Rien de nouveau" in result.stdout
    assert counts(services) == before


def test_overlapping_files_import_only_what_is_new(
    invoke: Invoke, services: Services, tmp_path: Path
) -> None:
    import_valid_files(invoke)
    debtors = write(
        tmp_path,
        "debtors.csv",
        "ref,kind,name,email\n"
        "A002,person,Jean Martin,jean.martin@example.fr\n"  # new e-mail: updated
        "A003,person,Paul Petit,\n",
    )
    result = invoke("import", "debtors", str(debtors), "--organism", ORGANISM)
    assert result.exit_code == 0, result.output
    assert "1 créés / 1 mis à jour / 0 inchangés" in result.stdout
    claims = write(
        tmp_path,
        "claims.csv",
        f"{CLAIMS_HEADER}\n"
        "C3,E001,AF,,organism_error,2023-12-01,45.99,2024-01-10,2024-01-15,\n"
        "C4,A003,APL,,debtor_error,2024-01-05,80.00,2024-03-01,2024-03-05,\n",
    )
    result = invoke("import", "claims", str(claims), "--organism", ORGANISM)
    assert result.exit_code == 0, result.output
    assert "1 créés / 0 mis à jour / 1 inchangés" in result.stdout
    assert counts(services) == {"debtors": 4, "quotients": 1, "claims": 4, "lines": 5, "movements": 4}


def test_semicolon_csv_with_bom(invoke: Invoke, services: Services, tmp_path: Path) -> None:
    debtors = write(
        tmp_path,
        "débiteurs.csv",
        "\ufeffref;kind;name;prp_quotient;prp_quotient_from;receives_benefits\r\n"
        "A001;person;Durand, Marie;712,50;2024-01-01;OUI\r\n",
    )
    result = invoke("import", "debtors", str(debtors), "--organism", ORGANISM)
    assert result.exit_code == 0, result.output
    claims = write(
        tmp_path,
        "créances.csv",
        "\ufeffref;debtor;benefit;responsibility;paid_on;amount;notified_on\r\n"
        "C1;A001;AL;debtor_error;2024-01-05;1 204,50;2024-03-05\r\n",
    )
    result = invoke("import", "claims", str(claims), "--organism", ORGANISM)
    assert result.exit_code == 0, result.output
    assert view_claim(services, ORGANISM, "C1", date(2024, 3, 5)).balance == 120450
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORGANISM)
        debtor = repository.get_debtor(session, organism_id, "A001")
    assert debtor is not None and debtor.name == "Durand, Marie" and debtor.receives_benefits
    assert debtor.prp_quotient_on(date(2024, 6, 1)) == 71250


def test_parquet_debtors_and_claims(invoke: Invoke, services: Services, tmp_path: Path) -> None:
    pq.write_table(
        pa.table(
            {
                "ref": ["A001", "E001"],
                "kind": ["person", "legal"],
                "name": ["Marie Durand", "Boulangerie du Port"],
                "siren": [None, "732829320"],
                "prp_quotient": pa.array([Decimal("712.50"), None], pa.decimal128(10, 2)),
                "prp_quotient_from": pa.array([date(2024, 1, 1), None], pa.date32()),
                "receives_benefits": [True, False],
            }
        ),
        tmp_path / "debtors.parquet",
    )
    result = invoke("import", "debtors", str(tmp_path / "debtors.parquet"), "--organism", ORGANISM)
    assert result.exit_code == 0, result.output
    assert "2 créés" in result.stdout
    pq.write_table(
        pa.table(
            {
                "ref": ["C1", "C1", "C2"],
                "debtor": ["A001", "A001", "E001"],
                "benefit": ["AL", "AL", "CONTRIB"],
                "responsibility": ["debtor_error", "debtor_error", "debtor_error"],
                "paid_on": pa.array([date(2024, 1, 5), date(2024, 2, 5), date(2024, 1, 31)], pa.date32()),
                "amount": pa.array(
                    [Decimal("120.50"), Decimal("99.99"), Decimal("1500.00")], pa.decimal128(12, 2)
                ),
                "notified_on": pa.array([date(2024, 3, 5)] * 3, pa.date32()),
            }
        ),
        tmp_path / "claims.pq",
    )
    result = invoke("import", "claims", str(tmp_path / "claims.pq"), "--organism", ORGANISM)
    assert result.exit_code == 0, result.output
    assert "2 créés" in result.stdout
    assert view_claim(services, ORGANISM, "C1", date(2024, 3, 5)).balance == 22049
    assert view_claim(services, ORGANISM, "C2", date(2024, 3, 5)).balance == 150000


def test_parquet_problem_lines_follow_the_row_numbers(
    invoke: Invoke, services: Services, tmp_path: Path
) -> None:
    pq.write_table(
        pa.table({"ref": ["A1", "A2", "A3"], "kind": ["person", "personne", "legal"]}), tmp_path / "d.parquet"
    )
    result = invoke("import", "debtors", str(tmp_path / "d.parquet"), "--organism", ORGANISM)
    assert result.exit_code == 1
    assert report(result) == [("3", "kind", "personne")]
    assert counts(services)["debtors"] == 0


def test_unknown_debtor_names_the_line_and_the_column(
    invoke: Invoke, services: Services, tmp_path: Path
) -> None:
    import_valid_files(invoke)
    claims = write(
        tmp_path,
        "claims.csv",
        f"{CLAIMS_HEADER}\n"
        "C10,A001,AL,own,debtor_error,2024-01-05,10.00,2024-03-01,2024-03-05,\n"
        "C11,Z999,AL,own,debtor_error,2024-01-05,10.00,2024-03-01,2024-03-05,\n",
    )
    before = counts(services)
    result = invoke("import", "claims", str(claims), "--organism", ORGANISM)
    assert result.exit_code == 1
    assert report(result) == [("3", "debtor", "Z999")]
    assert counts(services) == before


def test_rows_of_one_claim_that_disagree_on_benefit(
    invoke: Invoke, services: Services, tmp_path: Path
) -> None:
    import_valid_files(invoke)
    claims = write(
        tmp_path,
        "claims.csv",
        f"{CLAIMS_HEADER}\n"
        "C10,A001,AL,own,debtor_error,2024-01-05,10.00,2024-03-01,2024-03-05,\n"
        "C10,A001,APL,own,debtor_error,2024-02-05,10.00,2024-03-01,2024-03-05,\n",
    )
    result = invoke("import", "claims", str(claims), "--organism", ORGANISM)
    assert result.exit_code == 1
    ((_, _, _, reason),) = problems(result)
    assert "diffère de la ligne 2 (AL)" in reason


def test_database_refusals_are_mapped_to_file_lines(
    invoke: Invoke, services: Services, tmp_path: Path
) -> None:
    import_valid_files(invoke)
    before = counts(services)
    claims = write(  # C1 exists with 2 x 120.50
        tmp_path,
        "claims.csv",
        f"{CLAIMS_HEADER}\n"
        "C9,A001,AL,own,debtor_error,2024-01-05,10.00,2024-03-01,2024-03-05,\n"
        "C1,A001,AL,own,debtor_error,2024-01-05,120.50,2024-03-01,2024-03-05,\n"
        "C1,A001,AL,own,debtor_error,2024-02-05,999.00,2024-03-01,2024-03-05,\n",
    )
    result = invoke("import", "claims", str(claims), "--organism", ORGANISM)
    assert result.exit_code == 1
    assert problems(result) == [
        ("3", "ref", "C1", "déjà constatée avec un autre contenu (créance sur les lignes 3, 4)")
    ]
    debtors = write(
        tmp_path,
        "debtors.csv",
        "ref,kind,prp_quotient,prp_quotient_from\nA009,person,,\nA001,person,800.00,2024-01-01\n",
    )
    result = invoke("import", "debtors", str(debtors), "--organism", ORGANISM)
    assert result.exit_code == 1
    assert report(result) == [("3", "prp_quotient", "800.00")]
    assert counts(services) == before


def test_unknown_organism_is_a_clear_error(invoke: Invoke, services: Services) -> None:
    result = invoke("import", "debtors", str(DATA / "debtors.csv"), "--organism", "CAF-99")
    assert result.exit_code == 1
    assert "organisme 'CAF-99' inconnu" in flat(result.stderr)
    assert "recouvre organisms add CAF-99 --country FR" in flat(result.stderr)
    assert counts(services)["debtors"] == 0


def test_unknown_and_missing_columns(invoke: Invoke, services: Services, tmp_path: Path) -> None:
    path = write(tmp_path, "debtors.csv", "ref,nature,nom\nA1,person,x\n")
    result = invoke("import", "debtors", str(path), "--organism", ORGANISM)
    assert result.exit_code == 1
    assert report(result) == [("1", "kind", ""), ("1", "nature", "nature"), ("1", "nom", "nom")]


def test_columns_absent_from_the_file_keep_their_recorded_values(
    invoke: Invoke, services: Services, tmp_path: Path
) -> None:
    import_valid_files(invoke)
    quotients = write(
        tmp_path,
        "quotients.csv",
        "ref,kind,prp_quotient,prp_quotient_from\nA001,person,650.00,2024-07-01\nA002,person,,\n",
    )
    result = invoke("import", "debtors", str(quotients), "--organism", ORGANISM)
    assert result.exit_code == 0, result.output
    assert "0 créés / 0 mis à jour / 2 inchangés, 1 quotient PRP ajouté" in result.stdout
    assert "Rien de nouveau" not in result.stdout
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORGANISM)
        marie = repository.get_debtor(session, organism_id, "A001")
    assert marie is not None and marie.name == "Marie Durand" and marie.nir == "184017512345658"
    assert marie.receives_benefits and marie.address == "1 rue de la Paix\n44000 Nantes"
    assert marie.prp_quotient_on(date(2024, 6, 30)) == 71250
    assert marie.prp_quotient_on(date(2024, 7, 1)) == 65000
    result = invoke("import", "debtors", str(quotients), "--organism", ORGANISM)
    assert "0 créés / 0 mis à jour / 2 inchangés" in result.stdout and "Rien de nouveau" in result.stdout
