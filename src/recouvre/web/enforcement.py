"""Back-office pages of the enforcement titles and of the interruptions recorded by hand.

* ``/o/{organism}/titres`` — the contentious queue (titles to draft, to sign, to serve; opposition
  windows running; oppositions and their hearings) and, for whoever may sign, the signature
  basket (each title signed alone, or the ones ticked in a batch);
* ``POST /o/{organism}/titres/projet`` — draft the title of a claim (from its review task);
* ``POST /o/{organism}/titres/signature`` — sign the ticked titles (director or mandated agent);
* ``POST /o/{organism}/titres/{title}/acte`` — record an act (order, service, opposition, hearing,
  decision, annulment);
* ``POST /o/{organism}/reconnaissance`` — a written acknowledgment of the debt, from the debtor
  file (it interrupts prescription);
* ``POST /o/{organism}/courriers/{letter}/statut`` — a registered letter sent, delivered or
  returned (delivered or returned unclaimed, it interrupts prescription).

Every page goes through ``recouvre.service.commands`` (authorised, audited); every form carries
the session's CSRF token (``checked_form``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from recouvre.domain.enforcement import (
    ACT_LABELS,
    KIND_LABELS,
    STATE_LABELS,
    Outcome,
    ServiceVia,
    TitleAct,
)
from recouvre.domain.errors import BatchRejected, NotFound
from recouvre.domain.model import DomainError
from recouvre.letters.status import LetterStatus
from recouvre.security.authorization import Forbidden, Subject
from recouvre.service import commands
from recouvre.service.commands import REFUSALS
from recouvre.service.commands import enforcement as titles
from recouvre.web.forms import FormError
from recouvre.web.pages import PageError, path_part, render
from recouvre.web.routes import (
    FormDep,
    IdPath,
    OrganismPath,
    ServicesDep,
    SessionDep,
    guarded,
    organism_shown,
    redirect,
    refusal_text,
)

router = APIRouter(include_in_schema=False)

VIA_LABELS = {
    ServiceVia.BAILIFF.value: "par commissaire de justice",
    ServiceVia.REGISTERED_LETTER.value: "par LRAR",
}
OUTCOME_LABELS = {
    Outcome.REJECTED.value: "opposition rejetée (titre exécutoire)",
    Outcome.UPHELD.value: "opposition accueillie (titre annulé)",
    Outcome.REDUCED.value: "créance réduite (titre exécutoire pour le montant fixé)",
}
LETTER_STATUS_LABELS = {
    LetterStatus.SENT.value: "envoyé",
    LetterStatus.DELIVERED.value: "distribué (accusé de réception signé)",
    LetterStatus.RETURNED.value: "retourné (préciser : non réclamé, NPAI)",
}
DONE = {
    "projet": "Le projet de titre est rédigé : il attend la signature.",
    "signature": "Les titres cochés sont signés.",
    "acte": "L'acte est enregistré sur le titre.",
}


def _day(text: str, today: date) -> date:
    try:
        return date.fromisoformat(text) if text else today
    except ValueError:
        return today


def _titles_page(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    organism: str,
    on: date,
    *,
    error: str = "",
    results: list[titles.BasketResult] | None = None,
    status: int = 200,
) -> Response:
    queue = titles.contentious_queue(services, web.actor, organism, on) if web.can("queues.read") else None
    basket = None
    if web.can("enforcement.sign") or web.can("injunctions.file"):
        basket = titles.signature_basket(services, web.actor, organism, on)
    if queue is None and basket is None:
        raise Forbidden("queues.read", "la corbeille contentieuse n'est pas permise à ce rôle")
    return render(
        request,
        "titles.html",
        {
            "org": organism_shown(services, organism),
            "on": on,
            "queue": queue,
            "basket": basket,
            "results": results or [],
            "error": error,
            "done": DONE.get(request.query_params.get("fait", ""), ""),
            "kinds": {kind.value: text for kind, text in KIND_LABELS.items()},
            "states": {state.value: text for state, text in STATE_LABELS.items()},
            "acts": {act.value: text for act, text in ACT_LABELS.items()},
            "vias": VIA_LABELS,
            "outcomes": OUTCOME_LABELS,
        },
        web=web,
        status=status,
    )


@router.get("/o/{organism}/titres")
def titles_page(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    organism: OrganismPath,
    au: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """The contentious queue and the signature basket."""
    return guarded(web, lambda: _titles_page(request, services, web, organism, _day(au, web.today)))


def _back(organism: str, done: str) -> Response:
    return redirect(f"/o/{path_part(organism)}/titres?fait={done}")


@router.post("/o/{organism}/titres/projet")
def draft(
    request: Request, services: ServicesDep, web: SessionDep, form: FormDep, organism: OrganismPath
) -> Response:
    def run() -> Response:
        commands.guard(services, web.actor, "titles.draft", Subject(organism=organism))
        try:
            claim = form.text("creance", "Créance", required=True, max_length=64)
            on = form.day("date", "Date", web.today)
            titles.draft_title(services, web.actor, organism, claim, on, why=form.text("motif", "Motif"))
        except REFUSALS as error:
            return _titles_page(
                request, services, web, organism, web.today, error=refusal_text(error), status=409
            )
        return _back(organism, "projet")

    return guarded(web, run)


@router.post("/o/{organism}/titres/signature")
def sign(
    request: Request, services: ServicesDep, web: SessionDep, form: FormDep, organism: OrganismPath
) -> Response:
    """Sign the ticked titles (checkboxes ``titre-<id>``) or the one named by its button (``un_titre``)."""

    def run() -> Response:
        commands.guard(services, web.actor, "enforcement.sign", Subject(organism=organism))
        chosen = [name.removeprefix("titre-") for name in form.fields if name.startswith("titre-")]
        single = form.fields.get("un_titre", "").strip()
        wanted = [single] if single else sorted(chosen, key=lambda text: (len(text), text))
        try:
            ids = titles.as_ids([value for value in wanted if value])
            if not ids:
                raise FormError("Titres", "cochez au moins un titre à signer")
            on = form.day("date", "Date de signature", web.today)
            results = titles.sign_titles(
                services, web.actor, organism, ids, on, why=form.text("motif", "Motif")
            )
        except REFUSALS as error:
            return _titles_page(
                request, services, web, organism, web.today, error=refusal_text(error), status=409
            )
        failed = [result for result in results if result.error]
        if failed:
            return _titles_page(request, services, web, organism, web.today, results=results, status=409)
        return _back(organism, "signature")

    return guarded(web, run)


@router.post("/o/{organism}/titres/{title}/acte")
def record_act(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    form: FormDep,
    organism: OrganismPath,
    title: IdPath,
) -> Response:
    def run() -> Response:
        try:
            act = TitleAct(
                form.choice(
                    "acte", "Acte", ["granted", "served", "opposed", "hearing", "decided", "annulled"]
                )
            )
            on = form.day("date", "Date de l'acte", web.today)
            via = (
                ServiceVia(form.choice("voie", "Voie", list(VIA_LABELS))) if act is TitleAct.SERVED else None
            )
            outcome = (
                Outcome(form.choice("issue", "Décision", list(OUTCOME_LABELS)))
                if act is TitleAct.DECIDED
                else None
            )
            amount = form.amount("montant", "Nouveau principal") if outcome is Outcome.REDUCED else None
            hearing = form.day("audience", "Date de l'audience") if act is TitleAct.HEARING else None
            titles.record_title_act(
                services, web.actor, organism, title, act, on, via=via, outcome=outcome, amount=amount,
                hearing_on=hearing, why=form.text("motif", "Motif"),
            )  # fmt: skip
        except REFUSALS as error:
            return _titles_page(
                request, services, web, organism, web.today, error=refusal_text(error), status=409
            )
        return _back(organism, "acte")

    return guarded(web, run)


def _debtor_back(organism: str, debtor: str, done: str) -> Response:
    return redirect(f"/o/{path_part(organism)}/debiteurs/{path_part(debtor)}?fait={done}#historique")


def _refused_page(web: SessionDep, error: Exception) -> PageError:
    status = 422 if isinstance(error, FormError | BatchRejected) else 409
    return PageError(status, "Action refusée", refusal_text(error), web)


@router.post("/o/{organism}/reconnaissance")
def acknowledge(services: ServicesDep, web: SessionDep, form: FormDep, organism: OrganismPath) -> Response:
    """A written acknowledgment of the debt received from the debtor (C. civ. 2240)."""

    def run() -> Response:
        commands.guard(services, web.actor, "debts.acknowledge", Subject(organism=organism))
        debtor = form.fields.get("debiteur", "").strip()[:64]
        try:
            claim = form.text("creance", "Créance", required=True, max_length=64)
            on = form.day("date", "Date de la reconnaissance", web.today)
            by = form.choice("par", "Par", ["debtor", "representative", "mandatary"], "debtor")
            why = form.text("motif", "Pièce reçue") or "reconnaissance de dette écrite"
            commands.record_acknowledgment(services, web.actor, organism, claim, on, by=by, why=why)
        except REFUSALS as error:
            raise _refused_page(web, error) from None
        return _debtor_back(organism, debtor or claim, "reconnaissance")

    return guarded(web, run)


@router.post("/o/{organism}/courriers/{letter}/statut")
def mark_letter(
    services: ServicesDep, web: SessionDep, form: FormDep, organism: OrganismPath, letter: IdPath
) -> Response:
    """A letter sent, delivered or returned (a registered letter delivered or returned unclaimed
    interrupts the prescription of its claims)."""

    def run() -> Response:
        commands.guard(services, web.actor, "letters.mark", Subject(organism=organism))
        debtor = form.fields.get("debiteur", "").strip()[:64]
        try:
            status = LetterStatus(form.choice("statut", "Sort du courrier", list(LETTER_STATUS_LABELS)))
            on = form.day("date", "Date", web.today)
            note = form.text("note", "Précision (non réclamé, NPAI)", max_length=200) or None
            commands.mark_letter(services, web.actor, letter, status, on, note, organism_code=organism)
        except (DomainError, NotFound) as error:
            if isinstance(error, NotFound):
                raise
            raise _refused_page(web, error) from None
        except FormError as error:
            raise _refused_page(web, error) from None
        return _debtor_back(organism, debtor, "courrier")

    return guarded(web, run)
