"""The back office's pages (French, server-rendered, HTMX where it saves a reload).

Every page and every action goes through the door, as the REST API does: the authorised reads
(``recouvre.service.commands.reads``) and commands of ``recouvre.service.commands``, which
authorise and write the audit trail. A button the user's roles do not allow is not
shown, and the server refuses it anyway: ``Forbidden`` becomes a 403 page (and a ``denied`` row
of the audit trail, written by ``guard``).

URLs carry no personal data: a search is a GET with a bookmarkable address (``?q=…&page=…``),
except a NIR, sent by the form in a POST's body and never read from an address; the pages show
NIR and IBAN masked, as the queries return them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from recouvre.domain import identifiers
from recouvre.domain.appeals import AppealOutcome, Appellant
from recouvre.domain.days import supported
from recouvre.domain.errors import BatchRejected, NotFound, Overpayment, Refused
from recouvre.domain.french import explain
from recouvre.domain.model import DomainError, PaymentChannel
from recouvre.domain.money import AmountError
from recouvre.security.authorization import Forbidden, Subject
from recouvre.service import accounts, commands, models, queries, trail
from recouvre.service.commands import back_office as office_reads
from recouvre.service.commands import reads as door_reads
from recouvre.service.context import Services
from recouvre.service.decisions import ProposalKind
from recouvre.web import labels, reads
from recouvre.web.forms import BodyTooLarge, Form, FormError, read_form
from recouvre.web.pages import PageError, SignInRequired, WebSession, path_part, render
from recouvre.web.session import (
    CSRF_FIELD,
    CSRF_HEADER,
    PRESESSION_COOKIE,
    SESSION_COOKIE,
    clear_cookie,
    csrf_matches,
    csrf_token,
    presession,
    same_origin,
    set_cookie,
    sign_session,
    unsign_session,
)


def _services(request: Request) -> Services:
    found = request.app.state.services
    assert isinstance(found, Services)
    return found


ServicesDep = Annotated[Services, Depends(_services)]

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
NIR_LIKE = re.compile(r"^[12378][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}(?:[0-9]{2})?$")
USER_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
OrganismPath = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
RefPath = Annotated[str, Path(min_length=1, max_length=64)]
IdPath = Annotated[int, Path(ge=1, le=2**62)]
DONE = {
    "reconnaissance": "La reconnaissance de dette est enregistrée : elle interrompt la prescription.",
    "courrier": "Le sort du courrier est enregistré.",
    "attribuee": "La tâche vous est attribuée.",
    "rendue": "La tâche est remise dans la corbeille.",
    "contact": "Le contact est enregistré et la tâche close.",
    "paiement": "Le paiement est enregistré.",
    "promesse": "La promesse de paiement est enregistrée.",
    "echeancier": "L'échéancier est accordé.",
    "suspension": "Le recouvrement est suspendu.",
    "reprise": "Le recouvrement reprend.",
    "demande-remise": "La demande de remise est enregistrée.",
    "proposition-remise": "La proposition de remise est enregistrée ; une autre personne la décidera.",
    "proposition-anv": "La proposition d'admission en non-valeur est enregistrée ; "
    "une autre personne la décidera.",
    "decision": "La décision est enregistrée.",
    "nouveau-contact": "Le contact est enregistré dans l'historique du dossier.",
    "recours": "Le recours est enregistré.",
    "decision-recours": "La décision sur le recours est enregistrée et appliquée à la créance.",
    "retrait-recours": "Le désistement du recours est enregistré.",
    "examen": "La décision sur le dossier est enregistrée et l'examen clos.",
}
REFUSALS = (DomainError, AmountError, BatchRejected, Refused, FormError)
TASK_TYPES_FIRST = tuple(labels.TASK_TYPE)


def secret_of(request: Request) -> bytes:
    found = request.app.state.web_secret
    assert isinstance(found, bytes)
    return found


# Sessions ---------------------------------------------------------------------------------------


def optional_session(request: Request, services: Services) -> WebSession | None:
    secret = secret_of(request)
    token = unsign_session(secret, request.cookies.get(SESSION_COOKIE))
    if token is None:
        return None
    try:
        actor = accounts.actor_from_token(services, token)
    except accounts.Unauthenticated:
        return None
    today = commands.today(services)
    allowed = reads.allowed_actions(actor, today)
    inbox = 0
    if actor.organism is not None and "proposals.read" in allowed:
        inbox = office_reads.decidable_count(services, actor, actor.organism)
    return WebSession(actor, token, csrf_token(secret, token), allowed, today, inbox)


def web_session(request: Request, services: ServicesDep) -> WebSession:
    found = optional_session(request, services)
    if found is None:
        raise SignInRequired("session absente ou expirée")
    return found


SessionDep = Annotated[WebSession, Depends(web_session)]


async def checked_form(request: Request) -> Form:
    """The form of a POST made with a session, once its origin and CSRF token are checked."""
    try:
        form = await read_form(request)
    except BodyTooLarge:
        raise PageError(
            413, "Requête trop volumineuse", "Le formulaire envoyé est trop volumineux."
        ) from None
    secret = secret_of(request)
    token = unsign_session(secret, request.cookies.get(SESSION_COOKIE))
    sent = form.fields.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not same_origin(request) or not csrf_matches(secret, token, sent):
        raise PageError(
            403,
            "Requête refusée",
            "Le jeton de sécurité du formulaire (CSRF) manque ou ne correspond pas à votre session. "
            "Rechargez la page puis recommencez.",
        )
    return form


FormDep = Annotated[Form, Depends(checked_form)]


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def local(url: str, default: str) -> str:
    """``url`` when it is a path of this site (no scheme, no host), else ``default``."""
    if url.startswith("/") and not url.startswith("//") and "\\" not in url and "\n" not in url:
        return url
    return default


def home_path(web: WebSession, organism: str | None = None) -> str:
    code = organism or web.actor.organism
    if web.can("users.manage") and not web.can("queues.read"):
        return "/utilisateurs"
    if code is None and web.can("audit.read"):
        return "/audit"
    if code is None:
        return "/organismes"
    base = f"/o/{path_part(code)}"
    if web.actor.agency is not None:  # an agency's home: the files placed with it
        return f"{base}/agence"
    if web.can("mandates.manage"):
        return f"{base}/direction"
    if web.can("appeals.decide_board"):
        return f"{base}/commission"
    if web.can("audit.read"):
        return "/audit"
    if web.can("queues.read"):
        return f"{base}/corbeilles"
    if web.can("proposals.read"):
        return f"{base}/propositions"
    if web.can("debtors.search"):
        return f"{base}/recherche"
    return "/organismes"


@dataclass(frozen=True)
class OrganismShown:
    code: str
    name: str
    country: str
    currency: str


def organism_shown(services: Services, code: str) -> OrganismShown:
    with services.db.unit_of_work() as session:
        _, found = services.organism(session, code)
    country = found.country.value
    return OrganismShown(found.code, found.name or found.code, country, labels.CURRENCY.get(country, ""))


def forbidden(web: WebSession, error: Forbidden) -> PageError:
    return PageError(403, "Action non permise", error.reason, web)


def not_found(web: WebSession, error: NotFound) -> PageError:
    return PageError(404, "Introuvable", f"{error.field} {error.value} : introuvable.", web)


def refusal_text(error: Exception) -> str:
    if isinstance(error, FormError):
        return str(error)
    if isinstance(error, Overpayment | Refused):
        return error.reason
    if isinstance(error, DomainError):
        return explain(error.field, error.reason)
    if isinstance(error, BatchRejected):
        return "; ".join(explain(p.field, p.reason) for p in error.problems)
    return str(error)


def guarded(web: WebSession, run: Callable[[], Response]) -> Response:
    """Run a page: ``Forbidden`` and ``NotFound`` become the 403 and 404 pages."""
    try:
        return run()
    except Forbidden as error:
        raise forbidden(web, error) from None
    except NotFound as error:
        raise not_found(web, error) from None


# Sign-in and sign-out ---------------------------------------------------------------------------


@router.get("/")
def home(request: Request, services: ServicesDep) -> Response:
    web = optional_session(request, services)
    if web is None:
        return redirect("/connexion")
    return redirect(home_path(web))


def _sign_in_page(
    request: Request, *, error: str = "", retry_after: int = 0, username: str = "", status: int = 200
) -> Response:
    pre = presession(request, secret_of(request))
    response = render(
        request,
        "sign_in.html",
        {
            "csrf": pre.csrf,
            "error": error,
            "retry_after": retry_after,
            "username": username,
            "suite": local(request.query_params.get("suite", ""), ""),
            "signed_out": request.query_params.get("sortie") == "1",
            "activated": request.query_params.get("active") == "1",
        },
        web=None,
        status=status,
    )
    if pre.new:
        set_cookie(request, response, PRESESSION_COOKIE, sign_session(secret_of(request), pre.nonce))
    return response


@router.get("/connexion")
def sign_in_page(request: Request, services: ServicesDep) -> Response:
    web = optional_session(request, services)
    if web is not None:
        return redirect(home_path(web))
    return _sign_in_page(request)


async def sign_in_form(request: Request) -> Form:
    try:
        form = await read_form(request)
    except BodyTooLarge:
        raise PageError(
            413, "Requête trop volumineuse", "Le formulaire envoyé est trop volumineux."
        ) from None
    secret = secret_of(request)
    nonce = unsign_session(secret, request.cookies.get(PRESESSION_COOKIE))
    if not same_origin(request) or not csrf_matches(secret, nonce, form.fields.get(CSRF_FIELD)):
        raise PageError(
            403,
            "Requête refusée",
            "Le jeton de sécurité du formulaire de connexion manque ou a expiré. "
            "Rechargez la page de connexion puis recommencez.",
        )
    return form


@router.post("/connexion")
def sign_in(
    request: Request, services: ServicesDep, form: Annotated[Form, Depends(sign_in_form)]
) -> Response:
    username = form.fields.get("identifiant", "").strip()[:64]
    password = form.fields.get("mot_de_passe", "")[:1024]
    if not username or not password:
        return _sign_in_page(
            request, error="Saisissez votre identifiant et votre mot de passe.", username=username, status=400
        )
    address = request.client.host if request.client is not None else None
    try:
        issued = accounts.issue_token(services, username, password, address=address)
    except accounts.SignInRefused as error:
        return _sign_in_page(request, error=error.reason, username=username, status=401)
    except (accounts.SignInThrottled, accounts.SignInBusy) as error:
        code = 429 if isinstance(error, accounts.SignInThrottled) else 503
        response = _sign_in_page(
            request, error=error.reason, retry_after=error.retry_after, username=username, status=code
        )
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    response = redirect(local(form.fields.get("suite", ""), "/"))
    set_cookie(request, response, SESSION_COOKIE, sign_session(secret_of(request), issued.token))
    clear_cookie(request, response, PRESESSION_COOKIE)
    return response


ActivationToken = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]


def _activation_page(request: Request, token: str, *, error: str = "", status: int = 200) -> Response:
    pre = presession(request, secret_of(request))
    response = render(
        request,
        "activate.html",
        {"csrf": pre.csrf, "token": token, "error": error},
        web=None,
        status=status,
    )
    if pre.new:
        set_cookie(request, response, PRESESSION_COOKIE, sign_session(secret_of(request), pre.nonce))
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/activer/{token}")
def activation_page(request: Request, token: ActivationToken) -> Response:
    """The one-time link a new user receives: he chooses his own password here."""
    return _activation_page(request, token)


@router.post("/activer/{token}")
def activate(
    request: Request,
    services: ServicesDep,
    token: ActivationToken,
    form: Annotated[Form, Depends(sign_in_form)],
) -> Response:
    password = form.fields.get("mot_de_passe", "")[:1024]
    if password != form.fields.get("confirmation", "")[:1024]:
        return _activation_page(request, token, error="les deux mots de passe diffèrent.", status=400)
    try:
        commands.activate_user(services, token, password)
    except DomainError as error:
        return _activation_page(request, token, error=f"{error.reason}.", status=400)
    except accounts.Unauthenticated as error:
        return _activation_page(request, token, error=f"{error}.", status=400)
    response = redirect("/connexion?active=1")
    clear_cookie(request, response, PRESESSION_COOKIE)
    return response


@router.post("/deconnexion")
def sign_out(request: Request, services: ServicesDep, web: SessionDep, form: FormDep) -> Response:
    accounts.revoke_token(services, web.token)
    trail.record(
        services,
        trail.Entry(
            web.actor.user, "auth.sign_out", organism=web.actor.organism, subject=f"user {web.actor.user}"
        ),
    )
    response = redirect("/connexion?sortie=1")
    clear_cookie(request, response, SESSION_COOKIE)
    return response


@router.get("/organismes")
def organisms_page(request: Request, services: ServicesDep, web: SessionDep) -> Response:
    def run() -> Response:
        found = door_reads.organisms(services, web.actor)
        return render(
            request,
            "organisms.html",
            {"organisms": found, "org": None, "home_of": lambda code: home_path(web, code)},
            web=web,
        )

    return guarded(web, run)


# Queues -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    type: str
    status: str
    assignment: str
    agent: str
    page: int

    def query(self, **changes: object) -> str:
        values: dict[str, object] = {
            "type": self.type,
            "statut": self.status,
            "attribution": self.assignment,
            "agent": self.agent,
            "page": self.page,
        }
        values.update(changes)
        kept = {key: value for key, value in values.items() if value not in ("", None, 1)}
        return urlencode(kept)


def _filters(
    type_: str | None, status: str | None, assignment: str | None, agent: str | None, page: int
) -> QueueFilters:
    chosen_status = status if status in ("open", "done", "tous") else "open"
    chosen_assignment = assignment if assignment in ("moi", "aucune", "agent") else ""
    chosen_agent = (agent or "").strip().lower()
    if chosen_agent and not USER_NAME.match(chosen_agent):
        chosen_agent = ""
    return QueueFilters(
        (type_ or "").strip()[:32], chosen_status, chosen_assignment, chosen_agent, max(page, 1)
    )


def _queue_page(
    request: Request,
    services: Services,
    web: WebSession,
    organism: str,
    filters: QueueFilters,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    counts = door_reads.queue_counts(services, web.actor, organism)
    shown = organism_shown(services, organism)
    types = sorted(
        {count.type for count in counts},
        key=lambda kind: (TASK_TYPES_FIRST.index(kind) if kind in TASK_TYPES_FIRST else 99, kind),
    )
    open_counts = {c.type: (c.count, c.unassigned) for c in counts if c.status == "open"}
    chosen_type = filters.type
    if chosen_type == "" and types:
        with_open = [kind for kind in types if open_counts.get(kind, (0, 0))[0] > 0]
        chosen_type = (with_open or types)[0]
    if chosen_type == "tous":
        type_filter: str | None = None
    else:
        type_filter = chosen_type or None
    filters = QueueFilters(chosen_type, filters.status, filters.assignment, filters.agent, filters.page)
    assignee: str | None = None
    if filters.assignment == "moi":
        assignee = web.actor.user
    elif filters.assignment == "agent" and filters.agent:
        assignee = filters.agent
    found = door_reads.queue(
        services,
        web.actor,
        organism,
        web.today,
        type=type_filter,
        status=None if filters.status == "tous" else filters.status,
        assignee=assignee,
        unassigned=filters.assignment == "aucune",
        limit=PAGE_SIZE,
        offset=(filters.page - 1) * PAGE_SIZE,
    )
    pages = max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render(
        request,
        "queue.html",
        {
            "org": shown,
            "counts": counts,
            "types": types,
            "open_counts": open_counts,
            "filters": filters,
            "queue": found,
            "pages": pages,
            "done": DONE.get(request.query_params.get("fait", ""), ""),
            "error": error,
        },
        web=web,
        status=status,
    )


@router.get("/o/{organism}/corbeilles")
def queue_page(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    organism: OrganismPath,
    type: Annotated[str | None, Query(max_length=32)] = None,
    statut: Annotated[str | None, Query(max_length=8)] = None,
    attribution: Annotated[str | None, Query(max_length=8)] = None,
    agent: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[str, Query(max_length=8)] = "1",
) -> Response:
    filters = _filters(type, statut, attribution, agent, int(page) if page.isdigit() else 1)
    return guarded(web, lambda: _queue_page(request, services, web, organism, filters))


def _form_filters(form: Form) -> QueueFilters:
    page = form.fields.get("page", "1")
    return _filters(
        form.fields.get("type"),
        form.fields.get("statut"),
        form.fields.get("attribution"),
        form.fields.get("agent"),
        int(page) if page.isdigit() and len(page) < 7 else 1,
    )


@router.post("/o/{organism}/taches/{task}/attribution")
def assign_task(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    form: FormDep,
    organism: OrganismPath,
    task: IdPath,
) -> Response:
    """« Me l'attribuer » (``choix=prendre``) or « Remettre dans la corbeille » (``choix=rendre``)."""
    take = form.fields.get("choix", "prendre") != "rendre"
    filters = _form_filters(form)
    back = form.fields.get("retour", "")

    def run() -> Response:
        try:
            commands.assign_task(
                services,
                web.actor,
                organism,
                task,
                web.actor.user if take else None,
                web.today,
                "page corbeille",
            )
        except REFUSALS as error:
            return _queue_page(
                request, services, web, organism, filters, error=refusal_text(error), status=409
            )
        done = "attribuee" if take else "rendue"
        if back.startswith("debiteur:"):
            ref = back.removeprefix("debiteur:")
            return redirect(f"/o/{path_part(organism)}/debiteurs/{path_part(ref)}?fait={done}#taches")
        return redirect(f"/o/{path_part(organism)}/corbeilles?{filters.query(fait=done)}")

    return guarded(web, run)


