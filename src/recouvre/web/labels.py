"""French words for the codes the pages show (statuses, phases, task types…), and the amount and
date formats. A code without a label is shown as it is, never hidden."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from recouvre.letters.render import TITLES
from recouvre.service import outcomes

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
PHASE = {"amicable": "amiable", "contentious": "contentieuse", "enforcement": "recouvrement forcé"}
MOVEMENT = {
    "established": "constatation",
    "indemnity": "pénalité (fraude)",
    "surcharge": "majoration",
    "withholding": "retenue sur prestations",
    "payment": "paiement",
    "remission": "remise de dette",
    "cancellation": "annulation",
    "write_off": "admission en non-valeur",
    "discharge": "effacement",
    "refund": "remboursement",
    "reversal": "contre-passation",
    "costs": "frais de poursuite",
}
TASK_TYPE = {
    "phone_call": "appel téléphonique",
    "review": "examen avant contentieux",
    "prescription_review": "prescription proche",
    "plan_request": "demande d'échéancier (espace débiteur)",
}
TASK_STATUS = {"open": "à traiter", "done": "traitée"}
OUTCOME = outcomes.labels_for("phone_call")
"""The outcomes of a phone call (the one list: ``service/call_outcomes.yaml``)."""
REVIEW_OUTCOME = outcomes.labels_for("review")
CHANNEL = {
    "transfer": "virement",
    "card": "carte bancaire",
    "cheque": "chèque",
    "direct_debit": "prélèvement",
    "agency": "encaissé par l'agence",
}
DEBTOR_KIND = {"person": "personne physique", "legal": "personne morale"}
RESPONSIBILITY = {
    "organism_error": "erreur de l'organisme",
    "third_party_error": "erreur d'un tiers",
    "debtor_error": "erreur du débiteur",
    "debtor_serious_error": "erreur grave du débiteur",
    "fraud": "fraude",
    "child_death": "décès de l'enfant",
}
BENEFIT = {
    "AF": "allocations familiales",
    "AL": "allocation de logement",
    "ALS": "allocation de logement sociale",
    "APL": "aide personnalisée au logement",
    "RSA": "revenu de solidarité active",
    "AAH": "allocation aux adultes handicapés",
    "PPA": "prime d'activité",
    "PAJE": "prestation d'accueil du jeune enfant",
    "CF": "complément familial",
    "ASF": "allocation de soutien familial",
    "LOAN": "prêt d'action sociale",
    "CONTRIB": "cotisations",
}
LETTER_STATUS = {
    "generated": "préparé",
    "sent": "envoyé",
    "delivered": "distribué",
    "returned": "retourné (non distribué)",
}
EVENT = {
    "promise": "promesse de paiement",
    "promise_outcome": "suite de la promesse",
    "plan": "échéancier accordé",
    "cured": "défaillance régularisée",
    "default_step": "défaillance",
    "phase": "changement de phase",
    "suspension": "suspension du recouvrement",
    "appeal": "recours",
    "registered_letter": "lettre recommandée",
    "contribution_due": "cotisation due",
    "administrative_penalty": "pénalité administrative",
    "over_indebtedness": "surendettement",
    "remission": "remise de dette",
    "write_off": "admission en non-valeur",
    "contact": "contact avec le débiteur",
    "court_action": "action en justice de l'organisme",
    "remission_request": "demande de remise",
    "acknowledgment": "reconnaissance de dette",
    "placement": "dossier confié à une agence",
    "agency_report": "compte rendu de l'agence",
    "title": "titre exécutoire",
    "enforcement_act": "acte d'exécution (signification)",
    "transferred": "transfert de la créance au département",
    "departement": "département créancier (déménagement du débiteur)",
    "seizure": "saisie-arrêt",
    "amnesty": "demande d'amnistie",
    "amnesty_remission": "remise au titre de l'amnistie",
    "amnesty_lapsed": "amnistie caduque (défaut de l'échéancier)",
    "remission_decision": "décision sur la demande de remise",
    "undeliverable": "courrier non distribuable",
    "recall": "dossier rappelé de l'agence",
    "write_off_revived": "reprise après admission en non-valeur",
}
CONTACT_CHANNEL = {
    "phone": "téléphone",
    "email": "courriel",
    "mail": "courrier du débiteur",
    "visit": "accueil",
    "sms": "SMS",
}
CONTACT_OUTCOME = outcomes.labels_for("contact")
ALL_OUTCOMES = {code: item.label for code, item in outcomes.all_outcomes().items()}
APPEAL_STAGE = {"amicable": "la commission de recours amiable", "court": "le tribunal"}
"""After « devant »."""
APPEAL_STATUS = {
    "pending": "en cours",
    "decided": "décidé",
    "withdrawn": "retiré (désistement)",
    "implicitly_rejected": "rejeté implicitement (sans réponse dans les deux mois)",
}
APPEAL_OUTCOME = {
    "rejected": "rejeté : la créance est maintenue",
    "upheld": "accueilli : la créance est annulée",
    "reduced": "accueilli en partie : la créance est réduite",
}
APPELLANT = {"debtor": "le débiteur", "organism": "l'organisme (appel d'un jugement)"}
PROPOSAL_KIND = {
    "write_off": "admission en non-valeur",
    "remission": "remise de dette",
    "refund": "remboursement d'un trop-perçu",
}
PROPOSAL_STATUS = {"pending": "en attente", "approved": "approuvée", "rejected": "rejetée"}
REQUESTER = {"debtor": "le débiteur", "representative": "son représentant", "mandatary": "son mandataire"}
AUTHORITY = {
    "board": "commission de recours amiable",
    "accountant": "agent comptable",
    "director": "directeur",
}
ROLE = {
    "case_worker": "technicien recouvrement",
    "accountant": "agent comptable",
    "director": "directeur",
    "board_member": "commission de recours amiable",
    "phone_operator": "télérecouvrement",
    "collection_agency": "agence de recouvrement",
    "manager": "pilote",
    "auditor": "auditeur",
    "administrator": "administrateur",
}
TIMELINE = {"movement": "mouvement", "letter": "courrier", "task": "tâche", "event": "événement"}
CURRENCY = {"FR": "€", "MA": "MAD"}


def label(table: dict[str, str], code: object) -> str:
    """The French word for ``code``; a code without one is shown without its underscores."""
    text = "" if code is None else str(code)
    return table.get(text, text.replace("_", " "))


EXTRA_LETTER_TITLES = {
    "last_notice": "Dernier avis sans frais",
    "commandement": "Commandement de payer",
    "remission_decision": "Décision sur la demande de remise",
    "claims_list": "État des créances",
}
"""Letters without a title of their own in this country (a type of the other country's cycle)."""


def letter_title(letter_type: str, country: str = "FR") -> str:
    found = TITLES.get((country.lower(), letter_type)) or TITLES.get(("fr", letter_type))
    return found or EXTRA_LETTER_TITLES.get(letter_type, letter_type.replace("_", " "))


def amount(value: object, currency: str = "€") -> str:
    """``"1234.5"`` (the API's amounts) or cents as an ``int`` → ``1 234,50 €``."""
    try:
        number = Decimal(value) / 100 if isinstance(value, int) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    sign = "-" if number < 0 else ""
    units, _, decimals = f"{abs(number):.2f}".partition(".")
    grouped = f"{int(units):,}".replace(",", "\u202f")
    return f"{sign}{grouped},{decimals}\u00a0{currency}"


def day(value: date | str | None) -> str:
    """``2026-03-05`` → ``05/03/2026``."""
    if value is None or value == "":
        return ""
    found = value if isinstance(value, date) else date.fromisoformat(str(value))
    return found.strftime("%d/%m/%Y")


AUDIT_OUTCOME = {
    "done": "faite",
    "refused": "refusée par les règles",
    "denied": "interdite au rôle",
    "failed": "en échec",
}
EXTRA_ACTIONS = {
    "auth.sign_in": "connexion",
    "auth.sign_out": "déconnexion",
    "users.reject": "rejeter la création d'un utilisateur ou le changement de ses rôles",
}


def action_label(action: str) -> str:
    """An action of the audit trail in French (``roles.yaml``'s label), the code when unknown."""
    from recouvre.security.roles import default_roles

    return default_roles().actions.get(action) or EXTRA_ACTIONS.get(action, action)


def roles_text(roles: object) -> str:
    """Roles in French, separated by commas."""
    from recouvre.security.roles import default_roles

    known = default_roles().role_labels
    names = [str(role) for role in roles] if isinstance(roles, list | tuple | set | frozenset) else []
    return ", ".join(ROLE.get(name) or known.get(name, name) for name in names) or "aucun"


def mandate_label(power: str) -> str:
    from recouvre.security.roles import default_roles

    return default_roles().mandate_labels.get(power, power)


def month_label(month: str) -> str:
    """``2027-03`` → ``mars 2027``."""
    from recouvre.domain.french import month_name

    try:
        year, number = (int(part) for part in month.split("-"))
        return month_name(date(year, number, 1))
    except ValueError:
        return month


def long_day(value: date | str | None) -> str:
    """``2027-03-05`` → ``5 mars 2027`` (a date in a sentence)."""
    from recouvre.domain.french import long_date

    if value is None or value == "":
        return ""
    return long_date(value if isinstance(value, date) else date.fromisoformat(str(value)))


def rate_of(cents: int, rate: object) -> int:
    """``rate`` percent of ``cents`` (an estimate shown before a decision), rounded to the cent."""
    try:
        return int((Decimal(cents) * Decimal(str(rate)) / 100).quantize(Decimal(1)))
    except InvalidOperation:
        return 0


def outcomes_for(task_type: str) -> dict[str, str]:
    """The outcomes a task of ``task_type`` may be closed with (``service/call_outcomes.yaml``)."""
    return outcomes.labels_for(task_type) if task_type in outcomes.USES else OUTCOME


def plain_amount(cents: int | None) -> str:
    """Cents as a form's value, French decimal comma, no currency: ``12050`` → ``120,50``."""
    if cents is None:
        return ""
    units, rest = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{units},{rest:02d}"
