"""`recouvre scenario run FILE... [--db URL]`: replay scenario files and check their expectations."""

from __future__ import annotations

from pathlib import Path

import typer

from recouvre.scenario import exit_code, run_files
from recouvre.scenario.report import lines

app = typer.Typer(help="Scénarios : rejouer des fichiers de scénario et vérifier leurs attentes.")


@app.command("run")
def run(
    files: list[Path] = typer.Argument(..., help="Scenario files (YAML, shared/spec/SCENARIOS.md)"),
    db: str | None = typer.Option(
        None,
        "--db",
        help=(
            "PostgreSQL URL (a private schema per file, dropped afterwards) or a SQLite URL "
            "of a file that does not exist yet; default: SQLite in a temporary folder"
        ),
    ),
) -> None:
    """Replay each file on a fresh database. Exit 0: all hold; 1: some fail; 2: invalid file."""
    results = run_files(files, db)
    for line in lines(results):
        typer.echo(line)
    raise typer.Exit(exit_code(results))
