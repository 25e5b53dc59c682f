"""The outbox: recording what became of a letter (sent, delivered, returned), authorised on the
letter's own organism."""

from __future__ import annotations

from datetime import date

from recouvre.letters.status import LetterStatus
from recouvre.security.authorization import Actor, Subject
from recouvre.service import door, letters
from recouvre.service.context import Services


def mark_letter(
    services: Services,
    actor: Actor,
    letter_id: int,
    status: LetterStatus,
    on: date,
    note: str | None = None,
    why: str = "",
) -> bool:
    """Record that the letter was sent, delivered or returned on ``on``; ``False`` if it already
    was (nothing changes)."""
    door.guard(services, actor, "letters.mark", Subject())
    organism = letters.organism_of(services, letter_id)
    door.guard(services, actor, "letters.mark", Subject(organism=organism))
    with door.act(
        services, actor, "letters.mark", organism=organism, subject=f"courrier {letter_id}", on=on, why=why
    ) as current:
        changed = letters.mark(services, letter_id, status, on, note)
        current.note(status=status.value, changed=changed, note=note or "")
    return changed
