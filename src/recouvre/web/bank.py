"""The accountant's page of unmatched bank credits (``/o/{organism}/virements``): each credit
that matched no claim, why, and the claims it may settle (amount, name, number, date); one
action books it on a chosen claim, another returns it to the payer. Through the door, as the
REST API (``service.commands.money_in``). Its routes are added to ``web.routes.router``."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from recouvre.service.commands import money_in
from recouvre.service.context import Services
from recouvre.web.pages import WebSession, path_part, render
from recouvre.web.routes import (
    REFUSALS,
    FormDep,
    IdPath,
    OrganismPath,
    ServicesDep,
    SessionDep,
    guarded,
    organism_shown,
    redirect,
    refusal_text,
    router,
)

DONE = {
    "affecte": "Le virement est affecté à la créance : le paiement est enregistré.",
    "renvoye": "Le virement est marqué comme renvoyé au payeur.",
}


def _page(
    request: Request,
    services: Services,
    web: WebSession,
    organism: str,
    *,
    error: str = "",
    failed: int | None = None,
    status: int = 200,
) -> Response:
    credits = money_in.bank_credits(services, web.actor, organism, status="unmatched")
    suggestions = {
        credit.id: money_in.credit_suggestions(services, web.actor, organism, credit.id) for credit in credits
    }
    return render(
        request,
        "bank_unmatched.html",
        {
            "org": organism_shown(services, organism),
            "credits": credits,
            "suggestions": suggestions,
            "done": DONE.get(request.query_params.get("fait", ""), ""),
            "error": error,
            "failed": failed,
        },
        web=web,
        status=status,
    )


@router.get("/o/{organism}/virements")
def unmatched_page(
    request: Request, services: ServicesDep, web: SessionDep, organism: OrganismPath
) -> Response:
    return guarded(web, lambda: _page(request, services, web, organism))


@router.post("/o/{organism}/virements/{credit}")
def act_on_credit(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    form: FormDep,
    organism: OrganismPath,
    credit: IdPath,
) -> Response:
    """``choix=affecter`` books the credit on ``creance``; ``choix=renvoyer`` returns it (``motif``)."""

    def run() -> Response:
        try:
            choice = form.choice("choix", "Action", ["affecter", "renvoyer"])
            if choice == "affecter":
                claim = form.text("creance", "Créance", required=True, max_length=64)
                money_in.book_unmatched_credit(
                    services, web.actor, organism, credit, claim, web.today, "page virements"
                )
                done = "affecte"
            else:
                reason = form.text("motif", "Motif du renvoi", required=True, max_length=500)
                money_in.return_unmatched_credit(services, web.actor, organism, credit, web.today, reason)
                done = "renvoye"
        except REFUSALS as error:
            return _page(
                request, services, web, organism, error=refusal_text(error), failed=credit, status=409
            )
        return redirect(f"/o/{path_part(organism)}/virements?fait={done}")

    return guarded(web, run)
