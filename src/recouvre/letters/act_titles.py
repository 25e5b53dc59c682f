"""Titles of the letters of recovery for a third party, appeals and write-offs (merged into
``render.TITLES``, kept apart so that each procedure adds its own lines)."""

from __future__ import annotations

ACT_TITLES: dict[tuple[str, str], str] = {
    ("fr", "transfer_departement"): "Transfert d'une créance de revenu de solidarité active",
    ("fr", "transfer_notice"): "Transfert de votre dette au département",
    ("fr", "appeal_acknowledgment"): "Accusé de réception de votre recours",
    ("fr", "appeal_decision"): "Décision sur votre recours",
    ("fr", "write_off_decision"): "Décision d'admission en non-valeur",
}

ACT_REQUIRED: dict[tuple[str, str], tuple[str, ...]] = {
    ("fr", "transfer_departement"): ("effective_on",),
    ("fr", "transfer_notice"): ("effective_on",),
    ("fr", "appeal_acknowledgment"): ("effective_on", "deadline", "appeal_deadline", "authority"),
    ("fr", "appeal_decision"): ("effective_on", "authority", "decision"),
    ("fr", "write_off_decision"): ("effective_on", "authority"),
}
"""The mentions these letters cannot be printed without: the acknowledgment's date of receipt,
the date the decision is due (then implicit rejection) and the next remedy's deadline; the
decision's date, authority and outcome."""
