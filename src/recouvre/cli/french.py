"""The command line's help in French (issue 13: every `--help` a user reads is in plain French).

The commands' docstrings stay the developers' English documentation; what ``--help`` shows is
set here, by command path (``COMMANDS``) and by option (``OPTIONS``), on the Typer application
before it is built, and Typer's own words (panels, defaults, the help option) are put in French.
``tests/cli/test_cli_french.py`` reads every ``--help`` and fails on English or on code names."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterator
from typing import Any

import typer
from typer import rich_utils
from typer.models import OptionInfo, ParameterInfo

COMMANDS: dict[str, str] = {
    "generate": "Générer un portefeuille fictif et réaliste de débiteurs et de créances (même graine, "
    "même portefeuille).",
    "summary": "Afficher le portefeuille par prestation, par responsabilité et par statut.",
    "simulate": "Simuler, mois par mois, les paiements de prestations, le comportement des débiteurs et "
    "les cycles mensuels.",
    "serve": "Servir le back office et l'API (/api/v1, description OpenAPI sous /openapi.json).",
    "organisms add": "Créer un organisme (rien ne change s'il existe déjà avec le même pays).",
    "organisms list": "Lister les organismes.",
    "policy": "Paramètres de la politique de recouvrement : valeurs nationales et particularités des "
    "organismes, datées.",
    "policy show": "Afficher chaque paramètre en vigueur à une date : valeur, depuis quand, origine et "
    "référence.",
    "import debtors": "Importer des débiteurs : une ligne par débiteur (colonnes : docs/imports.md).",
    "import claims": "Importer des créances : une ligne par ligne d'indu ; les lignes de même référence "
    "forment une créance.",
    "scenario run": "Rejouer chaque fichier de scénario sur une base neuve. Code de sortie 0 : toutes "
    "les attentes tiennent ; 1 : certaines échouent ; 2 : fichier invalide.",
    "payments withhold": "Appliquer les retenues sur le fichier mensuel des paiements de prestations et "
    "écrire le fichier des retenues.",
    "explain withholding": "Expliquer les retenues faites sur les prestations du débiteur payées à "
    "cette date.",
    "letters render": "Produire le PDF d'un courrier (son état ne change pas).",
    "letters print": "Produire les PDF des courriers à imprimer et les marquer envoyés.",
    "letters list": "Lister les courriers à envoyer ou envoyés.",
    "letters mark": "Enregistrer qu'un courrier a été envoyé, distribué ou retourné.",
    "prescription watch": "Lister les créances en cours prescrites dans l'horizon donné ; une tâche "
    "d'examen par créance.",
    "prescription show": "Afficher, pour une créance, les dates de prescription de chaque ligne et leurs "
    "interruptions.",
    "users add": "Proposer un utilisateur (sans mot de passe : il le choisit avec un lien à usage "
    "unique) ; avec un rôle financier, le compte attend l'approbation d'un directeur "
    "(users approve).",
    "users roles": "Changer les rôles d'un utilisateur ; un rôle financier donné ou retiré attend "
    "l'approbation d'un directeur.",
    "users approve": "Approuver (ou rejeter) la création ou le changement de rôles d'un utilisateur "
    "en attente (un directeur, pas celui qui l'a proposé) ; approuver une création affiche "
    "le lien d'activation à usage unique.",
    "users activate": "Choisir son propre mot de passe avec le lien d'activation à usage unique ; le "
    "compte s'ouvre.",
    "users list": "Lister les utilisateurs, leurs rôles et leur état.",
    "users disable": "Désactiver un utilisateur : connexion refusée, jetons révoqués ; ses actes passés "
    "lui restent attribués.",
    "audit verify": "Vérifier la chaîne des empreintes de la piste d'audit ; code de sortie 1 à la "
    "première ligne altérée.",
    "audit close-day": "Exporter l'empreinte du jour (numéro, empreinte, jour) dans le fichier des "
    "empreintes, hors de la base.",
    "audit show": "Afficher les dernières lignes de la piste d'audit.",
    "remission request": "Enregistrer une demande de remise : orientée selon le seuil, avec le taux que "
    "propose le barème.",
    "remission decide": "Décider la demande de remise en attente : remettre le taux du solde à cette "
    "date et envoyer le courrier. Seule l'autorité compétente décide (la commission "
    "au-dessus du seuil, les services en dessous).",
    "remission list": "Les dossiers de remise (par défaut, les demandes en attente).",
    "write-off propose": "Lister les créances proposables en admission en non-valeur et les critères "
    "qu'elles remplissent ; avec --claim, proposer l'admission de cette créance (une autre "
    "personne la décide : decide).",
    "write-off decide": "Décider la proposition d'admission en non-valeur de la créance : approuvée, "
    "tout le solde est admis (la dette subsiste et peut être reprise). Celui qui décide n'est "
    "pas celui qui a proposé.",
    "write-off revive": "Reprendre une créance admise en non-valeur (retour à meilleure fortune) : le "
    "solde revient et le recouvrement reprend.",
    "write-off fact": "Constater un fait sur le débiteur qui rend la créance proposable en admission "
    "en non-valeur.",
    "over-indebtedness admissible": "Recevabilité du dossier de surendettement : le recouvrement des "
    "créances du débiteur est suspendu et l'état des créances envoyé.",
    "over-indebtedness plan": "Le plan adopté : mensualités sur chaque créance, le recouvrement reprend.",
    "over-indebtedness contested": "L'organisme conteste le plan proposé ; le recouvrement reste suspendu.",
    "over-indebtedness discharge": "Rétablissement personnel : effacer ce que la loi efface, reprendre "
    "le recouvrement du reste.",
    "appeal file": "Enregistrer un recours reçu à la date donnée ; un recours tardif est refusé "
    "(forclusion).",
    "appeal decide": "Enregistrer la décision sur le recours et l'appliquer au grand livre "
    "(annulation, remboursement).",
    "appeal withdraw": "Enregistrer le désistement du recours en cours ; le recouvrement reprend.",
    "appeal sweep-implicit": "Constater le rejet implicite des recours amiables restés sans réponse à "
    "leur date de rejet implicite.",
    # Commands of the other procedures (enforcement, agencies, third parties, channels, CNSS).
    "import contributions": "Importer les cotisations dues (CNSS) : une ligne par employeur et période "
    "(employeur, ICE, période, montant, échéance[, référence]) ; tout ou rien, chaque erreur listée.",
    "explain statements": "Décider les relevés des débiteurs dont la retenue mensuelle a changé à "
    "cette date de paiement.",
    "prescription acknowledge": "Enregistrer la reconnaissance écrite de la dette par le débiteur : "
    "elle interrompt la prescription (C. civ. 2240).",
    "titles queue": "Le contentieux : titres à rédiger, à signer, à signifier, délais d'opposition, "
    "oppositions.",
    "titles draft": "Rédiger le titre exécutoire de la créance (un par créance) depuis sa tâche d'examen.",
    "titles basket": "Le parapheur (le directeur, ou un agent sous mandat en vigueur).",
    "titles sign": "Signer les titres un à un ou par lot (signataire et mandat enregistrés sur chacun).",
    "titles act": "Enregistrer un acte sur un titre.",
    "titles show": "Les titres de la créance et leurs actes.",
    "titles document": "Écrire le PDF du titre (la contrainte, ou la requête en injonction de payer).",
    "seizure list": "Lister les actes de saisie d'une créance.",
    "amnesty simulate": "Ce que coûterait et rapporterait la campagne en vigueur (ou la dernière saisie).",
    "amnesty apply": "Enregistrer la demande d'un employeur pour la campagne en vigueur.",
    "amnesty offer": "Émettre les courriers proposant la campagne ouverte à chaque employeur éligible.",
    "facility grant": "Accorder une facilité de paiement sur une créance de cotisations, aux conditions "
    "de la CNSS.",
    "facility stats": "La part des facilités non honorées de l'organisme, à côté des 53 % de RULES.md.",
    "agencies load": "Charger (créer ou mettre à jour) les contrats des agences d'un fichier, tout ou rien.",
    "agencies list": "Les agences et leurs contrats.",
    "agencies place": "Confier des créances par règles (segment, montant, ancienneté, placements "
    "précédents, capacités).",
    "agencies place-one": "Confier une créance (depuis le dossier du débiteur) à une agence.",
    "agencies recall": "Rappeler une créance de son agence.",
    "agencies handover": "Écrire le fichier des dossiers confiés à une agence et, pour un commissaire de "
    "justice, les PDF des titres exécutoires.",
    "agencies statement": "Le relevé mensuel des commissions et le rapprochement de chaque agence.",
    "agencies league": "Le classement des agences sur une période.",
    "third-party file": "Écrire le fichier de transfert de la créance (montants et historique complet), "
    "en CSV ou Parquet.",
    "third-party statement": "Le relevé mensuel des sommes constatées et recouvrées pour le compte d'un "
    "créancier.",
    "satd record": "Enregistrer une saisie administrative à tiers détenteur reçue sur les prestations "
    "du débiteur.",
    "satd pay": "Enregistrer le versement au créancier saisissant d'une somme mise de côté.",
    "satd list": "Les avis reçus, ou les sommes à verser aux créanciers saisissants.",
    "outbox consent": "Enregistrer le consentement d'un débiteur à un canal (ou son retrait), daté, "
    "avec sa source.",
    "outbox queue": "Mettre en file les courriels (courriers en PDF) et les SMS de rappel à M+1 des "
    "courriers du jour.",
    "outbox send": "Envoyer les messages dus (nouvelles tentatives à intervalles croissants après un "
    "échec temporaire).",
    "chores": "Faire les travaux du jour de chaque organisme : courriels et SMS des courriers mis "
    "en file, prescriptions à 90 jours surveillées, messages dus envoyés (pour une tâche planifiée).",
    "outbox list": "Lister les courriels et SMS, les plus récents d'abord.",
    "campaign create": "Constituer la liste d'appels d'une campagne pour un déclencheur sur une période.",
    "campaign list": "Lister les campagnes de l'organisme.",
    "campaign calls": "La liste d'appels du jour : débiteur, téléphone, créances et soldes, derniers "
    "contacts et script.",
    "campaign call": "Enregistrer un appel et son issue (un code inconnu est refusé).",
    "campaign kpis": "Les indicateurs de la campagne, à côté de ceux de référence.",
    "seizure record": "Enregistrer une étape d'une saisie-arrêt sur une créance en recouvrement forcé.",
    "third-party transfer": "Transférer une créance de RSA au département (le débiteur ne perçoit plus "
    "de prestations).",
    "third-party move": "Le débiteur a déménagé : la créance est recouvrée pour le nouveau département.",
    "satd release": "Enregistrer la mainlevée d'un avis.",
    "indicators": "Afficher les indicateurs de pilotage d'un organisme de --from à --to, avec leurs "
    "définitions.",
    "network": "Vue du réseau : instantanés mensuels et indicateurs comparés des organismes.",
    "network snapshot": "Écrire les instantanés mensuels Parquet pas encore écrits (un dossier par "
    "organisme et par mois).",
    "network show": "La vue du réseau, tous organismes, lue dans les instantanés avec DuckDB.",
    "campaign close": "Arrêter d'appeler les lignes encore ouvertes (comptées comme non jointes).",
}
"""Help of each command (path as typed after ``recouvre``)."""

OPTIONS: dict[tuple[str, str], str] = {
    ("", "db"): "Adresse de la base de données (par défaut sqlite:///recouvre.db)",
    ("", "policy_dir"): "Dossier des particularités de politique des organismes",
    ("", "user"): "Qui agit : un utilisateur actif (users list) ; les traitements par lots agissent par "
    "défaut sous le compte système",
    ("simulate", "months"): "Nombre de mois simulés",
    ("simulate", "seed"): "Graine : la même graine donne la même simulation",
    ("simulate", "organism"): "Code de l'organisme (par défaut : le seul organisme de la base)",
    ("simulate", "start"): "Premier mois simulé, AAAA-MM",
    ("serve", "log_level"): "Niveau du journal : critical (critique), error (erreur), warning "
    "(avertissement), info, debug (mise au point)",
    ("organisms add", "name"): "Nom de l'organisme",
    ("policy show", "on"): "Date AAAA-MM-JJ à laquelle afficher les valeurs",
    ("policy show", "organism"): "Code de l'organisme ; applique <dossier>/<CODE>.yaml",
    ("policy show", "country"): "FR ou MA (par défaut : le pays du fichier de l'organisme, sinon FR)",
    ("policy show", "policy_dir"): "Dossier des fichiers de particularités (par défaut ./policies)",
    ("scenario run", "files"): "Fichiers de scénario (YAML, voir SCENARIOS.md)",
    ("scenario run", "db"): "Adresse PostgreSQL (un schéma privé par fichier, supprimé ensuite) ou "
    "adresse SQLite d'un fichier qui n'existe pas encore ; par défaut SQLite dans un dossier "
    "temporaire",
    ("letters list", "status"): "État : generated (préparé), sent (envoyé), delivered (distribué), "
    "returned (retourné)",
    ("letters mark", "status"): "sent (envoyé), delivered (distribué) ou returned (retourné)",
    ("users roles", "username"): "Identifiant de l'utilisateur",
    ("users approve", "username"): "Identifiant de l'utilisateur",
    ("users disable", "username"): "Identifiant de l'utilisateur",
    ("remission request", "requester"): "Demandeur : debtor (le débiteur), representative (son "
    "représentant) ou mandatary (son mandataire)",
    ("remission list", "route"): "services (services administratifs) ou board (commission de recours "
    "amiable)",
    ("write-off fact", "fact"): "insolvent (insolvable), deceased (décédé) ou unreachable (introuvable)",
    ("appeal decide", "outcome"): "rejected (rejeté), upheld (accueilli) ou reduced (accueilli en "
    "partie, créance réduite)",
    ("third-party statement", "creditor"): "Créancier : departement (le département), etat (l'État) "
    "ou fnal (le Fonds national d'aide au logement)",
    ("appeal decide", "amount"): "Nouveau principal (seulement pour une créance réduite)",
}
"""Help of each option: (command path, parameter name)."""

TYPER_WORDS = {
    "DEFAULT_STRING": "[défaut : {}]",
    "ENVVAR_STRING": "[variable d'environnement : {}]",
    "REQUIRED_LONG_STRING": "[obligatoire]",
    "DEPRECATED_STRING": "(obsolète) ",
    "COMMANDS_PANEL_TITLE": "Commandes",
    "OPTIONS_PANEL_TITLE": "Options",
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "ERRORS_PANEL_TITLE": "Erreur",
    "ABORTED_TEXT": "Interrompu.",
}
HELP_OPTION = "Afficher cette aide et quitter."


def _commands(app: typer.Typer, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, info) of every command and group of ``app``; a group's callback info last."""
    for command in app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        yield f"{path} {name}".strip(), command
    for group in app.registered_groups:
        sub = group.typer_instance
        assert sub is not None
        name = group.name or ""
        full = f"{path} {name}".strip()
        yield full, group
        yield from _commands(sub, full)


