"""The steering indicators, read like an act: authorised (``reports.portfolio``) for the
organism, whatever the interface (the API, the web pages, the command line, the scenario runner)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from recouvre.security.authorization import Actor, Subject
from recouvre.service import dashboards, indicators, snapshots
from recouvre.service.context import Services
from recouvre.service.door import NETWORK, guard

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
    return indicators.compute(services, organism, start, end, names, network=actor.organism is None)


def read_dashboard(
    services: Services, actor: Actor, organism: str, start: date, end: date
) -> dashboards.Dashboard:
    """The dashboard of ``organism``; a network user (no organism of his own) also sees every
    organism compared, a local user only his own."""
    guard(services, actor, READ, Subject(organism=organism))
    network = actor.organism is None
    if network:
        guard(services, actor, READ, Subject(organism=NETWORK))
    return dashboards.build(
        services, organism, start, end, network=network, snapshot_root=snapshots.default_root()
    )
