"""The phone campaigns' pages (télérecouvrement): the list of campaigns and the form to build
one (a manager), the call list of the day with each debtor's context, the script and the form
recording each call (an outcome among the codes of ``call_outcomes.yaml``, nothing else), and
the KPIs beside the seed's 60 % / 73 % / −47 %. Every read and act goes through
``service.commands.campaigns``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from recouvre.domain.days import supported
from recouvre.service import campaigns as rules
from recouvre.service.commands import campaigns as commands
from recouvre.web.pages import path_part, render
from recouvre.web.routes import (
    REFUSALS,
    FormDep,
    OrganismPath,
    ServicesDep,
    SessionDep,
    guarded,
    organism_shown,
    redirect,
    refusal_text,
)

router = APIRouter(include_in_schema=False)
IdPath = Annotated[int, Path(ge=1, le=2**62)]
DONE = {
    "campagne": "La campagne est créée : sa liste d'appels est prête.",
    "appel": "L'appel est enregistré.",
}


def _day(request: Request, default: date) -> date:
    try:
        found = date.fromisoformat(request.query_params.get("jour", ""))
    except ValueError:
        return default
    return found if supported(found) else default


def _list_page(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    organism: str,
    extra: dict[str, Any],
    status: int = 200,
) -> Response:
    found = commands.list_campaigns(services, web.actor, organism)
    context = {
        "org": organism_shown(services, organism),
        "campaigns": found,
        "triggers": rules.TRIGGERS,
        "error": "",
        "done": DONE.get(request.query_params.get("fait", ""), ""),
        **extra,
    }
    return render(request, "campaigns.html", context, web=web, status=status)


@router.get("/o/{organism}/campagnes")
def campaigns_page(
    request: Request, services: ServicesDep, web: SessionDep, organism: OrganismPath
) -> Response:
    return guarded(web, lambda: _list_page(request, services, web, organism, {}))


@router.post("/o/{organism}/campagnes")
def create_campaign(
    request: Request, services: ServicesDep, web: SessionDep, form: FormDep, organism: OrganismPath
) -> Response:
    def run() -> Response:
        try:
            trigger = form.choice("declencheur", "Déclencheur", list(rules.TRIGGERS))
            start = form.day("debut", "Début de la période")
            end = form.day("fin", "Fin de la période")
            view = commands.create_campaign(
                services, web.actor, organism, trigger, start, end, form.text("nom", "Nom", max_length=200)
            )
        except REFUSALS as error:
            return _list_page(request, services, web, organism, {"error": refusal_text(error)}, status=400)
        return redirect(f"/o/{path_part(organism)}/campagnes/{view.id}?fait=campagne")

    return guarded(web, run)


def _campaign_page(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    organism: str,
    campaign: int,
    extra: dict[str, Any],
    status: int = 200,
) -> Response:
    on = _day(request, web.today)
    view, lines, script = commands.call_list(services, web.actor, organism, campaign, on)
    kpis = commands.kpis(services, web.actor, organism, campaign, on)
    context = {
        "org": organism_shown(services, organism),
        "campaign": view,
        "trigger": rules.TRIGGERS[view.trigger],
        "lines": lines,
        "script": script.replace("{agent}", web.actor.user),
        "outcomes": rules.call_outcomes(),
        "kpis": kpis,
        "seed": rules.SEED,
        "on": on,
        "error": "",
        "failed": 0,
        "done": DONE.get(request.query_params.get("fait", ""), ""),
        **extra,
    }
    return render(request, "campaign.html", context, web=web, status=status)


@router.get("/o/{organism}/campagnes/{campaign}")
def campaign_page(
    request: Request, services: ServicesDep, web: SessionDep, organism: OrganismPath, campaign: IdPath
) -> Response:
    return guarded(web, lambda: _campaign_page(request, services, web, organism, campaign, {}))


@router.post("/o/{organism}/campagnes/{campaign}/appels/{line}")
def record_call(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    form: FormDep,
    organism: OrganismPath,
    campaign: IdPath,
    line: IdPath,
) -> Response:
    def run() -> Response:
        try:
            outcome = form.choice("issue", "Issue de l'appel", list(rules.call_outcomes()))
            on = form.day("date", "Date de l'appel", web.today)
            found = rules.load_outcomes()[outcome]
            promise = None
            callback = None
            if found.needs == "promise":
                promise = commands.Promise(
                    form.amount("montant", "Montant promis"), form.day("echeance", "Date promise")
                )
            if found.needs == "callback":
                callback = form.day("rappel", "Date du rappel")
            commands.record_call(
                services,
                web.actor,
                organism,
                campaign,
                line,
                outcome,
                on,
                promise=promise,
                callback_on=callback,
                note=form.text("note", "Note (ce qui a été dit)", max_length=2000),
            )
        except REFUSALS as error:
            return _campaign_page(
                request,
                services,
                web,
                organism,
                campaign,
                {"error": refusal_text(error), "failed": line},
                400,
            )
        return redirect(f"/o/{path_part(organism)}/campagnes/{campaign}?fait=appel")

    return guarded(web, run)
