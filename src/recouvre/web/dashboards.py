"""The dashboards of managers and directors (``/o/ORG/pilotage``): the indicators of a period,
four charts drawn by Apache ECharts (vendored, ADR 0007) with their figures in tables and a link
to the matching queue, and the exports (CSV, XLSX). Read through the door
(``commands.indicators.read_dashboard``, action ``reports.portfolio``)."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from recouvre.domain.days import RANGE_REASON, supported
from recouvre.domain.defaults import add_months
from recouvre.domain.errors import DomainError
from recouvre.policy import PolicyError
from recouvre.security.authorization import Subject
from recouvre.service import dashboards, snapshots, whatif, whatif_report
from recouvre.service import indicators as service_indicators
from recouvre.service.commands import guard
from recouvre.service.commands.indicators import read_dashboard
from recouvre.service.commands.network import read_network
from recouvre.service.commands.whatif import ACTION as WHATIF
from recouvre.service.commands.whatif import compare_policies
from recouvre.service.cycle import parse_month
from recouvre.web.forms import FormError
from recouvre.web.pages import PageError, render
from recouvre.web.routes import FormDep, OrganismPath, ServicesDep, SessionDep, guarded, organism_shown

router = APIRouter(include_in_schema=False)
DayQuery = Annotated[str | None, Query(max_length=10)]
PHASE_LABELS = {"amicable": "Amiable", "contentious": "Contentieux", "enforcement": "Exécution forcée"}
DRILL_DOWN = {
    "tendance": ("phone_call", "les appels de relance"),
    "phases": ("review", "les dossiers à passer au contentieux (revues)"),
    "pyramide": ("prescription_review", "les créances proches de la prescription"),
}


def _period(web_today: date, du: str | None, au: str | None) -> tuple[date, date]:
    try:
        end = date.fromisoformat(au) if au else web_today
        start = date.fromisoformat(du) if du else date(end.year, 1, 1)
    except ValueError:
        raise PageError(400, "Période invalide", "Les dates s'écrivent AAAA-MM-JJ.") from None
    if not (supported(start) and supported(end)):
        raise PageError(400, "Période invalide", RANGE_REASON)
    if start > end or end - start > timedelta(days=3660):
        raise PageError(400, "Période invalide", "Le début doit précéder la fin (dix ans au plus).")
    return start, end


def _rate(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def chart_data(board: dashboards.Dashboard) -> dict[str, Any]:
    """The figures the charts draw (JSON)."""
    return {
        "currency": "€" if board.currency == "EUR" else board.currency,
        "trend": [
            {
                "month": point.month,
                "recovered": point.recovered,
                "new": point.new,
                "stock": point.stock,
                "rate": _rate(point.rate),
                "by_phase": point.by_phase,
            }
            for point in board.trend
        ],
        "pyramid": list(board.pyramid),
        "organisms": [
            {
                "organism": item.organism,
                "recovery_rate": _rate(item.recovery_rate),
                "remission_rate": _rate(item.remission_rate),
            }
            for item in board.organisms
        ],
    }


def _board(
    request: Request, services: ServicesDep, web: SessionDep, organism: str, du: str | None, au: str | None
) -> dashboards.Dashboard:
    start, end = _period(web.today, du, au)
    return read_dashboard(services, web.actor, organism, start, end)


@router.get("/o/{organism}/pilotage")
def dashboard_page(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    organism: OrganismPath,
    du: DayQuery = None,
    au: DayQuery = None,
) -> Response:
    def run() -> Response:
        board = _board(request, services, web, organism, du, au)
        figures = {item.definition.name: item for item in board.report.values}
        return render(
            request,
            "dashboard.html",
            {
                "org": organism_shown(services, organism),
                "board": board,
                "figures": figures,
                "phases": PHASE_LABELS,
                "drill": DRILL_DOWN,
                "chart_json": json.dumps(chart_data(board), ensure_ascii=False),
                "query": f"du={board.start.isoformat()}&au={board.end.isoformat()}",
            },
            web=web,
        )

    return guarded(web, run)


def export_rows(board: dashboards.Dashboard) -> dict[str, list[list[Any]]]:
    """The sheets of the exports: the indicators (flat) and each chart's table."""

    def money(cents: int) -> float:
        return float(Decimal(cents) / 100)

    indicators_sheet: list[list[Any]] = [list(service_indicators.FLAT_COLUMNS)]
    indicators_sheet += [list(row) for row in service_indicators.flat_rows(board.report)]
    header: list[list[Any]] = []
    return {
        "Indicateurs": indicators_sheet,
        "Tendance": header
        + [["mois", "recouvré", "nouveaux", "stock début", "taux (%)"]]
        + [[p.month, money(p.recovered), money(p.new), money(p.stock), _rate(p.rate)] for p in board.trend],
        "Phases": header
        + [["mois", *PHASE_LABELS.values()]]
        + [[p.month, *(money(p.by_phase[phase]) for phase in PHASE_LABELS)] for p in board.trend],
        "Pyramide": header
        + [["ancienneté", *PHASE_LABELS.values()]]
        + [[row["band"], *(money(int(row[phase])) for phase in PHASE_LABELS)] for row in board.pyramid],
        "Organismes": header
        + [["organisme", "taux de recouvrement (%)", "taux de remise (%)", "recouvré"]]
        + [
            [item.organism, _rate(item.recovery_rate), _rate(item.remission_rate), money(item.recovered)]
            for item in board.organisms
        ],
    }


