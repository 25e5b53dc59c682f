"""What every command shares: the database URL, the policy folder, the console."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from recouvre.domain.money import Cents, format_money
from recouvre.service import Services
from recouvre.storage.database import Database

# Tables stay readable when the output is a pipe or a CI log (Rich would otherwise use 80 columns).
console = Console(width=None if Console().is_terminal else 160)
errors = Console(stderr=True, width=None if Console(stderr=True).is_terminal else 160)


@dataclass
class CliState:
    db_url: str | None
    policy_dir: Path | None
    _services: Services | None = field(default=None, repr=False)

    @property
    def opened(self) -> Services | None:
        """The services if the command opened its database (else nothing was touched)."""
        return self._services

    def services(self) -> Services:
        if self._services is None:
            self._services = Services(Database(self.db_url), policy_dir=self.policy_dir)
        return self._services


def default_policy_dir() -> Path | None:
    configured = os.environ.get("RECOUVRE_POLICY_DIR")
    if configured:
        return Path(configured)
    local = Path("policies")
    return local if local.is_dir() else None


LAST_STATE: list[CliState] = []
"""The state of the command being run, kept for the audit record written when it ends."""


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState(db_url=None, policy_dir=default_policy_dir())
    if not LAST_STATE or LAST_STATE[-1] is not root.obj:
        LAST_STATE[:] = [root.obj]
    return root.obj


def services(ctx: typer.Context) -> Services:
    return state(ctx).services()


def fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]erreur[/]: {message}", highlight=False)
    return typer.Exit(code)


def organism_or_only(found: Services, organism: str | None) -> str:
    """``--organism`` when given, else the database's only organism; a clear error otherwise."""
    if organism:
        return organism
    from recouvre.storage import repository

    with found.db.unit_of_work() as session:
        codes = [item.code for item in repository.list_organisms(session)]
    if len(codes) == 1:
        return codes[0]
    if not codes:
        raise fail("aucun organisme enregistré : créez-le avec « recouvre organisms add »")
    raise fail(f"plusieurs organismes ({', '.join(codes)}) : précisez --organism")


CURRENCY_KEY = "currency"


def currency(found: Services, organism: str, on: date | None = None) -> str:
    """The organism's currency (policy ``currency``, ISO 4217: EUR for a Caf, MAD for the CNSS)
    in force on ``on`` (the latest when no date is given); EUR when the policy has none."""
    with found.db.unit_of_work() as session:
        _, known = found.organism(session, organism)
    policy = found.policy(known)
    if CURRENCY_KEY not in policy:
        return "EUR"
    if on is None:
        return str(policy.versions(CURRENCY_KEY)[-1].value)
    return policy.text(CURRENCY_KEY, on)


def money(found: Services, organism: str, on: date | None = None) -> Callable[[Cents], str]:
    """A formatter of amounts in the organism's currency: ``1 234,56 €`` or ``1 234,56 MAD``."""
    code = currency(found, organism, on)
    return lambda cents: format_money(cents, code)
