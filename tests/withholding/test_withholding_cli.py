"""`payments withhold` and `explain withholding` end to end, on a private SQLite database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import Result

from recouvre.cli import explain, payments
from recouvre.domain.model import Benefit, Country, Organism
from recouvre.service import Services
from recouvre.service.claims import view_claim
from recouvre.service.registry import ensure_organism

from .conftest import ORGANISM, Invoke, add_claim, add_debtor, counts, flat, problems

HEADER = "debtor,benefit,regular,arrears,after_rent_debt_clearance,run_id,paid_on\n"
PAYMENTS = (
    HEADER
    + "D1,AF,131.55,,false,2020-03,2020-03-05\n"
    + "D1,AL,400.00,,false,2020-03,2020-03-05\n"
    + "D2,AL,200.00,300.00,,2020-03,2020-03-05\n"
    + "D3,RSA,500,,,2020-03,2020-03-05\n"
    + "D4,AL,200.00,300.00,true,2020-03,2020-03-05\n"
)
EXPECTED = (
    "run_id,debtor,gross,claim,withheld,net\n"
    "2020-03,D1,531.55,K1,100.00,332.95\n"
    "2020-03,D1,531.55,K2,98.60,332.95\n"
    "2020-03,D2,500.00,C2,349.00,151.00\n"
    "2020-03,D3,500.00,,0.00,500.00\n"
    "2020-03,D4,500.00,C4,49.00,451.00\n"
)


@pytest.fixture
def portfolio(services: Services) -> Services:
    add_debtor(services, "D1", "700.00")
    add_debtor(services, "D2", "200.00")
    add_debtor(services, "D3", "200.00")
    add_debtor(services, "D4", "200.00")
    add_claim(services, "K2", "D1", "900.00", date(2020, 1, 10), benefit=Benefit.AL)
    add_claim(services, "K1", "D1", "100.00", date(2020, 1, 10))
    add_claim(services, "C2", "D2", "2500.00", date(2020, 1, 10), benefit=Benefit.AL)
    add_claim(services, "C3", "D3", "50.00", date(2020, 1, 10), benefit=Benefit.RSA)  # under 77.00
    add_claim(services, "C4", "D4", "2500.00", date(2020, 1, 10), benefit=Benefit.AL)
    return services


def withhold(invoke: Invoke, *args: str) -> Result:
    return invoke(payments.app, ["withhold", *args])


def test_withhold_writes_the_withholding_file(portfolio: Services, invoke: Invoke, tmp_path: Path) -> None:
    source = tmp_path / "march.csv"
    source.write_text(PAYMENTS, encoding="utf-8")
    result = withhold(invoke, str(source), "--organism", ORGANISM)
    assert result.exit_code == 0, result.output
    output = tmp_path / "march.withholding.csv"
    assert output.read_text(encoding="utf-8") == EXPECTED
    summary = flat(result.stdout)
    assert "march.csv : 4 débiteurs, brut 2 031,55 €, retenu 596,60 €, net versé 1 434,95 €" in summary
    assert "0 déjà traités" in summary
    assert "march.withholding.csv (5 lignes)" in summary
    assert view_claim(portfolio, ORGANISM, "K2", date(2020, 3, 5)).balance == 90000 - 9860
    booked = counts(portfolio)
    # the same file again: nothing new, the same withholding file
    output.unlink()
    again = withhold(invoke, str(source), "--organism", ORGANISM)
    assert again.exit_code == 0, again.output
    assert counts(portfolio) == booked
    assert output.read_text(encoding="utf-8") == EXPECTED
    assert "4 déjà traités" in flat(again.stdout)
    assert "Rien de nouveau" in again.stdout


def test_an_output_that_is_not_a_plain_file_is_refused_before_anything_is_booked(
    portfolio: Services, invoke: Invoke, tmp_path: Path
) -> None:
    """The file is written aside and renamed onto ``--output``: a device (run as root,
    ``--output /dev/null`` replaced the device with a plain file) is refused first."""
    source = tmp_path / "march.csv"
    source.write_text(PAYMENTS, encoding="utf-8")
    booked = counts(portfolio)
    result = withhold(invoke, str(source), "--organism", ORGANISM, "--output", "/dev/null")
    assert result.exit_code == 1, result.output
    assert "fichier ordinaire" in flat(result.output)
    assert counts(portfolio) == booked
    assert Path("/dev/null").is_char_device()


def test_withhold_in_small_chunks_and_to_parquet(portfolio: Services, invoke: Invoke, tmp_path: Path) -> None:
    source = tmp_path / "march.csv"
    source.write_text(PAYMENTS, encoding="utf-8")
    target = tmp_path / "out" / "withheld.parquet"
    target.parent.mkdir()
    result = withhold(invoke, str(source), "--organism", ORGANISM, "-o", str(target), "--chunk", "2")
    assert result.exit_code == 0, result.output
    table = pq.read_table(target).to_pylist()
    assert [(row["debtor"], row["claim"], row["withheld"]) for row in table] == [
        ("D1", "K1", Decimal("100.00")),
        ("D1", "K2", Decimal("98.60")),
        ("D2", "C2", Decimal("349.00")),
        ("D3", None, Decimal("0.00")),
        ("D4", "C4", Decimal("49.00")),
    ]
    assert table[0]["gross"] == Decimal("531.55") and table[0]["net"] == Decimal("332.95")
    assert not list(target.parent.glob(".*partial"))


def test_a_parquet_payment_file(portfolio: Services, invoke: Invoke, tmp_path: Path) -> None:
    lines = [line.split(",") for line in PAYMENTS.splitlines()]
    columns = {name: [row[position] or None for row in lines[1:]] for position, name in enumerate(lines[0])}
    source = tmp_path / "march.parquet"
    pq.write_table(pa.table(columns), source)
    result = withhold(invoke, str(source), "--organism", ORGANISM)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "march.withholding.csv").read_text(encoding="utf-8") == EXPECTED


def test_an_invalid_payment_file_names_line_and_column_and_writes_nothing(
    portfolio: Services, invoke: Invoke, tmp_path: Path
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(
        HEADER
        + "D1,AF,131.55,,false,2020-03,2020-03-05\n"
        + "D1,XX,10.00,,false,2020-03,2020-03-05\n"  # unknown benefit
        + "D2,AL,12.345,,,2020-03,2020-03-05\n"  # three decimals
        + "D3,RSA,500,,,2020-03,2020-03-32\n"  # no such date
        + "NOBODY,AF,10,,,2020-03,2020-03-05\n"  # unknown debtor
        + "D1,AL,10,,false,2020-04,2020-03-05\n"  # another run for D1
        + "D4,AL,1,,maybe,2020-03,2020-03-05\n",  # not a flag
        encoding="utf-8",
    )
    before = counts(portfolio)
    result = withhold(invoke, str(source), "--organism", ORGANISM)
    assert result.exit_code == 1
    assert problems(result) == [
        ("3", "benefit", "XX"),
        ("4", "regular", "12.345"),
        ("5", "paid_on", "2020-03-32"),
        ("6", "debtor", "NOBODY"),
        ("7", "run_id", "2020-04"),
        ("8", "after_rent_debt_clearance", "maybe"),
    ]
    assert "6 erreurs dans bad.csv : fichier refusé, rien n'a été importé." in flat(result.stderr)
    assert counts(portfolio) == before
    assert not (tmp_path / "bad.withholding.csv").exists()


def test_a_file_without_required_columns_is_refused(
    portfolio: Services, invoke: Invoke, tmp_path: Path
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("debtor,benefit,amount,paid_on\nD1,AF,10,2020-03-05\n", encoding="utf-8")
    result = withhold(invoke, str(source), "--organism", ORGANISM)
    assert result.exit_code == 1
    assert problems(result) == [("1", "amount", "amount"), ("1", "regular", ""), ("1", "run_id", "")]


def test_unknown_organism(services: Services, invoke: Invoke, tmp_path: Path) -> None:
    source = tmp_path / "march.csv"
    source.write_text(PAYMENTS, encoding="utf-8")
    result = withhold(invoke, str(source), "--organism", "NOPE")
    assert result.exit_code == 1
    assert "organisme 'NOPE' inconnu" in flat(result.stderr)


def test_explain_withholding(portfolio: Services, invoke: Invoke, tmp_path: Path) -> None:
    source = tmp_path / "march.csv"
    source.write_text(PAYMENTS, encoding="utf-8")
    assert withhold(invoke, str(source), "--organism", ORGANISM).exit_code == 0
    result = invoke(explain.app, ["withholding", "--debtor", "D1", "--date", "2020-03-05"])
    assert result.exit_code == 0, result.output
    text = flat(result.stdout)
    assert "Débiteur D1 — passage 2020-03 du 2020-03-05" in text
    assert "Votre revenu mensuel pondéré (RMP) est de 700,00 €." in text
    assert "en vigueur depuis le 2020-01-01" in text
    assert "= 198,60 € par mois" in text
    assert "Créance K1 (rang 1, la plus ancienne d'abord) : 100,00 € retenus" in text
    assert "Total retenu 198,60 € ; montant versé 332,95 €." in text
    args = ["withholding", "--debtor", "D1", "--date", "2020-03-06", "--organism", ORGANISM]
    none = invoke(explain.app, args)
    assert none.exit_code == 0
    assert "Aucun paiement de prestations le 2020-03-06 pour le débiteur D1" in flat(none.stdout)
    unknown = invoke(explain.app, ["withholding", "--debtor", "ZZ", "--date", "2020-03-05"])
    assert unknown.exit_code == 1
    assert "debtor 'ZZ'" in flat(unknown.stderr)
    ensure_organism(portfolio, Organism(code="CAF-OTHER", country=Country.FR))
    several = invoke(explain.app, ["withholding", "--debtor", "D1", "--date", "2020-03-05"])
    assert several.exit_code == 1
    assert "plusieurs organismes (CAF-OTHER, CAF-TEST) : précisez --organism" in flat(several.stderr)
    bad_date = invoke(explain.app, ["withholding", "--debtor", "D1", "--date", "05/03/2020"])
    assert bad_date.exit_code == 1
    assert "--date '05/03/2020' : une date AAAA-MM-JJ" in flat(bad_date.stderr)