@router.get("/o/{organism}/pilotage/export.csv")
def dashboard_csv(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    organism: OrganismPath,
    du: DayQuery = None,
    au: DayQuery = None,
) -> Response:
    def run() -> Response:
        board = _board(request, services, web, organism, du, au)
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        for name, rows in export_rows(board).items():
            writer.writerow([f"# {name}"])
            writer.writerows(rows)
            writer.writerow([])
        return Response(
            "\ufeff" + buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="pilotage-{organism}.csv"'},
        )

    return guarded(web, run)


@router.get("/o/{organism}/pilotage/export.xlsx")
def dashboard_xlsx(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    organism: OrganismPath,
    du: DayQuery = None,
    au: DayQuery = None,
) -> Response:
    def run() -> Response:
        from openpyxl import Workbook

        board = _board(request, services, web, organism, du, au)
        book = Workbook()
        for sheet in list(book.worksheets):
            book.remove(sheet)
        for name, rows in export_rows(board).items():
            sheet = book.create_sheet(name)
            for row in rows:
                sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return Response(
            buffer.getvalue(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="pilotage-{organism}.xlsx"'},
        )

    return guarded(web, run)


# Policy what-if (directors) ---------------------------------------------------------------------

EXAMPLE_CANDIDATE = "withholding.arrears_rate: 50\nrecovery.start_delay_days: 30\n"
MAX_MONTHS = 12


def _policy_set(text: str, name: str, label: str) -> whatif.PolicySet:
    try:
        raw = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError:
        raise FormError(label, "YAML illisible (une ligne « clé: valeur » par paramètre)") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise FormError(label, "une ligne « clé: valeur » par paramètre")
    return whatif.PolicySet(name, {str(key): value for key, value in raw.items()}, "formulaire")


def _whatif_page(
    request: Request,
    services: ServicesDep,
    web: SessionDep,
    organism: str,
    values: dict[str, str],
    *,
    report: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    return render(
        request,
        "whatif.html",
        {
            "org": organism_shown(services, organism),
            "values": values,
            "report": report,
            "error": error,
            "max_months": MAX_MONTHS,
        },
        web=web,
        status=status,
    )


def _defaults(services: ServicesDep, organism: str) -> dict[str, str]:
    latest = service_indicators.latest_movement_on(services, organism)
    start = add_months(date(latest.year, latest.month, 1), 1) if latest else date.today().replace(day=1)
    return {
        "base_name": "Politique actuelle",
        "base": "",
        "candidate_name": "Politique candidate",
        "candidate": EXAMPLE_CANDIDATE,
        "start": f"{start:%Y-%m}",
        "months": "12",
        "seed": "42",
    }


@router.get("/o/{organism}/pilotage/comparaison")
def whatif_form(request: Request, services: ServicesDep, web: SessionDep, organism: OrganismPath) -> Response:
    def run() -> Response:
        guard(services, web.actor, WHATIF, Subject(organism=organism))
        return _whatif_page(request, services, web, organism, _defaults(services, organism))

    return guarded(web, run)


@router.post("/o/{organism}/pilotage/comparaison")
def whatif_run(
    request: Request, services: ServicesDep, web: SessionDep, form: FormDep, organism: OrganismPath
) -> Response:
    def run() -> Response:
        values = {key: form.fields.get(key, "") for key in _defaults(services, organism)}
        try:
            base = _policy_set(
                form.text("base", "Paramètres de la politique actuelle", max_length=4000),
                form.text("base_name", "Nom", max_length=60) or "Politique actuelle",
                "Paramètres de la politique actuelle",
            )
            candidate = _policy_set(
                form.text("candidate", "Paramètres de la politique candidate", max_length=4000),
                form.text("candidate_name", "Nom", max_length=60) or "Politique candidate",
                "Paramètres de la politique candidate",
            )
            if base.name == candidate.name:
                candidate = whatif.PolicySet(
                    f"{candidate.name} (candidate)", candidate.values, candidate.source
                )
            try:
                start = parse_month(form.text("start", "Premier mois", required=True, max_length=7))
            except ValueError:
                raise FormError("Premier mois", "AAAA-MM") from None
            months_text = form.text("months", "Nombre de mois", required=True, max_length=2)
            seed_text = form.text("seed", "Graine", required=True, max_length=9)
            if not months_text.isdigit() or not 1 <= int(months_text) <= MAX_MONTHS:
                raise FormError("Nombre de mois", f"de 1 à {MAX_MONTHS}")
            if not seed_text.isdigit():
                raise FormError("Graine", "un nombre entier positif")
            result = compare_policies(
                services, web.actor, organism, start, int(months_text), int(seed_text), base, candidate
            )
        except (FormError, DomainError, PolicyError) as error:
            message = (
                str(error)
                if isinstance(error, FormError | PolicyError)
                else f"{error.field} : {error.reason}"
            )
            return _whatif_page(request, services, web, organism, values, error=message, status=422)
        if form.fields.get("format") == "pdf":
            return Response(
                whatif_report.render_pdf(whatif_report.render_html(result)),
                media_type="application/pdf",
                headers={"Content-Disposition": f'attachment; filename="comparaison-{organism}.pdf"'},
            )
        return _whatif_page(
            request, services, web, organism, values, report=whatif_report.render_html(result, fragment=True)
        )

    return guarded(web, run)


# Network view (network users), read from the monthly snapshots --------------------------------

MonthQuery = Annotated[str | None, Query(max_length=7)]


def _twelve_months_to(last: str) -> str:
    """The first of the twelve months that end with ``last`` (``last`` itself when unreadable)."""
    try:
        index = int(last[:4]) * 12 + int(last[5:7]) - 1 - 11
    except ValueError:
        return last
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@router.get("/reseau/pilotage")
def network_page(
    request: Request, services: ServicesDep, web: SessionDep, du: MonthQuery = None, au: MonthQuery = None
) -> Response:
    def run() -> Response:
        last = au or f"{web.today.year:04d}-{web.today.month:02d}"
        first = du or _twelve_months_to(last)
        started = time.perf_counter()
        try:
            view = read_network(services, web.actor, snapshots.default_root(), first, last)
        except DomainError as error:
            return render(
                request,
                "network.html",
                {
                    "view": None,
                    "first": first,
                    "last": last,
                    "error": error.reason,
                    "chart_json": "{}",
                    "elapsed_ms": 0,
                },
                web=web,
            )
        elapsed_ms = round((time.perf_counter() - started) * 1000)
        data = {
            "currency": "€",
            "trend": [
                {
                    "month": item.month,
                    "recovered": item.recovered,
                    "new": item.new,
                    "stock": item.stock,
                    "rate": _rate(item.recovery_rate),
                    "by_phase": {},
                }
                for item in view.by_month
            ],
            "pyramid": [
                {"band": band, "amicable": amount, "contentious": 0, "enforcement": 0}
                for band, amount in view.stock_by_band
            ],
            "organisms": [
                {
                    "organism": item.organism,
                    "recovery_rate": _rate(item.recovery_rate),
                    "remission_rate": _rate(item.remission_rate),
                }
                for item in view.organisms
            ],
        }
        return render(
            request,
            "network.html",
            {
                "view": view,
                "first": first,
                "last": last,
                "error": "",
                "chart_json": json.dumps(data, ensure_ascii=False),
                "elapsed_ms": elapsed_ms,
            },
            web=web,
        )

    return guarded(web, run)
