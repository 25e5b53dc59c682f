"""What event handlers and checkers receive: the services of one replay and its facts.

``Replay`` is built by the runner for one file and one private database. Handlers
and checkers only call the service layer through ``replay.services``; reading
helpers here (``claim_view``, ``refusals``) go through the service layer or the
repository's read functions, never write to tables.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from recouvre.domain.errors import NotFound
from recouvre.security.authorization import Actor
from recouvre.service import queries
from recouvre.service.claims import ClaimView, view_claim
from recouvre.service.context import Services

NOT_ESTABLISHED = "not established"
_MAX_NAME = 60


@dataclass(frozen=True)
class Mismatch:
    """One part of a check that does not hold: ``key`` (e.g. ``balance.C1``), both values as text."""

    key: str
    expected: str
    actual: str


@dataclass(frozen=True)
class Step:
    """One timeline event to apply: its position in the file, its date, its key and checked value."""

    index: int
    on: date
    key: str
    value: object


@dataclass
class Replay:
    """One replay of one file: the services bound to its private database, and its local facts."""

    services: Services
    organism: str
    file_key: str
    """Stable name of the file, used to derive idempotency keys (``payment`` events)."""
    established_on: dict[str, date] = field(default_factory=dict)
    """Claim id -> the date the claim is created."""

    def idempotency_key(self, step: Step) -> str:
        """Derived from the file and the timeline index: replaying the file books nothing new.

        A long file name is shortened with a digest so the movement key stays within its limit.
        """
        name = self.file_key
        if len(name) > _MAX_NAME:
            name = f"{name[: _MAX_NAME - 9]}~{hashlib.sha256(name.encode()).hexdigest()[:8]}"
        return f"scn:{name}:timeline[{step.index}]"

    def claim_view(self, claim: str, on: date) -> ClaimView | None:
        """The claim at the end of ``on``, or ``None`` when it is not established by then."""
        established = self.established_on.get(claim)
        if established is None or on < established:
            return None
        try:
            return view_claim(self.services, self.organism, claim, on)
        except NotFound:
            return None

    def refusals(self, on: date) -> list[str]:
        """The keys of the events refused on ``on``, in the order they were refused."""
        return queries.refused_events(self.services, self.organism, on)


def actor(replay: Replay, role: str) -> Actor:
    """The scenario's actor in ``role`` (``scenario:<role>``), working for the scenario's organism:
    the acts go through the same authorised commands as the API's, the web's and the command
    line's, and a decision is taken by another person than the one who proposed it."""
    return Actor(f"scenario:{role}", frozenset({role}), organism=replay.organism)
