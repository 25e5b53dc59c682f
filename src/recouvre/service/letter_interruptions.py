"""What the delivery of a registered letter does to prescription, in real use (``letters mark``,
the API, the web): the same rule as the scenarios' ``registered_letter`` event (RULES.md §3.2,
CSS L133-4-6).

A registered letter with acknowledgment of receipt (LRAR) — the formal notice, the contrainte,
the CNSS's last notice and commandement — marked ``delivered`` records, for every claim it
covers, an interruption dated the day it was **sent** (the ``sent`` status date, else its issue
date); marked ``returned`` with a note saying it was not claimed ("non réclamé", "unclaimed"),
it interrupts the same way; returned for any other reason (NPAI, "pli non distribuable") it is
recorded as ``undeliverable`` and interrupts nothing. The notification is not counted: it is
sent by any means giving a date of receipt (``service.interruptions``). Idempotent: one
interruption per letter and claim (key ``letter-<id>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from recouvre.domain.errors import NotFound
from recouvre.letters.status import LetterStatus
from recouvre.service import interruptions
from recouvre.service.context import Services
from recouvre.service.interruptions import LetterOutcome
from recouvre.service.letter_queries import letter_organism
from recouvre.storage.tables import ClaimRow, LetterClaimRow

REGISTERED_TYPES = frozenset({"formal_notice", "contrainte", "last_notice", "commandement"})
"""The letters sent as registered letters with acknowledgment of receipt that interrupt."""
UNCLAIMED_WORDS = ("non réclam", "non reclam", "unclaimed", "avisé non réclamé")


@dataclass(frozen=True)
class Sent:
    """A registered letter before its delivery is recorded: its organism, its claims, when sent."""

    letter_id: int
    organism: str
    type: str
    sent_on: date
    claims: tuple[str, ...]
    title: int | None = None
    """The enforcement title a contrainte letter notifies."""


def before_marking(services: Services, letter_id: int) -> Sent | None:
    """The facts of ``letter_id`` needed once its delivery is recorded; ``None`` when it is not a
    registered letter or is not ``sent`` (marking it records no interruption)."""
    with services.db.unit_of_work() as session:
        found = letter_organism(session, letter_id)
        if found is None:
            raise NotFound("letter", letter_id, "courrier introuvable")
        letter, organism = found
        if letter.type not in REGISTERED_TYPES or letter.status != LetterStatus.SENT.value:
            return None
        refs = session.scalars(
            select(ClaimRow.ref)
            .join(LetterClaimRow, LetterClaimRow.claim_id == ClaimRow.id)
            .where(LetterClaimRow.letter_id == letter_id)
            .order_by(ClaimRow.ref)
        )
        title = (letter.data or {}).get("title")
        return Sent(
            letter_id,
            organism,
            letter.type,
            letter.status_on or letter.issued_on,
            tuple(refs),
            int(str(title)) if title is not None else None,
        )


def outcome_of(status: LetterStatus, note: str | None) -> LetterOutcome | None:
    """The registered letter's outcome for a delivery status and its note."""
    if status is LetterStatus.DELIVERED:
        return LetterOutcome.DELIVERED
    if status is LetterStatus.RETURNED:
        text = (note or "").lower()
        unclaimed = any(word in text for word in UNCLAIMED_WORDS)
        return LetterOutcome.UNCLAIMED if unclaimed else LetterOutcome.UNDELIVERABLE
    return None


def record_delivery(services: Services, sent: Sent, status: LetterStatus, note: str | None) -> list[str]:
    """Record the registered letter's outcome on each claim it covers; returns the claims whose
    prescription it interrupts."""
    outcome = outcome_of(status, note)
    if outcome is None:
        return []
    for claim in sent.claims:
        interruptions.registered_letter(
            services,
            sent.organism,
            claim,
            sent.sent_on,
            outcome,
            reference=f"courrier {sent.letter_id}",
            key=f"letter-{sent.letter_id}",
        )
    return list(sent.claims) if outcome.value in interruptions.INTERRUPTING_OUTCOMES else []


def serve_contrainte(services: Services, sent: Sent, status: LetterStatus, on: date, by: str) -> list[int]:
    """A contrainte sent by registered letter and delivered on ``on`` is notified that day (CSS
    R133-3: by any means giving proof of the date of receipt): its title is ``served`` via
    ``registered_letter`` on the date of receipt, and the opposition window runs from it. Only a
    title still ``issued`` is served this way; returns the titles served."""
    if sent.type != "contrainte" or status is not LetterStatus.DELIVERED:
        return []
    from recouvre.domain.enforcement import ServiceVia, TitleAct, TitleState
    from recouvre.service import enforcement

    served: list[int] = []
    for claim in sent.claims:
        for view in enforcement.titles_of(services, sent.organism, claim, on):
            if view.state is TitleState.ISSUED and view.id == sent.title:
                enforcement.record_act(
                    services,
                    sent.organism,
                    view.id,
                    TitleAct.SERVED,
                    on,
                    by=by,
                    why=f"courrier {sent.letter_id} distribué",
                    via=ServiceVia.REGISTERED_LETTER,
                )
                served.append(view.id)
    return served