@router.post("/o/{organism}/taches/{task}/cloture")
def close_task(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    form: FormDep,
    organism: OrganismPath,
    task: IdPath,
) -> Response:
    """Record the contact (its outcome and a note) and close the task."""
    debtor = form.fields.get("debiteur", "")[:64]

    def run() -> Response:
        try:
            outcome = form.choice("issue", "Issue du contact", list(labels.OUTCOME))
            why = form.text("motif", "Note")
            on = form.day("date", "Date du contact", web.today)
            commands.close_task(services, web.actor, organism, task, outcome, on, why)
        except REFUSALS as error:
            return _debtor_page(
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
        return redirect(f"/o/{path_part(organism)}/debiteurs/{path_part(debtor)}?fait=contact#taches")

    return guarded(web, run)


# Debtor file ------------------------------------------------------------------------------------


def _debtor_page(
    request: Request,
    services: Services,
    web: WebSession,
    organism: str,
    debtor: str,
    on: date,
    *,
    error: str = "",
    failed: tuple[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
    overpayment: Overpayment | None = None,
) -> Response:
    found = door_reads.debtor_file(services, web.actor, organism, debtor, on)
    shown = organism_shown(services, organism)
    refs = [claim.ref for claim in found.claims]
    ledgers: dict[str, list[tuple[models.MovementOut, str]]] = {ref: [] for ref in refs}
    running: dict[str, Decimal] = {}
    for movement in found.movements:
        running[movement.claim] = running.get(movement.claim, Decimal(0)) + Decimal(movement.signed)
        ledgers.setdefault(movement.claim, []).append((movement, str(running[movement.claim])))
    explained = reads.withholding_explanations(services, organism, found) if web.actor.agency is None else []
    return render(
        request,
        "debtor.html",
        {
            "org": shown,
            "file": found,
            "on": on,
            "ledgers": ledgers,
            "plans": reads.active_plans(services, organism, refs, on),
            "timeline": reads.timeline(services, organism, found, on, shown.currency, shown.country),
            "explained": explained,
            "done": DONE.get(request.query_params.get("fait", ""), ""),
            "error": error,
            "failed": failed,
            "values": values or {},
            "new_key": f"web-{uuid.uuid4().hex}",
            "channels": labels.CHANNEL,
            "outcomes": labels.OUTCOME,
            "appeal_deciders": {stage.value: name for stage, name in commands.APPEAL_DECISIONS.items()},
            "organism_appeal": commands.ORGANISM_APPEAL,
            "overpayment": overpayment,
            "guidance": office_reads.claim_guidances(
                services,
                web.actor,
                organism,
                debtor,
                [claim.ref for claim in found.claims if claim.status in ("open", "suspended")],
                on,
            )
            if web.can("plans.agree") or web.can("remissions.propose")
            else {},
            "credit_total": sum((Decimal(claim.credit) for claim in found.claims), Decimal(0)),
        },
        web=web,
        status=status,
    )


@router.get("/o/{organism}/debiteurs/{debtor}")
def debtor_page(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    organism: OrganismPath,
    debtor: RefPath,
    au: Annotated[str, Query(max_length=10, description="date de la situation, AAAA-MM-JJ")] = "",
) -> Response:
    try:
        on = date.fromisoformat(au) if au else web.today
    except ValueError:
        on = web.today
    if not supported(on):
        on = web.today
    return guarded(web, lambda: _debtor_page(request, services, web, organism, debtor, on))


@router.get("/o/{organism}/debiteurs/{debtor}/courriers/{letter}.pdf")
def letter_pdf(
    services: ServicesDep, web: SessionDep, organism: OrganismPath, debtor: RefPath, letter: IdPath
) -> Response:
    """The letter's PDF, when it is one of the debtor's letters the user may see."""

    def run() -> Response:
        pdf = door_reads.letter_pdf(services, web.actor, organism, debtor, letter)
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="courrier-{letter}.pdf"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return guarded(web, run)


@router.get("/o/{organism}/creances/{claim}")
def claim_page(services: ServicesDep, web: SessionDep, organism: OrganismPath, claim: RefPath) -> Response:
    """A claim opens its debtor's file, at the claim."""

    def run() -> Response:
        found = door_reads.claim(services, web.actor, organism, claim, web.today)
        return redirect(
            f"/o/{path_part(organism)}/debiteurs/{path_part(found.debtor)}#creance-{path_part(claim)}"
        )

    return guarded(web, run)


def debtor_of(services: Services, web: WebSession, organism: str, claim: str) -> str:
    """The debtor of a claim the user may read (when a form did not say whose file it came from)."""
    return door_reads.claim(services, web.actor, organism, claim, web.today).debtor


# Claim actions ----------------------------------------------------------------------------------

CLAIM_ACTIONS = {
    "paiement": "payments.record",
    "promesse": "promises.record",
    "echeancier": "plans.agree",
    "suspension": "recovery.suspend",
    "reprise": "recovery.resume",
    "demande-remise": "remissions.request",
    "proposition-remise": "remissions.propose",
    "proposition-anv": "write_offs.propose",
    "nouveau-contact": "contacts.record",
    "recours": "appeals.file",
    "decision-recours": "appeals.decide_board|appeals.decide_court",
    "retrait-recours": "appeals.withdraw",
}
"""The action each form needs; ``a|b``: either (the decision on an appeal: by its stage)."""
KEY = re.compile(r"[A-Za-z0-9._:-]+")


def _claim_action(
    services: Services, web: WebSession, organism: str, claim: str, name: str, form: Form
) -> None:
    actor, today = web.actor, web.today
    why = form.text("motif", "Motif")
    if name == "paiement":
        amount = form.amount("montant", "Montant")
        on = form.day("date", "Date de réception", today)
        channel = PaymentChannel(form.choice("canal", "Moyen de paiement", list(labels.CHANNEL), "transfer"))
        key = form.text("cle", "Référence du paiement", required=True, max_length=100)
        if not KEY.fullmatch(key):
            raise FormError("Référence du paiement", "lettres, chiffres et . _ : - seulement")
        reference = form.text("reference", "Référence du moyen de paiement", max_length=100)
        if reference:
            why = f"{why} (référence : {reference})".strip()
        commands.record_payment(
            services,
            actor,
            organism,
            claim,
            amount,
            on,
            channel,
            key,
            why,
            confirm_overpayment=form.fields.get("confirmer_trop_percu") == "1",
        )
    elif name == "promesse":
        amount = form.amount("montant", "Montant promis")
        due = form.day("echeance", "Date promise")
        on = form.day("date", "Date de la promesse", today)
        commands.promise_to_pay(services, actor, organism, claim, amount, due, on, why)
    elif name == "echeancier":
        monthly = form.amount("mensualite", "Mensualité")
        first = form.day("premiere_echeance", "Première échéance")
        on = form.day("date", "Date de l'accord", today)
        commands.agree_plan(services, actor, organism, claim, monthly, first, on, why=why)
    elif name == "suspension":
        until = form.day("jusqu_au", "Suspendu jusqu'au")
        on = form.day("date", "Date de la suspension", today)
        commands.suspend_recovery(
            services, actor, organism, claim, on, until, form.text("motif", "Motif", required=True)
        )
    elif name == "reprise":
        on = form.day("date", "Date de la reprise", today)
        commands.resume_recovery(
            services, actor, organism, claim, on, form.text("motif", "Motif", required=True)
        )
    elif name == "demande-remise":
        on = form.day("date", "Date de la demande", today)
        requester = form.choice("demandeur", "Demandeur", list(labels.REQUESTER), "debtor")
        channel_text = form.text("canal", "Canal de la demande", max_length=32)
        trace = form.text("trace", "Référence du courrier", max_length=200)
        commands.request_remission(services, actor, organism, claim, on, requester, channel_text, trace, why)
    elif name == "proposition-remise":
        rate = form.text("taux", "Taux de remise (%)", required=True, max_length=6).replace(",", ".")
        if not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,2})?", rate):
            raise FormError("Taux de remise (%)", "un pourcentage, par exemple 50")
        on = form.day("date", "Date de la proposition", today)
        commands.propose_remission(
            services,
            actor,
            organism,
            claim,
            on,
            rate,
            reasons=form.text("raisons", "Éléments du dossier"),
            why=form.text("motif", "Motif", required=True),
        )
    elif name == "nouveau-contact":
        channel_code = form.choice("canal", "Canal", list(labels.CONTACT_CHANNEL), "phone")
        outcome = form.choice("issue", "Issue du contact", list(labels.CONTACT_OUTCOME))
        on = form.day("date", "Date du contact", today)
        key = form.text("cle", "Référence du contact", required=True, max_length=100)
        if not KEY.fullmatch(key):
            raise FormError("Référence du contact", "lettres, chiffres et . _ : - seulement")
        commands.record_contact(
            services, actor, organism, claim, on, channel_code, outcome, form.text("note", "Note"), key
        )
    elif name == "recours":
        on = form.day("date", "Date de réception du recours", today)
        appellant = Appellant(form.choice("forme_par", "Formé par", list(labels.APPELLANT), "debtor"))
        commands.file_appeal(services, actor, organism, claim, on, filed_by=appellant, why=why)
    elif name == "decision-recours":
        outcome_code = AppealOutcome(form.choice("issue", "Décision", list(labels.APPEAL_OUTCOME)))
        amount = None
        if outcome_code is AppealOutcome.REDUCED:
            amount = form.amount("montant", "Nouveau montant de la créance")
        elif form.fields.get("montant", "").strip():
            raise FormError("Nouveau montant de la créance", "seulement pour une créance réduite")
        on = form.day("date", "Date de la décision", today)
        commands.decide_appeal(
            services,
            actor,
            organism,
            claim,
            on,
            outcome_code,
            amount,
            why=form.text("motif", "Motif de la décision", required=True),
        )
    elif name == "retrait-recours":
        on = form.day("date", "Date du désistement", today)
        commands.withdraw_appeal(services, actor, organism, claim, on, why)
    elif name == "proposition-anv":
        authority = form.choice("autorite", "Autorité compétente", list(labels.AUTHORITY), "board")
        on = form.day("date", "Date de la proposition", today)
        commands.propose_write_off(
            services,
            actor,
            organism,
            claim,
            on,
            authority=authority,
            reasons=form.text("raisons", "Éléments du dossier"),
            why=form.text("motif", "Motif", required=True),
        )


