"""The role pages of the back office (issue 13): the manager's steering page (workload per
agent, tasks to assign, the cycle's results month by month, the letters outbox by print batch),
the director's page (decisions and user changes awaiting him, mandates), the board's page
(appeals and remissions awaiting the board, with a search limited to those files), the appeals
list, the audit trail with its filters and its verification, and the users and roles page.

Every read goes through ``recouvre.service.commands.back_office`` (authorised reads); every act
through ``recouvre.service.commands``. Filters are GET parameters: the URLs can be bookmarked
and carry no personal data (references and user names only)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from recouvre.security.authorization import Subject
from recouvre.security.roles import default_roles
from recouvre.service import back_office, commands
from recouvre.service.commands import back_office as office_reads
from recouvre.service.commands import reads as door_reads
from recouvre.web import labels
from recouvre.web.forms import FormError
from recouvre.web.pages import PageError, WebSession, path_part, render
from recouvre.web.routes import (
    REFUSALS,
    USER_NAME,
    FormDep,
    IdPath,
    OrganismPath,
    OrganismShown,
    ServicesDep,
    SessionDep,
    guarded,
    organism_shown,
    redirect,
    refusal_text,
)
from recouvre.web.routes import _debtor_page as debtor_file_page

router = APIRouter(include_in_schema=False)
AUDIT_PAGE = 50
DONE = {
    "attribuee": "La tâche est attribuée.",
    "verifiee": "",
    "utilisateur": "La décision sur le compte est enregistrée.",
}
BOARD_ACTIONS = ("remissions.decide_board", "write_offs.decide")
SIGNATURE_BASKET = "/o/{organism}/titres"
"""The director's signature basket, on the enforcement pages (``web/enforcement.py``)."""


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _own_organism(services: ServicesDep, web: WebSession) -> OrganismShown | None:
    return None if web.actor.organism is None else organism_shown(services, web.actor.organism)


# Manager ----------------------------------------------------------------------------------------


