"""What every command shares: the database URL, the policy folder, who acts, the console.

Who acts: the user named by ``--as USER`` (or ``RECOUVRE_USER``), loaded from the database (known
and active) with the roles, organism, agency and mandates the API would give them. A command
that changes something asks for that user (``actor``); a batch run (imports, the monthly
cycle, the withholding file, the prescription watch, printing letters, the test data) acts as
the ``system`` account when nobody is named (``batch_actor``), with the rights ``roles.yaml``
gives that account. Whatever the interface, the service command (``recouvre.service.commands``)
decides whether the act is allowed and records it under that user.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from recouvre.domain.errors import AmountError, Busy, DomainError, Overpayment, Refused
from recouvre.domain.french import explain
from recouvre.domain.money import Cents, format_money
from recouvre.security.authorization import Actor, Forbidden
from recouvre.service import Services, accounts
from recouvre.service.context import open_services, organism_codes

T = TypeVar("T")
USER_VARIABLE = "RECOUVRE_USER"
NO_USER = 2
"""Exit code when nobody is named, or the user named is unknown or disabled."""
FORBIDDEN = 3
"""Exit code when the user may not do the act (roles, mandates, scope, separation of duties)."""
BUSY = 75
"""Exit code (EX_TEMPFAIL) when the act was given up after conflicts with concurrent acts."""

# Tables stay readable when the output is a pipe or a CI log (Rich would otherwise use 80 columns).
console = Console(width=None if Console().is_terminal else 160)
errors = Console(stderr=True, width=None if Console(stderr=True).is_terminal else 160)


@dataclass
class CliState:
    db_url: str | None
    policy_dir: Path | None
    user: str | None = None
    """``--as`` (or ``RECOUVRE_USER``): the user who acts."""
    _services: Services | None = field(default=None, repr=False)
    _actor: Actor | None = field(default=None, repr=False)

    @property
    def opened(self) -> Services | None:
        """The services if the command opened its database (else nothing was touched)."""
        return self._services

    def services(self) -> Services:
        if self._services is None:
            self._services = open_services(self.db_url, self.policy_dir)
        return self._services

    def actor(self, *, system: bool = False) -> Actor:
        """The named user's actor; with ``system``, the system account when nobody is named."""
        if self._actor is not None:
            return self._actor
        if not self.user:
            if system:
                return accounts.SYSTEM_ACTOR
            raise fail(
                f"qui agit ? précisez --as UTILISATEUR (ou {USER_VARIABLE}) : un utilisateur actif "
                "de « recouvre users list »",
                NO_USER,
            )
        try:
            self._actor = accounts.acting_user(self.services(), self.user)
        except accounts.Unauthenticated as error:
            raise fail(f"--as {escape(self.user)} : {escape(str(error))}", NO_USER) from None
        return self._actor


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
        root.obj = CliState(
            db_url=os.environ.get("RECOUVRE_DB"),
            policy_dir=default_policy_dir(),
            user=os.environ.get(USER_VARIABLE) or None,
        )
    if not LAST_STATE or LAST_STATE[-1] is not root.obj:
        LAST_STATE[:] = [root.obj]
    return root.obj


def services(ctx: typer.Context) -> Services:
    return state(ctx).services()


def actor(ctx: typer.Context) -> Actor:
    """The user who acts (``--as``); exit 2 with the reason when nobody, or nobody valid, is named."""
    return state(ctx).actor()


def batch_actor(ctx: typer.Context) -> Actor:
    """The user named by ``--as``, else the ``system`` account (batch runs only)."""
    return state(ctx).actor(system=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]erreur[/]: {message}", highlight=False)
    return typer.Exit(code)


@contextmanager
def refused() -> Iterator[None]:
    """An act the roles forbid: exit 3; one the rules refuse (or an unknown reference): exit 1."""
    try:
        yield
    except Forbidden as error:
        raise fail(f"refusé : {escape(error.reason)}", FORBIDDEN) from None
    except DomainError as error:  # Refused and NotFound are DomainErrors
        text = (
            error.reason
            if isinstance(error, Refused | Overpayment)
            else explain(error.field, error.reason, error.value)
        )
        raise fail(escape(f"refusé : {text}")) from None
    except AmountError as error:
        raise fail(escape(str(error))) from None
    except Busy as error:
        raise fail(escape(str(error)), BUSY) from None


def attempt(call: Callable[[], T]) -> T:
    """``call()`` with ``refused``'s exit codes."""
    with refused():
        return call()


def organism_or_only(found: Services, organism: str | None) -> str:
    """``--organism`` when given, else the database's only organism; a clear error otherwise."""
    if organism:
        return organism
    codes = organism_codes(found)
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


def option_date(text: str, option: str = "--date") -> date:
    """The date an option gives (``AAAA-MM-JJ``); a clear refusal naming the option (exit 1)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"{option} {escape(text)!r} : une date AAAA-MM-JJ") from None