@router.post("/o/{organism}/creances/{claim}/{action}")
def claim_action(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    form: FormDep,
    organism: OrganismPath,
    claim: RefPath,
    action: Annotated[str, Path(max_length=32)],
) -> Response:
    if action not in CLAIM_ACTIONS:
        raise PageError(404, "Introuvable", "Cette action n'existe pas.", web)

    def run() -> Response:
        # The role first (as the API's commands do), so that a user who may not act learns it
        # before any field is checked; the command checks again with the claim's facts.
        commands.guard_any(services, web.actor, CLAIM_ACTIONS[action].split("|"), Subject(organism=organism))
        debtor = form.fields.get("debiteur", "").strip()[:64] or debtor_of(services, web, organism, claim)
        try:
            _claim_action(services, web, organism, claim, action, form)
        except REFUSALS as error:
            return _debtor_page(
                request,
                services,
                web,
                organism,
                debtor,
                web.today,
                error=refusal_text(error),
                failed=(claim, action),
                values=form.fields,
                status=409 if not isinstance(error, FormError) else 422,
                overpayment=error if isinstance(error, Overpayment) else None,
            )
        return redirect(
            f"/o/{path_part(organism)}/debiteurs/{path_part(debtor)}?fait={action}#creance-{path_part(claim)}"
        )

    return guarded(web, run)


