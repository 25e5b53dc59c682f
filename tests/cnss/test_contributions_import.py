"""Contributions due imported from CSV or Parquet (all or nothing, every error listed); unpaid at
their due date, the cycle surcharges them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from recouvre.adapters.generator import ice_of
from recouvre.cli import app
from recouvre.domain.errors import NotFound
from recouvre.service import Services, queries
from recouvre.storage.database import Database

runner = CliRunner()
ICE_1 = ice_of(1234567, 1)
ICE_2 = ice_of(7654321, 1)


def _setup(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path}/c.db"
    assert runner.invoke(app, ["--db", db, "organisms", "add", "CNSS", "--country", "MA"]).exit_code == 0
    debtors = tmp_path / "employeurs.csv"
    debtors.write_text(f"ref,kind,name,ice\nA100,legal,Atlas SARL,{ICE_1}\nB200,legal,Rif SA,{ICE_2}\n")
    result = runner.invoke(app, ["--db", db, "import", "debtors", str(debtors), "--organism", "CNSS"])
    assert result.exit_code == 0, result.output
    return db


def test_a_bad_file_is_refused_whole_with_every_error(tmp_path: Path) -> None:
    db = _setup(tmp_path)
    bad = tmp_path / "cotisations.csv"
    bad.write_text(
        "employer;ice;period;amount;due_on\n"
        f"A100;{ICE_1};2026-01;10000.00;2026-02-10\n"  # good
        f"A100;{ICE_2};2026-02;500.00;2026-03-10\n"  # another employer's ICE
        "B200;123456789012345;2026-01;100.00;2026-02-10\n"  # ICE check digits wrong
        "Z999;;2026-01;100.00;2026-02-10\n"  # unknown employer
        "B200;;2026-13;100.00;2026-02-10\n"  # no such month
        "B200;;2026-02;-5.00;2026-03-10\n"  # negative amount
        "B200;;2026-03;100.00;2026-03-31\n"  # due before the period's end
        "A100;;2026-01;200.00;2026-02-10\n"  # period declared twice
    )
    result = runner.invoke(app, ["--db", db, "import", "contributions", str(bad), "--organism", "CNSS"])
    assert result.exit_code == 1
    assert "7 erreurs" in result.output
    for reason in (
        "ne correspond pas",
        "période invalide",
        "inconnu",
        "antérieure ou égale",
        "déjà déclarée",
    ):
        assert reason in result.output, reason
    services = Services(Database(db))
    try:  # nothing written, not even the good line
        with pytest.raises(NotFound):
            queries.claim(services, "CNSS", "COT-A100-2026-01", date(2026, 2, 10))
    finally:
        services.db.dispose()


def test_parquet_import_then_surcharges_month_by_month(tmp_path: Path) -> None:
    db = _setup(tmp_path)
    file = tmp_path / "cotisations.parquet"
    table = pa.table(
        {
            "employer": ["A100", "B200"],
            "ice": [ICE_1, None],
            "period": ["2026-01", "2026-01"],
            "amount": pa.array(["10000.00", "2500.00"]),
            "due_on": pa.array([date(2026, 2, 10), date(2026, 2, 10)], type=pa.date32()),
        }
    )
    pq.write_table(table, file)
    args = ["--db", db, "import", "contributions", str(file), "--organism", "CNSS"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "2 créées" in first.output and "2 échéances" in first.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "0 créées / 2 inchangées ; 0 échéances" in again.output
    for month, day in (("2026-02", "2026-02-20"), ("2026-03", "2026-03-20")):
        done = runner.invoke(app, ["--db", db, "cycle", "run", "--month", month, "--date", day])
        assert done.exit_code == 0, done.output
    services = Services(Database(db))
    try:
        # 3 % then 0.5 % more (after the 2025 reform): 350.00 and 87.50.
        assert queries.claim(services, "CNSS", "COT-A100-2026-01", date(2026, 3, 20)).balance == "10350.00"
        assert queries.claim(services, "CNSS", "COT-B200-2026-01", date(2026, 3, 20)).balance == "2587.50"
    finally:
        services.db.dispose()
