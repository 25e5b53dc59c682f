"""The outbox: recording what became of a letter (sent, delivered, returned), authorised on the
letter's own organism."""

from __future__ import annotations

from datetime import date

from recouvre.domain.errors import NotFound
from recouvre.letters.status import LetterStatus
from recouvre.security.authorization import Actor, Subject
from recouvre.service import door, letter_interruptions, letters
from recouvre.service.context import Services


def mark_letter(
    services: Services,
    actor: Actor,
    letter_id: int,
    status: LetterStatus,
    on: date,
    note: str | None = None,
    why: str = "",
    *,
    organism_code: str | None = None,
) -> bool:
    """Record that the letter was sent, delivered or returned on ``on``; ``False`` if it already
    was (nothing changes). A registered letter delivered, or returned unclaimed ("non réclamé" in
    ``note``), interrupts the prescription of its claims from its sending date; returned for any
    other reason (NPAI) it is recorded as undeliverable (``service.letter_interruptions``)."""
    door.guard(services, actor, "letters.mark", Subject())
    organism = letters.organism_of(services, letter_id)
    if organism_code is not None and organism != organism_code:
        raise NotFound("letter", letter_id, f"aucun courrier de ce numéro dans {organism_code}")
    door.guard(services, actor, "letters.mark", Subject(organism=organism))
    with door.act(
        services, actor, "letters.mark", organism=organism, subject=f"courrier {letter_id}", on=on, why=why
    ) as current:
        sent = letter_interruptions.before_marking(services, letter_id)
        changed = letters.mark(services, letter_id, status, on, note)
        interrupted = (
            letter_interruptions.record_delivery(services, sent, status, note)
            if changed and sent is not None
            else []
        )
        served = (
            letter_interruptions.serve_contrainte(services, sent, status, on, actor.user)
            if changed and sent is not None
            else []
        )
        current.note(
            status=status.value, changed=changed, note=note or "", interrupts=interrupted, served=served
        )
    return changed
