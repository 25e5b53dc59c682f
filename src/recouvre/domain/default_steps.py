"""A step of the default ladder (policy ``default.steps``; SCENARIOS.md "The monthly cycle").

A domain value: the cycle's rules (``domain.defaults``) read it, the policy
(``recouvre.policy``) builds it from its parameter file.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultStep:
    """At the ``defaults``-th default of a claim: send ``letter``, create ``task`` if any."""

    defaults: int
    letter: str
    task: str | None = None

    def __post_init__(self) -> None:
        if self.defaults < 1:
            raise ValueError("defaults must be at least 1")
        if not self.letter:
            raise ValueError("a step needs a letter")