# Proposals (maker-checker) ----------------------------------------------------------------------


def _proposals_page(
    request: Request,
    services: Services,
    web: WebSession,
    organism: str,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    lines = office_reads.proposals(services, web.actor, organism, web.today)
    pending = [line.proposal for line in lines]
    shown = organism_shown(services, organism)
    decidable = {
        proposal.id: web.can(proposal.decide_action) and proposal.proposed_by != web.actor.user
        for proposal in pending
    }
    return render(
        request,
        "proposals.html",
        {
            "org": shown,
            "proposals": pending,
            "lines": {line.proposal.id: line for line in lines},
            "decidable": decidable,
            "done": DONE.get(request.query_params.get("fait", ""), ""),
            "error": error,
        },
        web=web,
        status=status,
    )


@router.get("/o/{organism}/propositions")
def proposals_page(
    request: Request, services: ServicesDep, web: SessionDep, organism: OrganismPath
) -> Response:
    return guarded(web, lambda: _proposals_page(request, services, web, organism))


@router.post("/o/{organism}/propositions/{kind}/{proposal}/decision")
def decide(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    form: FormDep,
    organism: OrganismPath,
    kind: ProposalKind,
    proposal: IdPath,
) -> Response:
    def run() -> Response:
        try:
            choice = form.choice("decision", "Décision", ["approuver", "rejeter"])
            why = form.text("motif", "Motif de la décision", required=True)
            on = form.day("date", "Date de la décision", web.today)
            commands.decide_proposal(
                services, web.actor, organism, kind, proposal, choice == "approuver", on, why
            )
        except REFUSALS as error:
            return _proposals_page(request, services, web, organism, error=refusal_text(error), status=409)
        return redirect(f"/o/{path_part(organism)}/propositions?fait=decision")

    return guarded(web, run)


# Search -----------------------------------------------------------------------------------------


SEARCH_PAGE = 25
SEARCH_LIMIT = 200
"""At most this many debtors per criterion; the page says « 200 ou plus » beyond."""
ICE_LIKE = re.compile(r"^[0-9]{15}$")


@dataclass(frozen=True)
class SearchShown:
    label: str
    """What was searched, as the page may repeat it (a NIR only masked)."""
    keep: str
    """What to put back in the field (never a NIR)."""
    results: list[models.DebtorListItem]
    page: int = 1
    link: Callable[[int], str] | None = None
    """The address of another page of the same search (a GET, bookmarkable); none for a NIR."""

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def pages(self) -> int:
        return max((self.total + SEARCH_PAGE - 1) // SEARCH_PAGE, 1)

    @property
    def shown(self) -> list[models.DebtorListItem]:
        start = (self.page - 1) * SEARCH_PAGE
        return self.results[start : start + SEARCH_PAGE]

    @property
    def capped(self) -> bool:
        return self.total >= SEARCH_LIMIT


def nir_problem(compact: str) -> str:
    """Why a NIR typed in full (15 characters) is not valid: its key (« clé ») most often."""
    if len(compact) != 15:
        return ""
    try:
        identifiers.nir(compact)
    except DomainError:
        return (
            "Ce NIR n'est pas valable : la clé (les deux derniers chiffres) ne correspond pas aux "
            "13 premiers caractères. Vérifiez la saisie ; sans la clé, saisissez les 13 premiers."
        )
    return ""


def search_debtors(
    services: Services, web: WebSession, organism: str, text: str, *, country: str = "FR"
) -> SearchShown:
    """A name (contains), a NIR (exact, 13 or 15 characters, spaces ignored), an ICE (a CNSS
    employer, 15 digits), a debtor reference — the allocataire's or the affiliation number —
    (exact or beginning) or a claim reference (exact)."""
    compact = text.replace(" ", "").upper()
    today = web.today
    if country == "FR" and NIR_LIKE.match(compact):
        results = door_reads.search_debtors(
            services, web.actor, organism, models.DebtorSearch(nir=compact, on=today, limit=SEARCH_LIMIT)
        )
        return SearchShown(f"NIR {queries.masked('nir', compact)}", "", results)
    found: dict[str, models.DebtorListItem] = {}
    criteria = [
        models.DebtorSearch(name=text, on=today, limit=SEARCH_LIMIT),
        models.DebtorSearch(ref=text, on=today, limit=SEARCH_LIMIT),
    ]
    if ICE_LIKE.match(compact):
        criteria.append(models.DebtorSearch(ice=compact, on=today, limit=SEARCH_LIMIT))
    for search in criteria:
        for item in door_reads.search_debtors(services, web.actor, organism, search):
            found.setdefault(item.ref, item)
    if web.can("claims.read") and 0 < len(text) <= 64 and " " not in text.strip():
        try:
            claim = door_reads.claim(services, web.actor, organism, text.strip(), today)
        except (NotFound, Forbidden):
            claim = None
        if claim is not None and claim.debtor not in found:
            for item in door_reads.search_debtors(
                services, web.actor, organism, models.DebtorSearch(ref=claim.debtor, on=today)
            ):
                if item.ref == claim.debtor:
                    found[item.ref] = item
    return SearchShown(f"« {text} »", text, sorted(found.values(), key=lambda item: item.ref))


def _search_page(
    request: Request,
    services: Services,
    web: WebSession,
    organism: str,
    *,
    searched: SearchShown | None = None,
    error: str = "",
    notice: str = "",
    status: int = 200,
) -> Response:
    return render(
        request,
        "search.html",
        {
            "org": organism_shown(services, organism),
            "searched": searched,
            "error": error,
            "notice": notice,
        },
        web=web,
        status=status,
    )


@router.get("/o/{organism}/recherche")
def search_page(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    organism: OrganismPath,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """The search as a GET: its address can be kept and shared (``?q=…&page=…``). A NIR is never
    searched from an address (it would stay in the browser's history and the logs): the form
    sends it in the body."""

    def run() -> Response:
        commands.guard(services, web.actor, "debtors.search", Subject(organism=organism))
        text = q.strip()
        if not text:
            return _search_page(request, services, web, organism)
        shown = organism_shown(services, organism)
        compact = text.replace(" ", "").upper()
        if shown.country == "FR" and NIR_LIKE.match(compact):
            return _search_page(
                request,
                services,
                web,
                organism,
                notice="Un NIR ne se cherche pas depuis l'adresse de la page (il y resterait) : "
                "saisissez-le dans le champ ci-dessous.",
            )
        if len(text) < 2:
            return _search_page(
                request, services, web, organism, error="Saisissez au moins deux caractères.", status=422
            )
        found = search_debtors(services, web, organism, text, country=shown.country)
        base = f"/o/{path_part(organism)}/recherche?"
        searched = SearchShown(
            found.label,
            found.keep,
            found.results,
            page=min(page, found.pages),
            link=lambda number: base + urlencode({"q": text, "page": number}),
        )
        return _search_page(request, services, web, organism, searched=searched)

    return guarded(web, run)


@router.post("/o/{organism}/recherche")
def search(
    request: Request, services: ServicesDep, web: SessionDep, form: FormDep, organism: OrganismPath
) -> Response:
    """The search form: a NIR is searched here, in the body, and answered at once; anything else
    is sent on to the bookmarkable GET address."""

    def run() -> Response:
        commands.guard(services, web.actor, "debtors.search", Subject(organism=organism))
        shown = organism_shown(services, organism)
        text = form.fields.get("q", "").strip()[:200]
        if len(text) < 2:
            return _search_page(
                request, services, web, organism, error="Saisissez au moins deux caractères.", status=422
            )
        compact = text.replace(" ", "").upper()
        if shown.country == "FR" and NIR_LIKE.match(compact):
            problem = nir_problem(compact)
            if problem:
                return _search_page(request, services, web, organism, error=problem, status=422)
            searched = search_debtors(services, web, organism, text, country=shown.country)
            return _search_page(request, services, web, organism, searched=searched)
        return redirect(f"/o/{path_part(organism)}/recherche?" + urlencode({"q": text}))

    return guarded(web, run)


# The agency portal's pages (recouvre.web.agency_pages): imported last, it adds its routes above.
from recouvre.web import agency_pages as agency_pages  # noqa: E402
