"""Contacts with the debtor recorded without a task (a call received, a visit, an e-mail).

A contact is a claim event of kind ``contact``: its channel, its outcome and a note, written by
``record_contact`` in one unit of work. It changes nothing else: a promise or a plan obtained in
the contact is recorded by its own command (``plans.promise_to_pay``, ``plans.agree_plan``),
which is what interrupts prescription; the contact only keeps the trace of the exchange for the
file's timeline. Idempotent by key: the same key twice records one contact (the same key with
another content is an error).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import select

from recouvre.domain.errors import Refused
from recouvre.domain.french import long_date
from recouvre.domain.model import DomainError
from recouvre.service.claims import find_claim
from recouvre.service.context import Services, refusals
from recouvre.service.interruptions import event_key
from recouvre.storage import repository
from recouvre.storage.tables import ClaimEventRow

EVENT = "contact"
MAX_NOTE = 2000
E = TypeVar("E", bound=StrEnum)


class ContactChannel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    MAIL = "mail"
    """A letter from the debtor."""
    VISIT = "visit"
    """At the front desk."""
    SMS = "sms"


class ContactOutcome(StrEnum):
    REACHED = "reached"
    NOT_REACHED = "not_reached"
    PROMISE = "promise"
    """The debtor promised to pay (the promise itself is recorded by ``promises.record``)."""
    PLAN = "plan"
    """An instalment plan was negotiated (agreed by ``plans.agree``)."""


@dataclass(frozen=True)
class ContactView:
    claim_ref: str
    key: str
    """The claim event's key: ``{organism}:{claim}:contact:{the caller's key}``."""
    on: date
    channel: ContactChannel
    outcome: ContactOutcome
    note: str
    by: str
    new: bool
    """``False`` for a replay of a contact already recorded with this key."""


def _choice(kind: type[E], field: str, value: str | E) -> E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(item.value for item in kind)
        raise DomainError(field, value, f"une valeur parmi {allowed}") from None


def record_contact(
    services: Services,
    organism_code: str,
    claim_ref: str,
    on: date,
    channel: ContactChannel | str,
    outcome: ContactOutcome | str,
    note: str = "",
    *,
    key: str,
    by: str = "",
) -> ContactView:
    """Record a contact with the debtor about the claim on ``on`` (a claim event ``contact``).

    ``key`` is the caller's reference of the contact (the same key twice records it once).
    Refused (and the refusal recorded) when the claim is not yet established on ``on``.
    """
    found_channel = _choice(ContactChannel, "contact.channel", channel)
    found_outcome = _choice(ContactOutcome, "contact.outcome", outcome)
    if len(note) > MAX_NOTE:
        raise DomainError("contact.note", f"{len(note)} characters", f"at most {MAX_NOTE}")
    data: dict[str, object] = {
        "channel": found_channel.value,
        "outcome": found_outcome.value,
        "note": note,
        "by": by,
    }
    recorded = event_key(organism_code, claim_ref, EVENT, key)
    with refusals(services, organism_code, on), services.db.unit_of_work() as session:
        _, row = find_claim(services, session, organism_code, claim_ref)
        if on < row.established_on:
            raise Refused(
                EVENT,
                claim_ref,
                f"la créance {claim_ref} n'est constatée que le {long_date(row.established_on)}",
            )
        existing = session.scalar(select(ClaimEventRow).where(ClaimEventRow.key == recorded))
        if existing is None:
            new = repository.add_claim_event(session, recorded, row.id, on, EVENT, data)
        elif (existing.claim_id, existing.occurred_on, existing.kind, _content(existing.data)) != (
            row.id,
            on,
            EVENT,
            _content(data),
        ):
            raise DomainError("contact.key", key, "déjà enregistré avec un autre contenu")
        else:
            new = False
        return ContactView(claim_ref, recorded, on, found_channel, found_outcome, note, by, new)


def _content(data: object) -> dict[str, object]:
    """What makes two contacts the same (who recorded it aside)."""
    if not isinstance(data, dict):
        return {}
    return {name: value for name, value in data.items() if name != "by"}
