"""The monthly snapshots and the network view, authorised like reads (``reports.portfolio``): a
local user may write and read his organism's snapshots; the network view across organisms is
for network-level users only (no organism: ``door.NETWORK``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from recouvre.security.authorization import Actor, Subject
from recouvre.service import snapshots
from recouvre.service.commands.indicators import READ
from recouvre.service.context import Services
from recouvre.service.door import NETWORK, guard


def write_snapshots(
    services: Services,
    actor: Actor,
    organisms: Iterable[str],
    first: str,
    last: str,
    root: Path,
    *,
    until: date,
) -> list[snapshots.Written]:
    wanted = list(organisms)
    for organism in wanted:
        guard(services, actor, READ, Subject(organism=organism))
    return snapshots.write_months(services, wanted, first, last, root, until=until)


def read_network(
    services: Services,
    actor: Actor,
    root: Path,
    first: str,
    last: str,
    organisms: Iterable[str] | None = None,
) -> snapshots.NetworkView:
    if organisms is None:
        guard(services, actor, READ, Subject(organism=NETWORK))
    else:
        for organism in organisms:
            guard(services, actor, READ, Subject(organism=organism))
    return snapshots.network_view(root, first, last, organisms)
