"""Remissions (PM241 procedure 15). Placeholder until the claim-life issue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from recouvre.domain.model import Claim
from recouvre.service.context import Services


def open_automatic_cases(
    session: Session,
    services: Services,
    organism_id: int,
    claims: Sequence[tuple[int, Claim]],
    on: date | None = None,
) -> None:
    """Child-death claims get a remission case at creation, routed to the board at 100 % (R-NOTIF-2)."""
    return None
