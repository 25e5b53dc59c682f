"""Scenario support for one procedure family. Claim life (prescription, remissions, write-offs, over-
indebtedness, appeals): their events and checks.

Its EVENTS and CHECKS are merged into the registries of events and checks.
"""

from __future__ import annotations

from typing import Any

from recouvre.scenario.checks_base import CheckSpec
from recouvre.scenario.events_base import EventSpec

EVENTS: dict[str, EventSpec[Any]] = {}
CHECKS: dict[str, CheckSpec[Any]] = {}
