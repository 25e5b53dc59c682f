"""The steering indicators, read like an act: authorised (``reports.portfolio``) for the
organism, whatever the interface (the API, the web pages, the command line, the scenario runner)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from recouvre.security.authorization import Actor, Subject
from recouvre.service import indicators
from recouvre.service.context import Services
from recouvre.service.door import guard

READ = "reports.portfolio"


def read_indicators(
    services: Services,
    actor: Actor,
    organism: str,
    start: date,
    end: date,
    names: Iterable[str] | None = None,
) -> indicators.IndicatorReport:
    """The indicators of ``organism`` from ``start`` to ``end`` included (default: all of them)."""
    guard(services, actor, READ, Subject(organism=organism))
    return indicators.compute(services, organism, start, end, names)
