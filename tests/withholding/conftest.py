"""Helpers for the withholding tests: debtors and claims of CAF-TEST, the payments CLI runner."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from recouvre.cli.common import CliState
from recouvre.domain.model import (
    Benefit,
    Claim,
    Creditor,
    DatedValue,
    Debtor,
    DebtorKind,
    Responsibility,
    UndueLine,
)
from recouvre.service import Services
from recouvre.service.claims import establish_claims
from recouvre.service.registry import register_debtors
from recouvre.storage.tables import BenefitPaymentRow, MovementRow

ORGANISM = "CAF-TEST"


def add_debtor(services: Services, ref: str, quotient: str | None = None) -> None:
    quotients = () if quotient is None else (DatedValue(date(2019, 1, 1), cents(quotient)),)
    debtor = Debtor(ref=ref, organism=ORGANISM, kind=DebtorKind.PERSON, prp_quotients=quotients)
    register_debtors(services, ORGANISM, [debtor])


def add_claim(
    services: Services,
    ref: str,
    debtor: str,
    amount: str,
    notified_on: date,
    *,
    benefit: Benefit = Benefit.AF,
    responsibility: Responsibility = Responsibility.DEBTOR_ERROR,
) -> None:
    claim = Claim(
        ref=ref,
        organism=ORGANISM,
        debtor_ref=debtor,
        benefit=benefit,
        creditor=Creditor.DEPARTEMENT if benefit is Benefit.RSA else Creditor.OWN,
        responsibility=responsibility,
        lines=(UndueLine(date(2019, 11, 5), cents(amount)),),
        established_on=notified_on,
        notified_on=None if responsibility is Responsibility.CHILD_DEATH else notified_on,
        detected_on=notified_on,
    )
    establish_claims(services, ORGANISM, [claim])


def cents(euros: str) -> int:
    whole, _, fraction = euros.partition(".")
    return int(whole) * 100 + int((fraction + "00")[:2])


def counts(services: Services) -> tuple[int, int]:
    """(movements, benefit payments) recorded."""
    with services.db.unit_of_work() as session:
        movements = session.scalar(select(func.count()).select_from(MovementRow)) or 0
        payments = session.scalar(select(func.count()).select_from(BenefitPaymentRow)) or 0
    return movements, payments


Invoke = Callable[[typer.Typer, Sequence[str]], Result]


@pytest.fixture
def invoke(services: Services) -> Invoke:
    """Run a CLI sub-app with ``services`` (the test's private database) as its state."""
    runner = CliRunner()

    def run(app: typer.Typer, args: Sequence[str]) -> Result:
        state = CliState(db_url=None, policy_dir=None, _services=services)
        return runner.invoke(app, list(args), obj=state, env={"COLUMNS": "200"})

    return run


def problems(result: Result) -> list[tuple[str, str, str]]:
    """(line, column, value) of each problem in the Rich table printed on stderr."""
    rows: list[tuple[str, str, str]] = []
    for text in result.stderr.splitlines():
        cells = [cell.strip() for cell in re.split(r"[│┃]", text)[1:-1]]
        if len(cells) == 4 and cells[0] and cells[0] != "ligne":
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def flat(text: str) -> str:
    return " ".join(text.split())