def _steering_page(
    request: Request,
    services: ServicesDep,
    web: WebSession,
    organism: str,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    loads = office_reads.workload(services, web.actor, organism, web.today)
    agents = office_reads.agents(services, web.actor, organism)
    unassigned = door_reads.queue(services, web.actor, organism, web.today, unassigned=True, limit=20)
    cycles = office_reads.cycle_results(services, web.actor, organism) if web.can("reports.portfolio") else []
    batches = (
        office_reads.print_batches(services, web.actor, organism) if web.can("reports.portfolio") else []
    )
    return render(
        request,
        "steering.html",
        {
            "org": organism_shown(services, organism),
            "loads": loads,
            "agents": agents,
            "unassigned": unassigned,
            "cycles": cycles,
            "batches": batches,
            "done": DONE.get(request.query_params.get("fait", ""), ""),
            "error": error,
        },
        web=web,
        status=status,
    )


@router.get("/o/{organism}/equipe")
def steering_page(
    request: Request, services: ServicesDep, web: SessionDep, organism: OrganismPath
) -> Response:
    return guarded(web, lambda: _steering_page(request, services, web, organism))


@router.post("/o/{organism}/equipe/attribution")
def assign_to_agent(
    request: Request, services: ServicesDep, web: SessionDep, form: FormDep, organism: OrganismPath
) -> Response:
    """A manager gives a task to an agent (or puts it back in the queue: agent empty)."""

    def run() -> Response:
        try:
            task_text = form.text("tache", "Tâche", required=True, max_length=18)
            if not task_text.isdigit():
                raise PageError(422, "Tâche inconnue", "Le numéro de tâche doit être un nombre.", web)
            agent = form.text("agent", "Agent", max_length=64).lower() or None
            if agent is not None and not USER_NAME.match(agent):
                raise PageError(422, "Agent inconnu", "Cet identifiant d'agent n'est pas valable.", web)
            commands.assign_task(
                services, web.actor, organism, int(task_text), agent, web.today, form.text("motif", "Motif")
            )
        except REFUSALS as error:
            return _steering_page(request, services, web, organism, error=refusal_text(error), status=409)
        return redirect(f"/o/{path_part(organism)}/equipe?fait=attribuee#charge")

    return guarded(web, run)


# Director ---------------------------------------------------------------------------------------


@router.get("/o/{organism}/direction")
def director_page(
    request: Request, services: ServicesDep, web: SessionDep, organism: OrganismPath
) -> Response:
    def run() -> Response:
        commands.guard(services, web.actor, "mandates.read", Subject(organism=organism))
        lines = office_reads.proposals(services, web.actor, organism, web.today)
        mine = [
            line
            for line in lines
            if web.can(line.proposal.decide_action) and line.proposal.proposed_by != web.actor.user
        ]
        changes = office_reads.pending_user_changes(services, web.actor) if web.can("users.read") else []
        return render(
            request,
            "director.html",
            {
                "org": organism_shown(services, organism),
                "proposals": mine,
                "changes": changes,
                "mandates": door_reads.mandates_of(services, web.actor),
                "basket": SIGNATURE_BASKET.format(organism=path_part(organism)),
            },
            web=web,
        )

    return guarded(web, run)


# Board ------------------------------------------------------------------------------------------


@router.get("/o/{organism}/commission")
def board_page(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    organism: OrganismPath,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """What awaits the board: the amicable appeals and the proposals it decides; the search only
    looks among those files (a board member searches no other debtor)."""

    def run() -> Response:
        commands.guard(services, web.actor, "proposals.read", Subject(organism=organism))
        text = q.strip().lower()

        def matches(*values: str) -> bool:
            return not text or any(text in value.lower() for value in values)

        appeals = [
            line
            for line in office_reads.appeals(services, web.actor, organism, web.today)
            if line.appeal.stage.value == "amicable"
            and matches(line.debtor, line.debtor_name, line.appeal.claim_ref)
        ]
        proposals = [
            line
            for line in office_reads.proposals(services, web.actor, organism, web.today)
            if (line.proposal.payload.get("route") == "board" or line.proposal.kind.value == "write_off")
            and matches(line.debtor, line.debtor_name, line.proposal.claim_ref)
        ]
        return render(
            request,
            "board.html",
            {"org": organism_shown(services, organism), "appeals": appeals, "proposals": proposals, "q": q},
            web=web,
        )

    return guarded(web, run)


# Appeals ----------------------------------------------------------------------------------------


@router.get("/o/{organism}/recours")
def appeals_page(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    organism: OrganismPath,
    tous: Annotated[str, Query(max_length=1)] = "",
) -> Response:
    def run() -> Response:
        lines = office_reads.appeals(services, web.actor, organism, web.today, only_pending=tous != "1")
        return render(
            request,
            "appeals.html",
            {"org": organism_shown(services, organism), "lines": lines, "all": tous == "1"},
            web=web,
        )

    return guarded(web, run)


# Audit trail ------------------------------------------------------------------------------------


@router.get("/audit")
def audit_page(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    utilisateur: Annotated[str, Query(max_length=64)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    issue: Annotated[str, Query(max_length=16)] = "",
    du: Annotated[str, Query(max_length=10)] = "",
    au: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    def run() -> Response:
        filters = back_office.AuditFilters(
            actor=utilisateur.strip() or None,
            action=action.strip() or None,
            outcome=issue if issue in ("done", "denied", "refused", "failed") else None,
            since=_day(du),
            until=_day(au),
        )
        rows, total = office_reads.audit_page(
            services, web.actor, filters, AUDIT_PAGE, (page - 1) * AUDIT_PAGE
        )
        kept = {"utilisateur": utilisateur, "action": action, "issue": issue, "du": du, "au": au}
        query = {key: value for key, value in kept.items() if value}
        pages = max((total + AUDIT_PAGE - 1) // AUDIT_PAGE, 1)
        verification = None
        if request.query_params.get("verifier") == "1":
            verification = door_reads.audit_verification(services, web.actor)
        return render(
            request,
            "audit.html",
            {
                "rows": rows,
                "total": total,
                "page": page,
                "pages": pages,
                "kept": kept,
                "link": lambda number: "/audit?" + urlencode({**query, "page": number}),
                "verification": verification,
                "org": _own_organism(services, web),
            },
            web=web,
        )

    return guarded(web, run)


# Users and roles --------------------------------------------------------------------------------


def _users_page(
    request: Request,
    services: ServicesDep,
    web: WebSession,
    *,
    done: str = "",
    error: str = "",
    activation: str = "",
    proposed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    users = door_reads.users(services, web.actor)
    changes = office_reads.pending_user_changes(services, web.actor)
    may_propose = web.can("users.manage")
    organisms = (
        [org for org in door_reads.organisms(services, web.actor) if _visible_to(web, org.code)]
        if may_propose and web.can("organisms.read")
        else []
    )
    response = render(
        request,
        "users.html",
        {
            "users": users,
            "changes": changes,
            "done": done,
            "error": error,
            "activation": activation,
            "org": _own_organism(services, web),
            "may_propose": may_propose,
            "proposable_roles": _proposable_roles(),
            "organisms": organisms,
            "proposed": proposed or {},
        },
        web=web,
        status=status,
    )
    return response


@router.get("/utilisateurs")
def users_page(request: Request, services: ServicesDep, web: SessionDep) -> Response:
    return guarded(web, lambda: _users_page(request, services, web))


def _visible_to(web: WebSession, organism: str) -> bool:
    return web.actor.organism is None or web.actor.organism == organism


PROPOSAL_HIDDEN_ROLES = frozenset({"system", "debtor"})
"""Roles never given from the page: the batch account and the debtors' own space."""


def _proposable_roles() -> list[tuple[str, str]]:
    """The roles of ``roles.yaml`` an administrator may propose, with their French labels."""
    labels_of = default_roles().role_labels
    return [(name, label) for name, label in labels_of.items() if name not in PROPOSAL_HIDDEN_ROLES]


@router.post("/utilisateurs/nouveau")
def propose_user(request: Request, services: ServicesDep, web: SessionDep, form: FormDep) -> Response:
    """Propose a new user (``commands.add_user``): with a financial role the account waits for a
    director's approval; otherwise its one-time activation link is shown once, here."""

    def run() -> Response:
        proposed = {
            key: form.fields.get(key, "")
            for key in ("identifiant", "nom_complet", "organisme", "agence", "motif")
        }
        for name, _ in _proposable_roles():
            proposed[f"role-{name}"] = form.fields.get(f"role-{name}", "")
        try:
            username = form.text("identifiant", "Identifiant", required=True, max_length=64)
            if not USER_NAME.match(username):
                raise FormError(
                    "Identifiant", "lettres minuscules, chiffres, points, tirets ou soulignés seulement"
                )
            full_name = form.text("nom_complet", "Nom complet", max_length=200)
            roles = [name for name, _ in _proposable_roles() if form.fields.get(f"role-{name}") == "oui"]
            if not roles:
                raise FormError("Rôles", "cochez au moins un rôle")
            organism = form.text("organisme", "Organisme", max_length=32) or None
            agency = form.text("agence", "Agence de recouvrement", max_length=64) or None
            why = form.text("motif", "Motif", max_length=2000)
            done = commands.add_user(
                services,
                web.actor,
                username,
                roles,
                full_name=full_name,
                organism=organism,
                agency=agency,
                why=why,
            )
        except REFUSALS as error:
            return _users_page(
                request, services, web, error=refusal_text(error), proposed=proposed, status=409
            )
        if done.activation is None:
            message = (
                f"La création du compte {username} est proposée : un directeur doit l'approuver "
                "(rôle à fonction financière) avant que le lien d'activation soit émis."
            )
            return _users_page(request, services, web, done=message)
        link = str(request.base_url).rstrip("/") + done.activation.link
        return _users_page(request, services, web, done=f"Le compte {username} est créé.", activation=link)

    return guarded(web, run)


@router.post("/utilisateurs/{username}/decision")
def decide_user(
    request: Request, services: ServicesDep, web: SessionDep, form: FormDep, username: str
) -> Response:
    def run() -> Response:
        if not USER_NAME.match(username):
            raise PageError(404, "Introuvable", "Cet utilisateur n'existe pas.", web)
        try:
            choice = form.choice("decision", "Décision", ["approuver", "rejeter"])
            why = form.text("motif", "Motif de la décision", required=True)
            done = commands.decide_user(services, web.actor, username, approve=choice == "approuver", why=why)
        except REFUSALS as error:
            return _users_page(request, services, web, error=refusal_text(error), status=409)
        link = "" if done.activation is None else str(request.base_url).rstrip("/") + done.activation.link
        return _users_page(
            request, services, web, done="La décision sur le compte est enregistrée.", activation=link
        )

    return guarded(web, run)


# Review tasks -----------------------------------------------------------------------------------


@router.post("/o/{organism}/taches/{task}/decision-examen")
def decide_review(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    form: FormDep,
    organism: OrganismPath,
    task: IdPath,
) -> Response:
    """A review before enforcement is closed by a decision on the file (not by a contact)."""
    debtor = form.fields.get("debiteur", "")[:64]

    def run() -> Response:
        try:
            decision = form.choice("decision", "Décision", ["kept_amicable", "write_off_proposed"])
            commands.decide_review(
                services,
                web.actor,
                organism,
                task,
                decision,
                form.day("date", "Date de la décision", web.today),
                form.text("motif", "Motif de la décision", required=True),
                authority=form.choice("autorite", "Autorité compétente", list(labels.AUTHORITY), "board"),
                reasons=form.text("raisons", "Éléments du dossier"),
            )
        except REFUSALS as error:
            return debtor_file_page(
                request,
                services,
                web,
                organism,
                debtor,
                web.today,
                error=refusal_text(error),
                failed=("tache", str(task)),
                values=form.fields,
                status=409,
            )
        return redirect(f"/o/{path_part(organism)}/debiteurs/{path_part(debtor)}?fait=examen#taches")

    return guarded(web, run)
