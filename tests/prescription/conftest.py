"""Helpers for the prescription tests: debtors and claims of CAF-TEST, the CLI runner."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import pytest
import typer
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

ORGANISM = "CAF-TEST"


def add_debtor(services: Services, ref: str, *, name: str = "", quotient: int | None = None) -> None:
    quotients = () if quotient is None else (DatedValue(date(2019, 1, 1), quotient),)
    debtor = Debtor(ref=ref, organism=ORGANISM, kind=DebtorKind.PERSON, name=name, prp_quotients=quotients)
    register_debtors(services, ORGANISM, [debtor])


def make_claim(
    ref: str,
    debtor: str,
    lines: Sequence[tuple[date, int]],
    notified_on: date,
    *,
    benefit: Benefit = Benefit.AF,
    responsibility: Responsibility = Responsibility.DEBTOR_ERROR,
    detected_on: date | None = None,
) -> Claim:
    return Claim(
        ref=ref,
        organism=ORGANISM,
        debtor_ref=debtor,
        benefit=benefit,
        creditor=Creditor.DEPARTEMENT if benefit is Benefit.RSA else Creditor.OWN,
        responsibility=responsibility,
        lines=tuple(UndueLine(paid_on, amount) for paid_on, amount in lines),
        established_on=notified_on,
        notified_on=notified_on,
        detected_on=detected_on or notified_on,
    )


def add_claim(
    services: Services,
    ref: str,
    debtor: str,
    lines: Sequence[tuple[date, int]],
    notified_on: date,
    *,
    benefit: Benefit = Benefit.AF,
    responsibility: Responsibility = Responsibility.DEBTOR_ERROR,
    detected_on: date | None = None,
) -> None:
    claim = make_claim(
        ref,
        debtor,
        lines,
        notified_on,
        benefit=benefit,
        responsibility=responsibility,
        detected_on=detected_on,
    )
    establish_claims(services, ORGANISM, [claim])


Invoke = Callable[[typer.Typer, Sequence[str]], Result]


@pytest.fixture
def invoke(services: Services) -> Invoke:
    """Run a CLI sub-app with ``services`` (the test's private database) as its state."""
    runner = CliRunner()

    def run(app: typer.Typer, args: Sequence[str]) -> Result:
        state = CliState(db_url=None, policy_dir=None, _services=services)
        return runner.invoke(app, list(args), obj=state, env={"COLUMNS": "220"})

    return run


def flat(text: str) -> str:
    return " ".join(text.split())
