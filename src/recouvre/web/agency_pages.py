"""The agencies' pages. For the organism's staff, « Agences »: the contracts, the agencies'
proposals to decide (payment facilities, write-offs), this month's statements and the league
table. For the agency portal (collection agencies and bailiffs): « Mes dossiers », the files
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
    IdPath,
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


# The organism's side: its agencies, the proposals to decide, statements and league table -------------


def _staff_page(
    request: Request,
    services: ServicesDep,
    web: WebSession,
    organism: str,
    *,
    done: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    today = web.today
    month = today.strftime("%Y-%m")
    pending = commands.list_reports(services, web.actor, organism, status=agency_reports.PENDING)
    return render(
        request,
        "agencies.html",
        {
            "org": organism_shown(services, organism),
            "agencies": commands.list_agencies(services, web.actor, organism),
            "pending": pending,
            "kinds": REPORT_KINDS,
            "month": month,
            "statements": commands.agency_statements(services, web.actor, organism, month),
            "league": commands.agency_league(
                services, web.actor, organism, today.replace(month=1, day=1), today
            ),
            "may_decide": web.can("agencies.decide"),
            "may_place": web.can("placements.manage"),
            "done": done,
            "error": error,
        },
        web=web,
        status=status,
    )


@router.get("/o/{organism}/agences")
def agencies_page(
    request: Request, services: ServicesDep, web: SessionDep, organism: OrganismPath
) -> Response:
    """The organism's agencies: contracts, proposals to decide, this month's statements, league table."""
    done = {
        "decision": "La décision est enregistrée.",
        "placement": "Le dossier est confié (ou rappelé).",
    }.get(request.query_params.get("fait", ""), "")
    return guarded(web, lambda: _staff_page(request, services, web, organism, done=done))


@router.post("/o/{organism}/agences/propositions/{report_id}/decision")
def decide_report(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    form: FormDep,
    organism: OrganismPath,
    report_id: IdPath,
) -> Response:
    """Approve (a plan is agreed, a write-off proposed) or refuse an agency's proposal."""

    def run() -> Response:
        try:
            choice = form.choice("decision", "Décision", ["approuver", "refuser"])
            why = form.text("motif", "Motif de la décision", required=True)
            on = form.day("date", "Date de la décision", web.today)
            commands.decide_report(services, web.actor, organism, report_id, choice == "approuver", on, why)
        except REFUSALS as error:
            return _staff_page(request, services, web, organism, error=refusal_text(error), status=409)
        return redirect(f"/o/{path_part(organism)}/agences?fait=decision")

    return guarded(web, run)


@router.post("/o/{organism}/agences/placement")
def place_one(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    form: FormDep,
    organism: OrganismPath,
) -> Response:
    """Place one claim with an agency (one by one, from the debtor's file), or recall it."""

    def run() -> Response:
        try:
            claim = form.text("creance", "Créance", required=True, max_length=64)
            agency = form.text("agence", "Agence", required=True, max_length=64)
            action = form.choice("action", "Action", ["confier", "rappeler"], "confier")
            on = form.day("date", "Date", web.today)
            why = form.text("motif", "Motif")
            if action == "confier":
                commands.place_claim(services, web.actor, organism, claim, agency, on, why)
            else:
                commands.recall_claim(services, web.actor, organism, claim, agency, on, why)
        except REFUSALS as error:
            return _staff_page(request, services, web, organism, error=refusal_text(error), status=409)
        return redirect(f"/o/{path_part(organism)}/agences?fait=placement")

    return guarded(web, run)
