"""Every error the rules and the door raise to their callers, in one place.

The edges map them once: the API to HTTP statuses, the web pages to a message on the form, the
CLI to an exit code. Each names the field and the value that is wrong and says why.

* ``DomainError``: a fact that breaks a domain rule (``field``, ``value``, ``reason``).
* ``AmountError``: a text that is not a money amount.
* ``LedgerError``: a movement the ledger refuses; nothing is booked. ``PostingsRefused``: the
  prepared movements of a batch that the ledger's invariants refuse (each ``PostingProblem``).
* ``NotFound``: a reference that names nothing (an unknown organism, debtor, claim, task).
* ``Refused``: an event the rules forbid; nothing changed, and the refusal is recorded.
* ``BatchRejected``: a batch with at least one invalid item (every ``Problem`` listed); nothing
  of it was written.
* ``Busy``: an act given up after repeated conflicts with concurrent acts; nothing was written,
  the same request may be sent again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any


class DomainError(ValueError):
    """A fact that breaks a domain rule. ``field`` and ``value`` name what is wrong."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={value!r}: {reason}")

    def __reduce__(self) -> tuple[type[DomainError], tuple[str, object, str]]:
        # Batch units raise these in worker processes: they must cross back whole.
        return (type(self), (self.field, self.value, self.reason))


class AmountError(ValueError):
    """An amount that is not a valid money value; the message names the value."""


class LedgerError(DomainError):
    """A movement the ledger refuses; nothing is booked."""


@dataclass(frozen=True)
class PostingProblem:
    """A prepared row the ledger refuses: its place in the batch, its claim and key, and why."""

    index: int
    claim_id: int
    key: str
    field: str
    value: object
    reason: str

    def __str__(self) -> str:
        where = f"ligne {self.index + 1} (créance {self.claim_id}, clé {self.key})"
        return f"{where}: {self.field}={self.value!r}: {self.reason}"


class PostingsRefused(LedgerError):
    """A batch whose prepared movements the ledger refuses: nothing of the batch is written."""

    def __init__(self, where: str, problems: Sequence[PostingProblem]) -> None:
        self.where = where
        self.problems = list(problems)
        shown = "; ".join(str(problem) for problem in self.problems[:5])
        more = f" (et {len(self.problems) - 5} autres)" if len(self.problems) > 5 else ""
        count = len(self.problems)
        super().__init__("movements", where, f"{count} refusé(s) par le grand livre : {shown}{more}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.where, self.problems))


class NotFound(DomainError):
    """A reference that names nothing (an unknown organism, debtor or claim)."""


class Refused(DomainError):
    """An event the rules forbid: nothing changed, and the refusal is recorded.

    Raised inside a command's unit of work; the door (or ``service.context.refusals``) rolls the
    unit back, then records the refusal (``event`` on ``subject``, with its ``reason``) in a
    transaction of its own, so that it survives the rollback. ``recorded`` says it was.
    """

    def __init__(self, event: str, subject: str, reason: str) -> None:
        super().__init__(event, subject, reason)
        self.event = event
        self.subject = subject
        self.recorded = False
        self.organism: str | None = None
        self.on: date | None = None

    @property
    def message(self) -> str:
        return self.reason


@dataclass(frozen=True)
class Problem:
    """One invalid item of a batch: its position, the field, the value, the reason."""

    index: int
    field: str
    value: object
    reason: str


class BatchRejected(ValueError):
    """A batch with at least one invalid item: nothing of it was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0] if problems else None
        super().__init__(f"{len(problems)} élément(s) invalide(s) ; premier : {first}")

    def __reduce__(self) -> tuple[type[BatchRejected], tuple[list[Problem]]]:
        return (type(self), (self.problems,))


class Busy(Exception):
    """An act given up after repeated transient conflicts: ask again in ``retry_after`` seconds."""

    def __init__(self, action: str, retry_after: int = 1) -> None:
        super().__init__(f"{action} : base de données occupée, réessayer dans {retry_after} s")
        self.action = action
        self.retry_after = retry_after


class Overpayment(DomainError):
    """A payment larger than the claim's balance, not confirmed: the excess (``credit``, in cents)
    would become a credit to refund to the debtor. Nothing is booked; the same payment sent again
    with the confirmation books it, and the claim shows the credit to refund."""

    def __init__(self, claim: str, amount: int, balance: int, credit: int, reason: str) -> None:
        super().__init__("montant", amount, reason)
        self.claim = claim
        self.amount = amount
        self.balance = balance
        self.credit = credit

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.claim, self.amount, self.balance, self.credit, self.reason))
