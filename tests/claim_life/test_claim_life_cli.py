"""The claim-life CLI, mounted the way the lead registers it, on a SQLite file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from recouvre.cli.claim_life import appeal_app, over_indebtedness_app, remission_app, write_off_app
from recouvre.domain.model import Country, Debtor, DebtorKind, Organism
from recouvre.service import Services, accounts
from recouvre.service.claims import establish_claims
from recouvre.service.registry import ensure_organism, register_debtors
from recouvre.storage.claim_life_tables import RemissionCaseRow
from recouvre.storage.database import Database

from .conftest import ORG, make_claim


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RECOUVRE_DB", url)
    monkeypatch.delenv("RECOUVRE_POLICY_DIR", raising=False)
    services = Services(Database(url))
    ensure_organism(services, Organism(code=ORG, country=Country.FR))
    register_debtors(services, ORG, [Debtor(ref="D1", organism=ORG, kind=DebtorKind.PERSON)])
    establish_claims(services, ORG, [make_claim("C1"), make_claim("C2")])
    for name, role in USERS.items():
        accounts.add_user(services, name, "mot de passe long", [role], organism=ORG, by="test")
    services.db.dispose()
    monkeypatch.delenv("RECOUVRE_USER", raising=False)
    app = typer.Typer()
    app.add_typer(remission_app, name="remission")
    app.add_typer(write_off_app, name="write-off")
    app.add_typer(over_indebtedness_app, name="over-indebtedness")
    app.add_typer(appeal_app, name="appeal")
    return app


USERS = {"agent7": "case_worker", "compta": "accountant", "cra": "board_member"}


def _run(app: typer.Typer, *args: str, user: str | None = "agent7") -> tuple[int, str]:
    env = {} if user is None else {"RECOUVRE_USER": user}
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, " ".join(result.output.split())


WHO = ("--why", "dossier 12")


def test_remission_commands(invoke: typer.Typer, tmp_path: Path) -> None:
    code, out = _run(invoke, "remission", "request", "-o", ORG, "-c", "C1", "--date", "2026-02-02", *WHO)
    assert code == 0, out
    assert "les services" in out and "taux proposé 15 %" in out
    code, out = _run(invoke, "remission", "list", "-o", ORG)
    assert code == 0 and "C1" in out and "pending" in out
    decide = ("remission", "decide", "-o", ORG, "-c", "C1", "--date", "2026-03-02", "--rate", "50", *WHO)
    code, out = _run(invoke, *decide)
    assert code == 3 and "non permis à agent7" in out  # a case worker does not decide
    code, out = _run(invoke, *decide, user="cra")
    assert code == 3 and "décider une remise sous le seuil" in out  # routed to the services
    code, out = _run(invoke, *decide, user="compta")
    assert code == 0, out
    assert "partial" in out and "200,00 €" in out
    code, out = _run(
        invoke,
        "remission",
        "request",
        "-o",
        ORG,
        "-c",
        "C2",
        "--date",
        "2026-02-02",
        "--requester",
        "organism",
        *WHO,
    )
    assert code == 1 and "demande expresse du débiteur" in out
    database = Database(f"sqlite:///{tmp_path / 'cli.db'}")
    with database.unit_of_work() as session:
        case = session.scalars(select(RemissionCaseRow)).one()
        assert (case.recorded_by, case.recorded_why, case.decided_on) == (
            "agent7",
            "dossier 12",
            date(2026, 3, 2),
        )
    database.dispose()


def test_missing_who_and_bad_date(invoke: typer.Typer) -> None:
    code, _ = _run(invoke, "remission", "request", "-o", ORG, "-c", "C1", "--date", "2026-02-02")
    assert code == 2  # --why is required
    code, out = _run(
        invoke, "remission", "request", "-o", ORG, "-c", "C1", "--date", "2026-02-02", *WHO, user=None
    )
    assert code == 2 and "--as" in out  # and so is who acts
    code, out = _run(
        invoke, "remission", "request", "-o", ORG, "-c", "C1", "--date", "2026-02-02", *WHO, user="nobody"
    )
    assert code == 2 and "utilisateur inconnu" in out
    code, out = _run(invoke, "appeal", "file", "-o", ORG, "-c", "C1", "--date", "02/02/2026", *WHO)
    assert code == 1 and "une date AAAA-MM-JJ" in out


def test_write_off_appeal_and_over_indebtedness_commands(invoke: typer.Typer) -> None:
    code, out = _run(invoke, "write-off", "propose", "-o", ORG, "--date", "2026-03-01", "--below", "500")
    assert code == 0 and "2 créance(s)" in out
    code, out = _run(
        invoke, "write-off", "propose", "-o", ORG, "-c", "C2", "--date", "2026-03-01", *WHO, user="compta"
    )
    assert code == 0 and "proposée" in out
    decide = ("write-off", "decide", "-o", ORG, "-c", "C2", "--date", "2026-03-01", *WHO)
    code, out = _run(invoke, *decide, user="compta")
    assert code == 3 and "une autre personne la prend" in out  # maker-checker
    code, out = _run(invoke, *decide, user="cra")
    assert code == 0 and "400,00 €" in out
    revive = ("write-off", "revive", "-o", ORG, "-c", "C2", "--date", "2026-04-01", *WHO)
    code, out = _run(invoke, *revive, user="compta")
    assert code == 0 and "reprise" in out
    code, out = _run(invoke, "appeal", "file", "-o", ORG, "-c", "C1", "--date", "2026-02-01", *WHO)
    assert code == 0 and "recouvrement suspendu" in out
    code, out = _run(
        invoke,
        "appeal",
        "decide",
        "-o",
        ORG,
        "-c",
        "C1",
        "--date",
        "2026-03-01",
        "--outcome",
        "reduced",
        "--amount",
        "100.00",
        *WHO,
        user="cra",
    )
    assert code == 0 and "annulé 300,00 €" in out
    code, out = _run(invoke, "appeal", "withdraw", "-o", ORG, "-c", "C1", "--date", "2026-03-02", *WHO)
    assert code == 1 and "aucun recours en attente" in out
    code, out = _run(invoke, "appeal", "sweep-implicit", "-o", ORG, "--date", "2026-06-01", *WHO, user=None)
    assert code == 0 and "0 rejet(s)" in out  # a batch run: the system account
    code, out = _run(
        invoke, "over-indebtedness", "admissible", "-o", ORG, "-d", "D1", "--date", "2026-05-02", *WHO
    )
    assert code == 0 and "admissible" in out
    code, out = _run(
        invoke,
        "over-indebtedness",
        "contested",
        "-o",
        ORG,
        "-d",
        "D1",
        "--date",
        "2026-05-10",
        "--deadline",
        "2026-05-25",
        *WHO,
    )
    assert code == 0 and "contested" in out
    code, out = _run(
        invoke,
        "over-indebtedness",
        "plan",
        "-o",
        ORG,
        "-d",
        "D1",
        "--date",
        "2026-06-02",
        "--monthly",
        "30",
        *WHO,
    )
    assert code == 0 and "plan" in out
    code, out = _run(
        invoke, "over-indebtedness", "discharge", "-o", ORG, "-d", "D1", "--date", "2026-07-02", *WHO
    )
    assert code == 0 and "effacé" in out