def _parameters(callback: Any) -> Iterator[tuple[str, ParameterInfo]]:
    """The typer options of ``callback``. An option declared in an ``Annotated`` annotation (a
    string, the modules using postponed annotations) is evaluated once and written back into the
    function's annotations, so that a change of its help is what Typer reads."""
    if not callable(callback):
        return
    hints = typing.get_type_hints(callback, include_extras=True)
    for name, parameter in inspect.signature(callback).parameters.items():
        if isinstance(parameter.default, ParameterInfo):
            yield name, parameter.default
        extras = [
            extra
            for extra in getattr(hints.get(name), "__metadata__", ())
            if isinstance(extra, ParameterInfo)
        ]
        if extras:
            callback.__annotations__[name] = hints[name]
            yield from ((name, extra) for extra in extras)


def apply(app: typer.Typer) -> None:
    """Put the help of ``app``'s commands and options in French (see the module's docstring)."""
    for name, value in TYPER_WORDS.items():
        setattr(rich_utils, name, value)
    for path, info in _commands(app):
        if path in COMMANDS:
            info.help = COMMANDS[path]
        for name, parameter in _parameters(getattr(info, "callback", None)):
            if (path, name) in OPTIONS:
                parameter.help = OPTIONS[(path, name)]
    for name, parameter in _parameters(app.registered_callback.callback if app.registered_callback else None):
        if ("", name) in OPTIONS:
            parameter.help = OPTIONS[("", name)]
    _french_help_option()


def _french_help_option() -> None:
    """Typer's ``--help`` option says « Show this message and exit. »: in French instead."""
    from typer._click import core

    original = core.Command.get_help_option
    if getattr(original, "french", False):
        return

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original(self, ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option

    get_help_option.french = True  # type: ignore[attr-defined]
    core.Command.get_help_option = get_help_option  # type: ignore[method-assign]


__all__ = ["COMMANDS", "OPTIONS", "OptionInfo", "apply"]
