"""Errors the service layer raises to its callers."""

from __future__ import annotations

from dataclasses import dataclass

from recouvre.domain.model import DomainError


class NotFound(DomainError):
    """A reference that names nothing (an unknown organism, debtor or claim)."""


class Refused(DomainError):
    """An event the rules forbid: nothing changed, and the refusal is recorded."""

    def __init__(self, event: str, subject: str, reason: str) -> None:
        super().__init__(event, subject, reason)
        self.event = event


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
        super().__init__(f"{len(problems)} invalid item(s); first: {problems[0] if problems else None}")

    def __reduce__(self) -> tuple[type[BatchRejected], tuple[list[Problem]]]:
        return (type(self), (self.problems,))
