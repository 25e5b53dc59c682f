"""`recouvre organisms add | list`."""

from __future__ import annotations

import typer
from rich.table import Table

from recouvre.cli.common import batch_actor, console, refused, services
from recouvre.domain.model import Country, Organism
from recouvre.service import commands, registry

app = typer.Typer(help="Organismes (Caf, CNSS) gérés par cette installation.", no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="Code de l'organisme, ex. CAF-44"),
    country: Country = typer.Option(Country.FR, "--country", help="FR ou MA"),
    name: str = typer.Option("", "--name"),
) -> None:
    """Create an organism (no change if it exists with the same country)."""
    with refused():
        created = commands.add_organism(
            services(ctx), batch_actor(ctx), Organism(code=code, country=country, name=name)
        )
    console.print(f"{code}: {'créé' if created else 'existe déjà'}")


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List the organisms."""
    organisms = registry.list_organisms(services(ctx))
    table = Table("code", "pays", "nom")
    for organism in organisms:
        table.add_row(organism.code, organism.country.value, organism.name)
    console.print(table)
