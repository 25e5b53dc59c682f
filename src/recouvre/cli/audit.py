"""`recouvre audit verify | show`: the tamper-evident audit trail.

``verify`` walks the chain of HMACs (key outside the database, ``service.audit_keys``) and
compares it with every head exported by ``close-day``; it exits 1 naming the first row edited,
deleted or rewritten. ``close-day --date D`` appends the head of the chain to the append-only
heads file outside the database.
"""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from recouvre.cli.common import console, fail, option_date, services
from recouvre.service import audit_keys, trail

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
    console.print(
        f"Piste d'audit intègre : {found.rows} ligne(s), {found.heads_checked} tête(s) exportée(s) "
        f"vérifiée(s).",
        highlight=False,
    )
    if found.legacy:
        console.print(f"Dont {found.legacy} ligne(s) antérieure(s) à la clé (SHA-256 seul).", highlight=False)
    console.print(f"Empreinte de tête : {found.head}", highlight=False)


@app.command("close-day")
def close_day(
    ctx: typer.Context,
    day: str = typer.Option(..., "--date", help="Journée close (AAAA-MM-JJ)"),
) -> None:
    """Export the chain's head (seq, hash, day) to the append-only heads file outside the database."""
    on = option_date(day)
    found = services(ctx)
    head = trail.close_day(found, on)
    console.print(
        f"Journée {on.isoformat()} close : tête n° {head.seq} {head.hash} exportée dans "
        f"{audit_keys.heads_file(trail.installation(found))}",
        highlight=False,
    )


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
