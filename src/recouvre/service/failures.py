"""The database failing under an operator's command, said in plain words.

A locked SQLite file (another program holds its write lock longer than the busy timeout), a full
disk, or a server that does not answer are not bugs: the command must say which, and that
nothing of the interrupted transaction was written (the database rolls it back; the batch steps
resume where they stopped). ``database_failure`` classifies the driver's error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy.exc import DBAPIError, OperationalError

LOCKED_WORDS: Final = ("database is locked", "database table is locked", "busy")
FULL_WORDS: Final = ("database or disk is full", "disk is full", "no space left", "disk full")
UNREACHABLE_STATES: Final = frozenset({"08000", "08001", "08003", "08004", "08006", "57P01", "57P03"})
EX_UNAVAILABLE: Final = 69
EX_IOERR: Final = 74
EX_TEMPFAIL: Final = 75

ROLLED_BACK: Final = "la transaction en cours a été annulée, rien n'en est écrit"


@dataclass(frozen=True)
class DatabaseFailure:
    kind: str
    """``locked``, ``full`` or ``unreachable``."""
    message: str
    exit_code: int


def database_failure(error: BaseException) -> DatabaseFailure | None:
    """What the operator must know of ``error``, or ``None`` when it is not one of these."""
    if not isinstance(error, DBAPIError):
        return None
    text = str(error.orig).lower()
    if any(word in text for word in FULL_WORDS):
        return DatabaseFailure(
            "full",
            f"disque plein : {ROLLED_BACK} ; libérez de la place puis relancez la commande",
            EX_IOERR,
        )
    if isinstance(error, OperationalError) and any(word in text for word in LOCKED_WORDS):
        return DatabaseFailure(
            "locked",
            f"base verrouillée par un autre programme : {ROLLED_BACK} ; relancez quand il aura fini",
            EX_TEMPFAIL,
        )
    state = getattr(error.orig, "sqlstate", None)
    if state in UNREACHABLE_STATES or ("connection" in text and isinstance(error, OperationalError)):
        return DatabaseFailure(
            "unreachable", f"serveur de base de données injoignable : {ROLLED_BACK}", EX_UNAVAILABLE
        )
    return None
