"""The steering indicators over the API: ``GET /api/v1/organisms/{organism}/indicators``."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import AfterValidator

from recouvre.api.deps import ActorDep, OrganismPath, ServicesDep
from recouvre.domain.days import RANGE_REASON, supported
from recouvre.service import indicators as service_indicators
from recouvre.service.commands.indicators import READ, read_indicators


def _supported(day: date) -> date:
    if not supported(day):
        raise ValueError(RANGE_REASON)
    return day


def register(router: APIRouter) -> None:
    """Adds the routes of this module to the API's router (``recouvre.api.routes``)."""
    router.add_api_route(
        "/organisms/{organism}/indicators",
        organism_indicators,
        methods=["GET"],
        tags=["pilotage"],
        openapi_extra={"x-action": READ},
        response_model=None,
    )


def organism_indicators(
    services: ServicesDep,
    actor: ActorDep,
    organism: OrganismPath,
    start: Annotated[
        date,
        AfterValidator(_supported),
        Query(alias="from", description="premier jour de la période (AAAA-MM-JJ)"),
    ],
    end: Annotated[
        date, AfterValidator(_supported), Query(alias="to", description="dernier jour de la période, inclus")
    ],
    format: Annotated[Literal["json", "csv"], Query(description="json (défaut) ou csv")] = "json",
) -> dict[str, Any] | Response:
    """The indicators of the organism from ``from`` to ``to``: one object whose keys are the
    indicator names (``recovery_rate``…), each with its label, definition and value."""
    report = read_indicators(services, actor, organism, start, end)
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(service_indicators.FLAT_COLUMNS)
        writer.writerows(service_indicators.flat_rows(report))
        return Response(
            buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="indicateurs-{organism}.csv"'},
        )
    return report.as_data()
