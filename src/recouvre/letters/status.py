"""The outbox's delivery statuses and the transitions allowed between them.

A letter is ``generated`` by a procedure, ``sent`` when printed or posted, then either
``delivered`` or ``returned`` (undelivered: "NPAI", "non réclamé"). Nothing else: a returned
letter is not sent again, a new letter is issued instead (it has its own date of receipt,
which is what prescription and time limits run from, RULES.md §3.2).
"""

from __future__ import annotations

from enum import StrEnum


class LetterStatus(StrEnum):
    GENERATED = "generated"
    SENT = "sent"
    DELIVERED = "delivered"
    RETURNED = "returned"


NEXT: dict[LetterStatus, frozenset[LetterStatus]] = {
    LetterStatus.GENERATED: frozenset({LetterStatus.SENT}),
    LetterStatus.SENT: frozenset({LetterStatus.DELIVERED, LetterStatus.RETURNED}),
    LetterStatus.DELIVERED: frozenset(),
    LetterStatus.RETURNED: frozenset(),
}


def transition_error(current: LetterStatus, target: LetterStatus) -> str | None:
    """Why ``current`` → ``target`` is not allowed, or None when it is."""
    if target in NEXT[current]:
        return None
    allowed = sorted(status.value for status in NEXT[current])
    if not allowed:
        return f"a {current.value} letter is final: no status change is allowed"
    return f"a {current.value} letter can only become {' or '.join(allowed)}, not {target.value}"
