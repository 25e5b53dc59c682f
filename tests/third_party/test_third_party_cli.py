"""The third-party and SATD commands, mounted the way the CLI registers them, on a SQLite file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from recouvre.cli.third_party import app as third_party_app
from recouvre.cli.third_party import satd_app
from recouvre.domain.model import Country, Debtor, DebtorKind, Organism
from recouvre.service import Services, accounts
from recouvre.service.claims import establish_claims
from recouvre.service.registry import ensure_organism, register_debtors
from recouvre.storage.database import Database

from .conftest import ORG, make_claim

USERS = {"agent7": "case_worker", "compta": "accountant"}
WHO = ("--why", "dossier 12")


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RECOUVRE_DB", url)
    monkeypatch.delenv("RECOUVRE_POLICY_DIR", raising=False)
    services = Services(Database(url))
    ensure_organism(services, Organism(code=ORG, country=Country.FR))
    register_debtors(services, ORG, [Debtor(ref="D2", organism=ORG, kind=DebtorKind.PERSON)])
    establish_claims(services, ORG, [make_claim("C1", debtor="D2")])
    for name, role in USERS.items():
        accounts.add_user(services, name, "mot de passe long", [role], organism=ORG, by="test")
    services.db.dispose()
    monkeypatch.delenv("RECOUVRE_USER", raising=False)
    app = typer.Typer()
    app.add_typer(third_party_app, name="third-party")
    app.add_typer(satd_app, name="satd")
    return app


def _run(app: typer.Typer, *args: str, user: str = "compta") -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"RECOUVRE_USER": user})
    return result.exit_code, " ".join(result.output.split())


def test_transfer_file_and_statement(invoke: typer.Typer, tmp_path: Path) -> None:
    base = ("-o", ORG, "-c", "C1")
    code, out = _run(invoke, "third-party", "transfer", *base, "--date", "2026-04-02", *WHO, user="agent7")
    assert code == 3, out  # a case worker may not transfer
    code, out = _run(invoke, "third-party", "transfer", *base, "--date", "2026-04-02", *WHO)
    assert code == 1 and "n'est pas connu" in out
    code, out = _run(
        invoke, "third-party", "transfer", *base, "--date", "2026-04-02", "--departement", "44", *WHO
    )
    assert code == 0 and "transférée au département 44" in out and "600,00 €" in out, out
    code, out = _run(invoke, "third-party", "file", *base, "-O", str(tmp_path / "f.parquet"))
    assert code == 0 and (tmp_path / "f.parquet").exists(), out
    code, out = _run(
        invoke,
        "third-party",
        "statement",
        "-o",
        ORG,
        "--month",
        "2026-01",
        "--creditor",
        "departement",
        "-O",
        str(tmp_path / "s.pdf"),
    )
    assert code == 0 and "constaté 600,00 €" in out, out
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")


def test_satd_commands(invoke: typer.Typer) -> None:
    code, out = _run(
        invoke,
        "satd",
        "record",
        "-o",
        ORG,
        "-d",
        "D2",
        "--creditor",
        "SIP Nantes",
        "--reference",
        "S1",
        "--kind",
        "fraud",
        "--amount",
        "250.00",
        "--received",
        "2026-04-01",
        "--at",
        "10:30",
        *WHO,
    )
    assert code == 0 and "saisie 1" in out and "250,00 €" in out and "en cours" in out, out
    code, out = _run(invoke, "satd", "list", "-o", ORG, "-d", "D2")
    assert code == 0 and "SIP Nantes" in out
    code, out = _run(invoke, "satd", "release", "-o", ORG, "--notice", "1", "--date", "2026-05-01", *WHO)
    assert code == 0 and "mainlevée" in out, out
    code, out = _run(invoke, "satd", "release", "-o", ORG, "--notice", "1", "--date", "2026-05-02", *WHO)
    assert code == 1
    assert date(2026, 5, 1)
