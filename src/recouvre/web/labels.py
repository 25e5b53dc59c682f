"""French words for the codes the pages show (statuses, phases, task types…), and the amount and
date formats. A code without a label is shown as it is, never hidden."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from recouvre.letters.render import TITLES
from recouvre.service.campaigns import load_outcomes

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
OUTCOME = {code: outcome.label for code, outcome in load_outcomes().items()}
"""The outcomes of a call or a task, as data (``service/call_outcomes.yaml``)."""
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
}
CONTACT_CHANNEL = {
    "phone": "téléphone",
    "email": "courriel",
    "mail": "courrier du débiteur",
    "visit": "accueil",
    "sms": "SMS",
}
CONTACT_OUTCOME = {
    "reached": "débiteur joint",
    "not_reached": "débiteur non joint",
    "promise": "promesse de paiement",
    "plan": "échéancier négocié",
}
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
    text = "" if code is None else str(code)
    return table.get(text, text)


def letter_title(letter_type: str, country: str = "FR") -> str:
    return TITLES.get((country.lower(), letter_type), letter_type)


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
