"""`recouvre backup FILE`, `recouvre restore FILE --yes` and `recouvre ready`: operating the
installation's database as a whole (``docs/operations.md``)."""

from __future__ import annotations

from pathlib import Path

import typer

from recouvre.cli.common import batch_actor, console, fail, refused, services
from recouvre.service.commands import operations


def backup(
    ctx: typer.Context,
    target: Path = typer.Argument(..., help="Fichier de sauvegarde à écrire (ne doit pas exister)"),
) -> None:
    """Sauvegarder toute la base (SQLite : API de sauvegarde ; PostgreSQL : pg_dump)."""
    with refused():
        try:
            operations.backup(services(ctx), batch_actor(ctx), target)
        except operations.OperationError as error:
            raise fail(str(error)) from None
    console.print(f"sauvegarde écrite : {target}", highlight=False)


def restore(
    ctx: typer.Context,
    source: Path = typer.Argument(..., help="Sauvegarde écrite par « recouvre backup »"),
    yes: bool = typer.Option(False, "--yes", help="Confirmer : le contenu actuel de la base est remplacé"),
) -> None:
    """Remplacer le contenu de la base par une sauvegarde."""
    if not yes:
        raise fail("la restauration remplace toute la base : confirmez avec --yes")
    with refused():
        try:
            operations.restore(services(ctx), batch_actor(ctx), source)
        except operations.OperationError as error:
            raise fail(str(error)) from None
    console.print(f"base restaurée depuis {source}", highlight=False)


def ready(ctx: typer.Context) -> None:
    """Dire si la base répond et si son schéma est à jour (code de sortie 1 sinon)."""
    found = operations.readiness(services(ctx))
    if not found.ready:
        raise fail(f"base non prête : {found.problem}")
    console.print(f"base prête (schéma {found.revision})", highlight=False)
