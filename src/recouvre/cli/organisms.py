"""`recouvre organisms add | list`."""

from __future__ import annotations

import typer
from rich.table import Table

from recouvre.cli.common import console, fail, services
from recouvre.domain.model import Country, DomainError, Organism
from recouvre.service.registry import ensure_organism
from recouvre.storage import repository

app = typer.Typer(help="Organismes (Caf, CNSS) gérés par cette installation.", no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="Code de l'organisme, ex. CAF-44"),
    country: Country = typer.Option(Country.FR, "--country", help="FR ou MA"),
    name: str = typer.Option("", "--name"),
) -> None:
    """Create an organism (no change if it exists with the same country)."""
    try:
        created = ensure_organism(services(ctx), Organism(code=code, country=country, name=name))
    except DomainError as error:
        raise fail(str(error)) from None
    console.print(f"{code}: {'créé' if created else 'existe déjà'}")


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List the organisms."""
    with services(ctx).db.unit_of_work() as session:
        organisms = repository.list_organisms(session)
    table = Table("code", "pays", "nom")
    for organism in organisms:
        table.add_row(organism.code, organism.country.value, organism.name)
    console.print(table)
