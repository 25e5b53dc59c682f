"""The agency portal's pages (collection agencies and bailiffs): « Mes dossiers », the files
placed with the user's agency today by priority, and the report form on each (contact, letter
from the system's templates, address, asset found, payment-facility or write-off proposal,
bailiff's act, remittance). Imported at the end of ``recouvre.web.routes``: its routes are added
to that router. Everything goes through the authorised commands: a file not placed with the
agency, or recalled, is refused (403 page, ``denied`` row in the audit trail).
"""

from __future__ import annotations

import uuid

from fastapi import Request
from starlette.responses import Response

from recouvre.security.authorization import Forbidden
from recouvre.service import agency_reports, commands
from recouvre.web.pages import PageError, WebSession, path_part, render
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
    router,
)

REPORT_KINDS = {
    "contact": "Contact avec le débiteur",
    "letter": "Courrier envoyé",
    "address": "Nouvelle adresse",
    "asset": "Bien trouvé",
    "facility": "Proposition de facilité de paiement",
    "write_off": "Proposition d'admission en non-valeur",
    "bailiff_act": "Acte de commissaire de justice",
    "remittance": "Reversement à l'organisme",
}
LETTERS = {
    "reminder_1": "première relance",
    "reminder_2": "deuxième relance",
    "formal_notice": "mise en demeure",
}
ASSETS = {
    "land": "titre foncier",
    "vehicle": "véhicule",
    "bank_account": "compte bancaire",
    "business": "fonds de commerce",
}
ACTS = {
    "service": "signification",
    "seizure_attempt": "tentative de saisie",
    "no_assets": "procès-verbal de carence",
    "payment_collected": "paiement encaissé",
    "fees": "frais à la charge du débiteur",
}
FIELDS = (
    "channel",
    "outcome",
    "note",
    "type",
    "address",
    "asset_kind",
    "description",
    "estimated_value",
    "evidence",
    "monthly",
    "first_due",
    "reasons",
    "act",
    "amount",
    "reference",
)


def _agency(web: WebSession) -> str:
    if web.actor.agency is None:
        raise PageError(403, "Action non permise", "Cette page est celle des agences de recouvrement.", web)
    return web.actor.agency


def _page(
    request: Request,
    services: ServicesDep,
    web: WebSession,
    organism: str,
    *,
    done: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    agency = _agency(web)
    files = commands.handover(services, web.actor, organism, agency, web.today)
    reports = commands.list_reports(services, web.actor, organism)
    by_claim: dict[str, list[agency_reports.ReportView]] = {}
    for item in reports:
        by_claim.setdefault(item.claim_ref, []).append(item)
    return render(
        request,
        "agency.html",
        {
            "org": organism_shown(services, organism),
            "agency": agency,
            "files": files,
            "reports": by_claim,
            "kinds": REPORT_KINDS,
            "letters": LETTERS,
            "assets": ASSETS,
            "acts": ACTS,
            "done": done,
            "error": error,
        },
        web=web,
        status=status,
    )


@router.get("/o/{organism}/agence")
def agency_page(request: Request, services: ServicesDep, web: SessionDep, organism: OrganismPath) -> Response:
    """« Mes dossiers »: the files placed with the agency today, by priority."""
    done = "Le compte rendu est enregistré." if request.query_params.get("fait") == "compte-rendu" else ""
    return guarded(web, lambda: _page(request, services, web, organism, done=done))


@router.post("/o/{organism}/agence/{claim}/compte-rendu")
def report(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    form: FormDep,
    organism: OrganismPath,
    claim: RefPath,
) -> Response:
    """Report on one file placed with the agency."""
    _agency(web)
    kind = form.fields.get("kind", "")
    data: dict[str, object] = {
        name: form.fields[name].strip() for name in FIELDS if form.fields.get(name, "").strip()
    }

    def run() -> Response:
        try:
            commands.report(
                services, web.actor, organism, claim, kind, web.today, data, key=f"web:{uuid.uuid4().hex}"
            )
        except Forbidden:
            raise
        except REFUSALS as error:
            return _page(request, services, web, organism, error=refusal_text(error), status=409)
        return redirect(f"/o/{path_part(organism)}/agence?fait=compte-rendu#dossier-{path_part(claim)}")

    return guarded(web, run)
