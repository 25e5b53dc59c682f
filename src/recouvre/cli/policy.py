"""``recouvre policy``: show the parameters in force on a date, with their source."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from recouvre.cli.common import option_date
from recouvre.policy import (
    ALWAYS,
    PolicyError,
    for_organism,
    format_value,
    national,
    organism_file,
    read_override,
    show_rows,
)

UNVERIFIED_MARK = "non vérifié"
CONFIDENCE_MARK = "confiance {}"
"""A sourced value whose source is not a primary text (RULES.md's tag M or L)."""

app = typer.Typer(
    help="Policy parameters: national defaults and organism overrides, by date.",
    no_args_is_help=True,
)


def _console() -> Console:
    console = Console()
    if not console.is_terminal:
        # piped or captured: do not squeeze the table into 80 columns
        console = Console(width=max(console.width, 200))
    return console


def _root_policy_dir(ctx: typer.Context) -> Path | None:
    """The ``--policy-dir`` given to ``recouvre`` itself, when run as ``recouvre policy show``."""
    found = getattr(ctx.find_root().obj, "policy_dir", None)
    return found if isinstance(found, Path) else None


def _status(unverified: bool, confidence: str) -> Text:
    """``non vérifié`` for a value carried forward; ``confiance M`` (or L) for a value sourced
    from secondary sources only; nothing for a value from a primary text."""
    if unverified:
        return Text(UNVERIFIED_MARK, style="bold yellow")
    if confidence and confidence != "H":
        return Text(CONFIDENCE_MARK.format(confidence), style="yellow")
    return Text("")


@app.callback()
def _main() -> None:
    """Policy parameters: national defaults and organism overrides, by date."""


@app.command()
def show(
    ctx: typer.Context,
    on: Annotated[str, typer.Option("--on", help="Date YYYY-MM-DD at which to show the values.")],
    organism: Annotated[
        str | None, typer.Option("--organism", help="Organism code; applies <policy-dir>/<CODE>.yaml.")
    ] = None,
    country: Annotated[
        str | None,
        typer.Option("--country", help="FR or MA (default: the override file's country, else FR)."),
    ] = None,
    policy_dir: Annotated[
        Path | None,
        typer.Option(
            "--policy-dir",
            envvar="RECOUVRE_POLICY_DIR",
            help="Folder of organism override files (default: ./policies).",
        ),
    ] = None,
) -> None:
    """Print every parameter in force on a date: value, since when, origin and reference."""
    day = option_date(on, "--on")
    folder = policy_dir or _root_policy_dir(ctx) or Path("policies")
    try:
        if organism:
            path = organism_file(folder, organism)
            chosen = country or (read_override(path).country if path is not None else "FR")
            if path is None:
                typer.echo(f"{folder / (organism + '.yaml')}: no override file, national values", err=True)
            policy = for_organism(chosen, organism, folder)
        else:
            policy = national(country or "FR")
        rows = show_rows(policy, day)
    except PolicyError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None

    title = f"Paramètres {policy.country}"
    if policy.organism:
        title += f" — {policy.organism}"
    table = Table(title=f"{title} au {day.isoformat()}", show_lines=True)
    table.add_column("Clé", no_wrap=True)
    table.add_column("Valeur", overflow="fold")
    table.add_column("Depuis", no_wrap=True)
    table.add_column("Origine", overflow="fold")
    table.add_column("Référence", overflow="fold")
    table.add_column("Statut", no_wrap=True)
    for row in rows:
        unit = policy.definition(row.key).unit
        since = "toujours" if row.valid_from == ALWAYS else row.valid_from.isoformat()
        status = _status(row.unverified, row.confidence)
        table.add_row(row.key, format_value(unit, row.value), since, row.origin, row.reference or "—", status)
    _console().print(table)
    missing = sorted(set(policy.keys()) - {row.key for row in rows})
    if missing:
        typer.echo(f"no value yet on {day.isoformat()}: {', '.join(missing)}", err=True)


def main() -> None:  # pragma: no cover - manual entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
