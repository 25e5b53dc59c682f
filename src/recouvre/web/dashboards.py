"""The dashboards of managers and directors (``/o/ORG/pilotage``): the indicators of a period,
four charts drawn by Apache ECharts (vendored, ADR 0007) with their figures in tables and a link
to the matching queue, and the exports (CSV, XLSX). Read through the door
(``commands.indicators.read_dashboard``, action ``reports.portfolio``)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from recouvre.service import dashboards
from recouvre.service import indicators as service_indicators
from recouvre.service.commands.indicators import read_dashboard
from recouvre.web.pages import PageError, render
from recouvre.web.routes import OrganismPath, ServicesDep, SessionDep, guarded, organism_shown

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
                "chart_json": json.dumps(chart_data(board), ensure_ascii=False).replace("</", "<\\/"),
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
