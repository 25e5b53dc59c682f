"""Scenario support for prescription: registered_letter and acknowledgment events, the
prescription_date check. Its EVENTS and CHECKS are merged into the registries."""

from __future__ import annotations

from typing import Any

from recouvre.scenario.checks_base import CheckSpec
from recouvre.scenario.events_base import EventSpec

EVENTS: dict[str, EventSpec[Any]] = {}
CHECKS: dict[str, CheckSpec[Any]] = {}
