"""`recouvre audit verify | show`: the tamper-evident audit trail.

``verify`` walks the hash chain and exits 1 naming the first row edited or deleted; it prints
the head hash, to be kept elsewhere (a later ``verify`` showing another chain up to that row
means it was rewritten).
"""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from recouvre.cli.common import console, fail, services
from recouvre.service import trail

app = typer.Typer(help="Piste d'audit : vérification et consultation.", no_args_is_help=True)


@app.command("verify")
def verify(ctx: typer.Context) -> None:
    """Check the chain of hashes; exit 1 at the first broken row."""
    found = trail.verify(services(ctx))
    if found.broken is not None:
        raise fail(
            f"piste d'audit rompue à la ligne n° {found.broken.seq} (id {found.broken.row_id}) : "
            f"{found.broken.reason}. {found.rows - 1} ligne(s) intègre(s) avant elle."
        )
    console.print(f"Piste d'audit intègre : {found.rows} ligne(s).", highlight=False)
    console.print(f"Empreinte de tête : {found.head}", highlight=False)


@app.command("show")
def show(
    ctx: typer.Context,
    limit: int = typer.Option(20, "--limit", min=1, help="Nombre de lignes, les plus récentes d'abord"),
    user: str | None = typer.Option(None, "--user", help="Seulement les actes de cet utilisateur"),
    action: str | None = typer.Option(None, "--action", help="Seulement cette action"),
) -> None:
    """Show the newest rows of the audit trail."""
    rows = trail.show(services(ctx), limit, actor=user, action=action)
    table = Table("n°", "enregistré", "qui", "action", "issue", "organisme", "objet", "date", "motif")
    for row in rows:
        table.add_row(
            str(row.seq),
            row.recorded_at.isoformat(timespec="seconds"),
            escape(row.actor),
            row.action,
            row.outcome,
            row.organism or "",
            escape(row.subject),
            "" if row.occurred_on is None else row.occurred_on.isoformat(),
            escape(row.why),
        )
    console.print(table)
