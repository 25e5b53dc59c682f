"""The debtor's own space, ``/debiteur/``: French pages, accessible (RGAA / WCAG 2.1 AA: one
``h1`` per page, labelled fields, errors announced with ``role="alert"`` and tied to their
fields, tables with captions and header cells, a skip link, the keyboard reaches everything).

Sign-in by a one-time code (``service.debtor_space``); the session is a cookie of its own,
``recouvre_debiteur``, signed like the staff's but never accepted as one (and the staff's never
accepted here). Every read and act calls ``service.commands.debtor_space``: an id of another
debtor (or an unknown one) is refused by the door, audited ``denied``, and answered 404 here.

CSRF: every POST carries the session's token (an HMAC of the session token under the web
secret, ``debiteur:`` domain); the sign-in forms use a pre-session cookie of their own, as the
staff sign-in does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.responses import Response

from recouvre.adapters import messaging
from recouvre.domain.errors import NotFound
from recouvre.domain.money import Cents
from recouvre.security.authorization import Actor, Forbidden
from recouvre.security.throttle import Throttled
from recouvre.service import commands, debtor_space, queries
from recouvre.service.commands import debtor_space as space
from recouvre.service.context import Services
from recouvre.web.forms import Form, FormError, read_form
from recouvre.web.pages import render
from recouvre.web.routes import REFUSALS, ServicesDep, redirect, refusal_text, secret_of
from recouvre.web.session import (
    clear_cookie,
    csrf_matches,
    csrf_token,
    same_origin,
    set_cookie,
    sign_session,
    unsign_session,
)

router = APIRouter(include_in_schema=False)

DEBTOR_COOKIE = "recouvre_debiteur"
DEBTOR_PRESESSION = "recouvre_debiteur_pre"
BASE = "/debiteur"
RefPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
IdPath = Annotated[int, Path(ge=1, le=2**62)]
CODE = re.compile(r"^\d{6}$")
REF = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_FILES = 5
DONE = {
    "echeancier": "Votre échéancier est accordé.",
    "echeancier-demande": "Votre demande d'échéancier est transmise à un conseiller, qui vous répondra.",
    "remise": "Votre demande de remise est enregistrée ; vous recevrez la décision par courrier.",
    "preferences": "Vos préférences de contact sont enregistrées.",
}
MANDATE_PAGE = f"{BASE}/mandat"


class DebtorSignInRequired(Exception):
    """No debtor session: back to the sign-in page of the space."""


class DebtorPageMissing(Exception):
    """404 in the debtor space: unknown or not his (both alike)."""


def _pre_token(nonce: str) -> str:
    return f"debiteur-pre:{nonce}"


def _session_csrf(secret: bytes, token: str) -> str:
    return csrf_token(secret, f"debiteur:{token}")


class DebtorWeb:
    """The signed-in debtor as the pages see him."""

    def __init__(self, actor: Actor, token: str, csrf: str, today: date) -> None:
        self.actor = actor
        self.token = token
        self.csrf = csrf
        self.today = today


def _optional(request: Request, services: Services) -> DebtorWeb | None:
    secret = secret_of(request)
    token = unsign_session(secret, request.cookies.get(DEBTOR_COOKIE))
    if token is None:
        return None
    try:
        actor = debtor_space.session_actor(services, token)
    except debtor_space.Unauthenticated:
        return None
    return DebtorWeb(actor, token, _session_csrf(secret, token), commands.today(services))


def debtor_web(request: Request, services: ServicesDep) -> DebtorWeb:
    found = _optional(request, services)
    if found is None:
        raise DebtorSignInRequired()
    return found


DebtorDep = Annotated[DebtorWeb, Depends(debtor_web)]


def _page(
    request: Request, template: str, context: dict[str, Any], me: DebtorWeb | None, status: int = 200
) -> Response:
    return render(request, template, {"me": me, "base": BASE, **context}, web=None, status=status)


def missing_page(request: Request, error: Exception) -> Response:
    return _page(
        request,
        "debiteur_erreur.html",
        {"title": "Page introuvable", "message": "Cette page n'existe pas ou ne concerne pas votre dossier."},
        None,
        status=404,
    )


def sign_in_required(request: Request, error: Exception) -> Response:
    response = redirect(f"{BASE}/")
    if DEBTOR_COOKIE in request.cookies:
        clear_cookie(request, response, DEBTOR_COOKIE)
    return response


def _guarded(run: Callable[[], Response]) -> Response:
    try:
        return run()
    except (Forbidden, NotFound):
        raise DebtorPageMissing() from None


def _refused(request: Request, title: str, message: str) -> Response:
    return _page(request, "debiteur_erreur.html", {"title": title, "message": message}, None, status=403)


async def _checked(request: Request, me: DebtorWeb | None) -> dict[str, Any]:
    """The fields (and files) of a POST of the space, once its origin and CSRF token are checked."""
    content_type = request.headers.get("content-type", "")
    fields: dict[str, Any] = {}
    if content_type.startswith("multipart/form-data"):
        async with request.form(max_files=MAX_FILES, max_fields=20) as form:
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    if value.filename:
                        content = await value.read()
                        fields.setdefault("_files", []).append(
                            debtor_space.Upload(value.filename, value.content_type or "", content)
                        )
                else:
                    fields.setdefault(name, value)
    else:
        fields = dict((await read_form(request)).fields)
    secret = secret_of(request)
    sent = fields.get("csrf")
    if me is not None:
        ok = csrf_matches(secret, f"debiteur:{me.token}", sent)
    else:
        nonce = unsign_session(secret, request.cookies.get(DEBTOR_PRESESSION))
        ok = nonce is not None and csrf_matches(secret, _pre_token(nonce), sent)
    if not same_origin(request) or not ok:
        raise CsrfRefused()
    return fields


class CsrfRefused(Exception):
    pass


def csrf_refused(request: Request, error: Exception) -> Response:
    return _refused(
        request,
        "Requête refusée",
        "Le jeton de sécurité du formulaire manque ou a expiré. Rechargez la page puis recommencez.",
    )


# Sign-in ----------------------------------------------------------------------------------------


def _pre(request: Request) -> tuple[str, str, bool]:
    import secrets as random

    secret = secret_of(request)
    nonce = unsign_session(secret, request.cookies.get(DEBTOR_PRESESSION))
    new = nonce is None
    if nonce is None:
        nonce = random.token_urlsafe(24)
    return nonce, csrf_token(secret, _pre_token(nonce)), new


def _sign_in_page(
    request: Request, services: Services, template: str, context: dict[str, Any], status: int = 200
) -> Response:
    nonce, csrf, new = _pre(request)
    organisms = space.organisms(services)
    response = _page(request, template, {"csrf": csrf, "organisms": organisms, **context}, None, status)
    if new:
        set_cookie(request, response, DEBTOR_PRESESSION, sign_session(secret_of(request), nonce))
    return response


@router.get(f"{BASE}/")
@router.get(BASE)
def space_home(request: Request, services: ServicesDep) -> Response:
    if _optional(request, services) is not None:
        return redirect(f"{BASE}/dossier")
    signed_out = request.query_params.get("sortie") == "1"
    return _sign_in_page(
        request, services, "debiteur_connexion.html", {"error": "", "fields": {}, "signed_out": signed_out}
    )


def _address(request: Request) -> str | None:
    return request.client.host if request.client is not None else None


@router.post(f"{BASE}/code")
async def ask_code(request: Request, services: ServicesDep) -> Response:
    fields = await _checked(request, None)
    organism = str(fields.get("organisme", "")).strip()[:32]
    ref = str(fields.get("dossier", "")).strip()[:64]
    channel = str(fields.get("canal", ""))
    problems = []
    if organism not in space.organisms(services):
        problems.append(("organisme", "choisissez votre organisme dans la liste"))
    if not REF.match(ref):
        problems.append(("dossier", "saisissez le numéro de dossier qui figure sur vos courriers"))
    if channel not in messaging.CHANNELS:
        problems.append(("canal", "choisissez courriel ou SMS"))
    context = {"fields": {"organisme": organism, "dossier": ref, "canal": channel}, "signed_out": False}
    if problems:
        return _sign_in_page(
            request, services, "debiteur_connexion.html", {**context, "error": problems}, status=400
        )
    try:
        deliver = debtor_space.request_code(services, organism, ref, channel, address=_address(request))
    except Throttled as error:
        response = _sign_in_page(
            request,
            services,
            "debiteur_connexion.html",
            {**context, "error": [("", f"trop de demandes : réessayez dans {error.retry_after} secondes")]},
            status=429,
        )
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    response = _sign_in_page(
        request,
        services,
        "debiteur_code.html",
        {"organism": organism, "ref": ref, "channel": debtor_space.CHANNEL_NAMES[channel], "error": ""},
    )
    # The code is sent once the answer has left: its time is the same whoever was named.
    response.background = BackgroundTask(deliver)
    return response


@router.post(f"{BASE}/connexion")
async def sign_in(request: Request, services: ServicesDep) -> Response:
    fields = await _checked(request, None)
    organism = str(fields.get("organisme", "")).strip()[:32]
    ref = str(fields.get("dossier", "")).strip()[:64]
    code = str(fields.get("code", "")).strip().replace(" ", "")[:12]
    context = {"organism": organism, "ref": ref, "channel": "courriel ou SMS"}
    if not CODE.match(code):
        return _sign_in_page(
            request,
            services,
            "debiteur_code.html",
            {**context, "error": "le code compte 6 chiffres"},
            status=400,
        )
    try:
        opened = debtor_space.verify_code(services, organism, ref, code, address=_address(request))
    except debtor_space.CodeRefused as error:
        return _sign_in_page(
            request, services, "debiteur_code.html", {**context, "error": error.reason}, status=401
        )
    except Throttled as error:
        response = _sign_in_page(
            request,
            services,
            "debiteur_code.html",
            {**context, "error": f"trop d'essais : réessayez dans {error.retry_after} secondes"},
            status=429,
        )
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    response = redirect(f"{BASE}/dossier")
    set_cookie(request, response, DEBTOR_COOKIE, sign_session(secret_of(request), opened.token))
    clear_cookie(request, response, DEBTOR_PRESESSION)
    return response


@router.post(f"{BASE}/deconnexion")
async def sign_out(request: Request, services: ServicesDep, me: DebtorDep) -> Response:
    await _checked(request, me)
    debtor_space.sign_out(services, me.token)
    response = redirect(f"{BASE}/?sortie=1")
    clear_cookie(request, response, DEBTOR_COOKIE)
    return response


# The file ---------------------------------------------------------------------------------------


@router.get(f"{BASE}/dossier")
def file_page(request: Request, services: ServicesDep, me: DebtorDep) -> Response:
    def run() -> Response:
        found = space.my_file(services, me.actor, me.today)
        return _page(
            request,
            "debiteur_dossier.html",
            {
                "file": found,
                "explained": space.my_explanations(services, me.actor),
                "rules": space.my_rules(services, me.actor),
                "documents": space.my_documents(services, me.actor),
                "consents": space.my_consents(services, me.actor),
                "done": DONE.get(request.query_params.get("fait", ""), ""),
            },
            me,
        )

    return _guarded(run)


def _claim_page(
    request: Request, services: Services, me: DebtorWeb, ref: str, extra: dict[str, Any], status: int = 200
) -> Response:
    found = space.my_claim(services, me.actor, ref, me.today)
    appeal = queries.open_appeal(services, me.actor.organism or "", ref, me.today)
    context = {
        "claim": found,
        "appeal": appeal,
        "reference": space.payment_reference(services, me.actor.organism or "", ref),
        "first_due": (me.today + timedelta(days=30)).isoformat(),
        "error": "",
        "form": "",
        "done": DONE.get(request.query_params.get("fait", ""), ""),
        **extra,
    }
    return _page(request, "debiteur_creance.html", context, me, status)


@router.get(f"{BASE}/creances/{{ref}}")
def claim_page(request: Request, services: ServicesDep, me: DebtorDep, ref: RefPath) -> Response:
    return _guarded(lambda: _claim_page(request, services, me, ref, {}))


@router.get(f"{BASE}/courriers/{{letter_id}}.pdf")
def letter_pdf(services: ServicesDep, me: DebtorDep, letter_id: IdPath) -> Response:
    def run() -> Response:
        content = space.my_letter(services, me.actor, letter_id)
        return Response(
            content,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="courrier-{letter_id}.pdf"',
                "Cache-Control": "no-store",
            },
        )

    return _guarded(run)


@router.get(f"{BASE}/pieces/{{document_id}}")
def document(services: ServicesDep, me: DebtorDep, document_id: IdPath) -> Response:
    def run() -> Response:
        name, content_type, content = space.my_document(services, me.actor, document_id)
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:100] or "piece"
        return Response(
            content,
            media_type=content_type,
            headers={"Content-Disposition": f'attachment; filename="{safe}"', "Cache-Control": "no-store"},
        )

    return _guarded(run)


@router.post(f"{BASE}/preferences")
async def preferences(request: Request, services: ServicesDep, me: DebtorDep) -> Response:
    fields = await _checked(request, me)
    wanted = {channel: fields.get(channel) == "oui" for channel in messaging.CHANNELS}

    def run() -> Response:
        space.set_consents(services, me.actor, wanted, me.today)
        return redirect(f"{BASE}/dossier?fait=preferences")

    return _guarded(run)


# Acts -------------------------------------------------------------------------------------------


def _act(
    request: Request, services: Services, me: DebtorWeb, ref: str, form_name: str, run: Callable[[], Response]
) -> Response:
    try:
        return run()
    except (Forbidden, NotFound):
        raise DebtorPageMissing() from None
    except REFUSALS as error:
        shown = {"error": refusal_text(error), "form": form_name}
    return _guarded(lambda: _claim_page(request, services, me, ref, shown, status=400))


@router.post(f"{BASE}/creances/{{ref}}/payer")
async def pay(request: Request, services: ServicesDep, me: DebtorDep, ref: RefPath) -> Response:
    await _checked(request, me)

    def run() -> Response:
        offer = space.pay(services, me.actor, ref, me.today, f"{BASE}/creances/{ref}", MANDATE_PAGE)
        return _page(request, "debiteur_payer.html", {"offer": offer, "ref": ref}, me)

    return _act(request, services, me, ref, "payer", run)


@router.get(f"{BASE}/paiement-carte")
def card_not_configured(request: Request, me: DebtorDep) -> Response:
    reference = request.query_params.get("reference", "")[:40]
    return _page(request, "debiteur_carte.html", {"reference": reference}, me)


@router.post(f"{BASE}/creances/{{ref}}/echeancier")
async def ask_plan(request: Request, services: ServicesDep, me: DebtorDep, ref: RefPath) -> Response:
    fields = await _checked(request, me)
    form = Form({k: v for k, v in fields.items() if isinstance(v, str)})

    def run() -> Response:
        monthly: Cents = form.amount("mensualite", "Montant de la mensualité (€)")
        first_due = form.day("premiere_echeance", "Date de la première mensualité")
        why = form.text("motif", "Votre situation (facultatif)", max_length=1000)
        answer = space.ask_plan(services, me.actor, ref, monthly, first_due, me.today, why)
        done = "echeancier" if answer.accepted else "echeancier-demande"
        return redirect(f"{BASE}/creances/{ref}?fait={done}")

    return _act(request, services, me, ref, "echeancier", run)


def _uploads(fields: dict[str, Any]) -> list[debtor_space.Upload]:
    uploads: list[debtor_space.Upload] = list(fields.get("_files", []))
    for upload in uploads:
        problem = debtor_space.check_upload(upload)
        if problem is not None:
            raise FormError("Pièces justificatives", problem)
    return uploads


@router.post(f"{BASE}/creances/{{ref}}/remise")
async def ask_remission(request: Request, services: ServicesDep, me: DebtorDep, ref: RefPath) -> Response:
    fields = await _checked(request, me)
    form = Form({k: v for k, v in fields.items() if isinstance(v, str)})

    def run() -> Response:
        why = form.text("motif", "Pourquoi demandez-vous une remise ?", required=True, max_length=2000)
        space.ask_remission(services, me.actor, ref, me.today, why, _uploads(fields))
        return redirect(f"{BASE}/creances/{ref}?fait=remise")

    return _act(request, services, me, ref, "remise", run)


@router.post(f"{BASE}/creances/{{ref}}/recours")
async def file_appeal(request: Request, services: ServicesDep, me: DebtorDep, ref: RefPath) -> Response:
    fields = await _checked(request, me)
    form = Form({k: v for k, v in fields.items() if isinstance(v, str)})

    def run() -> Response:
        grounds = form.text("motifs", "Les motifs de votre recours", required=True, max_length=4000)
        view, stored = space.file_appeal(services, me.actor, ref, me.today, grounds, _uploads(fields))
        return _page(
            request,
            "debiteur_accuse.html",
            {"appeal": view, "documents": stored, "ref": ref, "grounds": grounds},
            me,
        )

    return _act(request, services, me, ref, "recours", run)


# SEPA direct-debit mandate ---------------------------------------------------------------------


def _mandate_page(
    request: Request, services: Services, me: DebtorWeb, extra: dict[str, Any], status: int = 200
) -> Response:
    sheet = space.my_mandate(services, me.actor, me.today)
    context = {"sheet": sheet, "error": "", "field": "", "signed": None, "fields": {}, **extra}
    return _page(request, "debiteur_mandat.html", context, me, status)


@router.get(MANDATE_PAGE)
def mandate_page(request: Request, services: ServicesDep, me: DebtorDep) -> Response:
    return _guarded(lambda: _mandate_page(request, services, me, {}))


@router.post(MANDATE_PAGE)
async def sign_mandate(request: Request, services: ServicesDep, me: DebtorDep) -> Response:
    """The debtor signs a SEPA mandate for his own file: the debtor is the session's, never a field."""
    fields = await _checked(request, me)
    iban = str(fields.get("iban", ""))[:64]
    bic = str(fields.get("bic", ""))[:16]
    agreed = fields.get("accord") == "oui"

    def run() -> Response:
        if not agreed:
            raise FormError("J'autorise le prélèvement", "cochez la case pour signer le mandat")
        signed = space.sign_my_mandate(services, me.actor, iban, bic, me.today)
        return _mandate_page(request, services, me, {"signed": signed})

    try:
        return _guarded(run)
    except REFUSALS as error:
        field = getattr(error, "field", "") if not isinstance(error, FormError) else ""
        shown = {"error": refusal_text(error), "field": str(field), "fields": {"iban": iban, "bic": bic}}
    return _guarded(lambda: _mandate_page(request, services, me, shown, status=400))
