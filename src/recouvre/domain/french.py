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


FIELDS = {
    "amount": "montant",
    "payment.amount": "montant du paiement",
    "plan": "échéancier",
    "plan.monthly": "mensualité",
    "plan.first_due": "première échéance",
    "promise.amount": "montant promis",
    "promise.due_on": "date promise",
    "promise": "promesse",
    "on": "date",
    "task": "tâche",
    "claim": "créance",
    "debtor": "débiteur",
    "assignee": "agent",
    "appeal.amount": "nouveau montant",
    "appeal.outcome": "décision",
    "contact.key": "référence du contact",
    "username": "identifiant",
    "password": "mot de passe",
    "agency": "agence",
    "user": "utilisateur",
    "roles": "rôles",
    "why": "motif",
    "by": "auteur",
    "search": "recherche",
    "organism": "organisme",
    "mandate": "mandat",
    "placement": "placement",
    "proposal": "proposition",
    "movements": "mouvements",
    "month": "mois",
    "remission_decision.rate": "taux de remise",
    "over_indebtedness.monthly": "mensualité",
    "suspension": "suspension",
    "write_off": "admission en non-valeur",
}
"""The names of the fields the rules refuse, as a user reads them."""

REASONS = {
    "must be positive": "doit être positif",
    "cannot be negative": "ne peut pas être négatif",
    "must not be negative": "ne peut pas être négatif",
    "no such organism": "organisme inconnu",
    "give a name, a NIR or a reference": "saisissez un nom, un NIR ou une référence",
    "already recorded with another content": "déjà enregistré avec un autre contenu",
    "is already the claim's debtor": "est déjà le débiteur de la créance",
    "a new principal cannot be negative": "le nouveau principal ne peut pas être négatif",
    "the new principal is required when the claim is reduced": "le nouveau principal est à "
    "renseigner quand la créance est réduite",
    "an adjustment gives its reason": "un ajustement donne son motif",
    "a revocation gives its reason": "une révocation donne son motif",
    "already exists": "existe déjà",
    "is disabled": "est désactivé",
    "one does not approve a change of one's own account": "on n'approuve pas un changement de son "
    "propre compte",
    "one does not disable one's own account": "on ne désactive pas son propre compte",
}
"""The reasons of the rules, word for word, in French."""

PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^claim (\S+) has no balance$", r"la créance \1 n'a plus de solde"),
    (r"^claim (\S+) is established on (\S+)$", r"la créance \1 n'est constatée que le \2"),
    (r"^is already (\w+)$", r"est déjà close"),
    (
        r"^is (\w+): only an open task is assigned$",
        r"n'est plus ouverte : seule une tâche ouverte s'attribue",
    ),
    (r"^before the agreement date (\S+)$", r"avant la date de l'accord (\1)"),
    (r"^before the date of the promise$", r"avant la date de la promesse"),
    (r"^before the task's creation (\S+)$", r"avant la création de la tâche (\1)"),
    (r"^(\d+) instalments exceed the maximum of (\d+)$", r"\1 mensualités, plus que le maximum de \2"),
    (r"^works for (\S+), not (\S+)$", r"travaille pour \1, pas pour \2"),
    (r"^no pending remission request on (\S+)$", r"aucune demande de remise en attente au \1"),
    (r"^nothing owed on (\S+)$", r"rien n'est dû au \1"),
    (r"^already (approved|rejected)$", r"déjà décidée"),
    (r"^already revoked on (\S+)$", r"déjà révoqué le \1"),
    (r"^already ended on (\S+)$", r"déjà terminé le \1"),
    (r"^before the proposal of (\S+)$", r"avant la proposition du \1"),
    (r"^not yet established on (\S+)$", r"pas encore constatée au \1"),
    (r"^no such (\w+) in (\S+)$", r"introuvable dans \2"),
)


def explain(field: str, reason: str, value: object = None) -> str:
    """A refusal of the rules as a user reads it: « mensualité : doit être positif »; with
    ``value`` (never a password, a NIR or an IBAN: the callers mask them), « organisme
    « CAF-X » : organisme inconnu »."""
    import re

    text = REASONS.get(reason)
    if text is None:
        for pattern, replacement in PATTERNS:
            if re.match(pattern, reason):
                text = re.sub(pattern, replacement, reason)
                break
    shown = FIELDS.get(field, field)
    if value not in (None, "") and field not in ("password", "nir", "iban"):
        shown = f"{shown} « {value} »"
    return f"{shown} : {text if text is not None else reason}"
