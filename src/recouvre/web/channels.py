"""A debtor's channels, for the organism's staff: his consent to e-mail and SMS (dated, with its
source; a form records a new one) and the e-mails and text messages sent to him with their
delivery status. Through ``service.commands.outbox``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from recouvre.adapters.messaging import CHANNELS
from recouvre.service.commands import outbox as commands
from recouvre.service.outbox import STATUSES
from recouvre.web.pages import path_part, render
from recouvre.web.routes import (
    REFUSALS,
    FormDep,
    OrganismPath,
    RefPath,
    ServicesDep,
    SessionDep,
    guarded,
    organism_shown,
    redirect,
    refusal_text,
)

router = APIRouter(include_in_schema=False)
CHANNEL_NAMES = {"email": "courriel", "sms": "SMS"}


def _page(
    request: Request, services: ServicesDep, web: SessionDep, organism: str, debtor: str, error: str = ""
) -> Response:
    consents = commands.consents(services, web.actor, organism, debtor, web.today)
    messages = (
        commands.messages(services, web.actor, organism, debtor_ref=debtor, limit=50)
        if web.can("outbox.read")
        else []
    )
    context = {
        "org": organism_shown(services, organism),
        "debtor": debtor,
        "consents": consents,
        "messages": messages,
        "channels": CHANNEL_NAMES,
        "statuses": STATUSES,
        "error": error,
        "done": request.query_params.get("fait") == "accord",
    }
    return render(request, "channels.html", context, web=web, status=400 if error else 200)


@router.get("/o/{organism}/debiteurs/{debtor}/canaux")
def channels_page(
    request: Request, services: ServicesDep, web: SessionDep, organism: OrganismPath, debtor: RefPath
) -> Response:
    return guarded(web, lambda: _page(request, services, web, organism, debtor))


@router.post("/o/{organism}/debiteurs/{debtor}/canaux")
def record_consent(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    form: FormDep,
    organism: OrganismPath,
    debtor: RefPath,
) -> Response:
    def run() -> Response:
        try:
            channel = form.choice("canal", "Canal", list(CHANNELS))
            granted = form.choice("accord", "Accord", ["oui", "non"]) == "oui"
            given_on = form.day("date", "Date de l'accord", web.today)
            source = form.text("source", "Source de l'accord", required=True, max_length=64)
            commands.record_consent(services, web.actor, organism, debtor, channel, granted, given_on, source)
        except REFUSALS as error:
            return _page(request, services, web, organism, debtor, refusal_text(error))
        return redirect(f"/o/{path_part(organism)}/debiteurs/{path_part(debtor)}/canaux?fait=accord")

    return guarded(web, run)
