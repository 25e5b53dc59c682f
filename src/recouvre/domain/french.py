"""French wording of dates in sentences (« le 5 mars 2027 ») and of the claim statuses users read.

A small formatter rather than a locale: the output must not depend on the machine's locale, and
the months of the French calendar are twelve words. The first day of a month is written « 1er »
(Imprimerie nationale, *Lexique des règles typographiques*)."""

from __future__ import annotations

from datetime import date

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def long_date(day: date) -> str:
    """``date(2027, 3, 5)`` → ``5 mars 2027``; the first of the month → ``1er mars 2027``."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def month_name(first: date) -> str:
    """``date(2027, 3, 1)`` → ``mars 2027``."""
    return f"{MONTHS[first.month - 1]} {first.year}"


CLAIM_STATUS = {
    "open": "en cours",
    "suspended": "suspendue",
    "settled": "soldée",
    "prescribed": "prescrite",
    "written_off": "admise en non-valeur",
    "discharged": "effacée (rétablissement personnel)",
    "cancelled": "annulée",
    "transferred": "transférée",
    "not_recovered": "non recouvrée",
}
"""A claim's status as a user reads it (the web labels use the same words)."""

TASK_TYPE = {
    "phone_call": "appels téléphoniques",
    "review": "examens avant contentieux",
    "prescription_review": "prescriptions proches",
}
"""Task types as a count's label (« 12 appels téléphoniques »)."""
