"""`recouvre letters render | print | list | mark`: the outbox of letters."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from recouvre.cli.common import FORBIDDEN, batch_actor, console, fail, option_date, refused, services
from recouvre.domain.model import DomainError
from recouvre.letters.render import MissingMention, UnknownLetterType
from recouvre.letters.status import LetterStatus
from recouvre.security.authorization import Forbidden
from recouvre.service import Services, commands
from recouvre.service.context import organism_codes
from recouvre.service.letters import list_letters, print_batch, render

app = typer.Typer(help="Courriers : rendu PDF, impression par lots, suivi des envois.", no_args_is_help=True)

STATUS_LABELS = {
    "generated": "à imprimer",
    "sent": "envoyé",
    "delivered": "distribué",
    "returned": "retourné",
}


def _organism(found: Services, organism: str | None) -> str:
    """The organism asked for, or the only one in the database."""
    if organism is not None:
        return organism
    codes = organism_codes(found)
    if len(codes) != 1:
        listed = ", ".join(codes) if codes else "aucun"
        raise fail(f"précisez --organism (organismes : {listed})")
    return codes[0]


@app.command("render")
def render_(
    ctx: typer.Context,
    letter_id: int = typer.Argument(..., help="Numéro du courrier"),
    output: Path = typer.Option(..., "-o", "--output", help="Fichier PDF à écrire"),
) -> None:
    """Render one letter to a PDF file (its status does not change)."""
    try:
        pdf = render(services(ctx), letter_id)
    except (DomainError, MissingMention, UnknownLetterType) as error:
        raise fail(f"courrier {letter_id} : {error}") from None
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(pdf)
    console.print(f"courrier {letter_id} → {output} ({len(pdf):,} octets)".replace(",", "\u202f"))


@app.command("print")
def print_(
    ctx: typer.Context,
    on: str = typer.Option(..., "--on", help="Date d'envoi AAAA-MM-JJ : courriers émis jusqu'à cette date"),
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme (défaut : le seul)"),
    out: Path = typer.Option(Path("courriers"), "--out", help="Dossier des PDF (<type>/<numéro>.pdf)"),
    workers: int = typer.Option(2, "--workers", min=1, help="Processus de rendu"),
    letter_type: str | None = typer.Option(None, "--type", help="Seulement ce type de courrier"),
    status: LetterStatus = typer.Option(
        LetterStatus.GENERATED, "--status", help="Courriers à imprimer ; 'sent' réimprime sans rien changer"
    ),
) -> None:
    """Render the letters to print into PDF files and mark them sent."""
    found = services(ctx)
    day = option_date(on, "--on")
    code = _organism(found, organism)
    who = batch_actor(ctx)
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]courriers[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("render", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        with refused():
            report = commands.run_batch(
                found,
                who,
                "letters.print",
                organism=code,
                subject=f"impression {status.value} {letter_type or ''}".strip(),
                on=day,
                run=lambda: print_batch(
                    found, code, day, out, workers=workers, status=status, type=letter_type, progress=advance
                ),
                describe=lambda done: {
                    "selected": done.selected,
                    "printed": len(done.printed),
                    "marked": done.marked,
                    "failed": len(done.failed),
                },
            )
    elapsed = time.perf_counter() - started
    if not report.selected:
        console.print(f"{code} : aucun courrier « {STATUS_LABELS[status.value]} » émis au plus tard le {on}.")
        return
    table = Table(
        "type", "PDF", title=f"{code} — impression du {day.strftime('%d/%m/%Y')}", title_justify="left"
    )
    for letter_type_, count in report.by_type.items():
        table.add_row(letter_type_, str(count))
    console.print(table)
    rate = len(report.printed) / elapsed if elapsed > 0 else 0.0
    console.print(
        f"{len(report.printed)} PDF dans {out} en {elapsed:.1f} s "
        f"({rate:.1f} courriers/s, {workers} processus) ; "
        f"{report.marked} marqués « envoyé » le {day.strftime('%d/%m/%Y')}."
    )
    if report.failed:
        for item in report.failed:
            console.print(f"[red]échec[/] courrier {item.id} ({item.type}) : {item.reason}", highlight=False)
        raise typer.Exit(1)


@app.command("list")
def list_(
    ctx: typer.Context,
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme (défaut : le seul)"),
    status: LetterStatus | None = typer.Option(None, "--status", help="generated, sent, delivered, returned"),
    letter_type: str | None = typer.Option(None, "--type", help="Type de courrier"),
    on: str | None = typer.Option(None, "--date", help="Date d'émission AAAA-MM-JJ"),
    limit: int = typer.Option(100, "--limit", min=1, help="Nombre maximum de lignes"),
) -> None:
    """List the outbox's letters."""
    found = services(ctx)
    code = _organism(found, organism)
    day = option_date(on, "--date") if on is not None else None
    try:
        entries = list_letters(found, code, status=status, type=letter_type, on=day, limit=limit + 1)
    except DomainError as error:
        raise fail(str(error)) from None
    table = Table(
        "n°", "type", "débiteur", "créances", "émis le", "statut", "depuis", title=code, title_justify="left"
    )
    for entry in entries[:limit]:
        table.add_row(
            str(entry.id),
            entry.type,
            f"{entry.debtor_ref} {entry.debtor_name}".strip(),
            ", ".join(entry.claim_refs),
            entry.issued_on.strftime("%d/%m/%Y"),
            STATUS_LABELS.get(entry.status, entry.status),
            entry.status_on.strftime("%d/%m/%Y") if entry.status_on else "",
        )
    console.print(table)
    if len(entries) > limit:
        console.print(f"… liste limitée à {limit} courriers (--limit).")


@app.command("mark")
def mark_(
    ctx: typer.Context,
    letter_id: int = typer.Argument(..., help="Numéro du courrier"),
    status: LetterStatus = typer.Argument(..., help="sent, delivered ou returned"),
    on: str = typer.Option(..., "--on", help="Date AAAA-MM-JJ"),
    note: str | None = typer.Option(
        None, "--note", help="Précision, ex. motif du retour (NPAI, non réclamé)"
    ),
) -> None:
    """Record that a letter was sent, delivered or returned."""
    day = option_date(on, "--on")
    found = services(ctx)
    try:
        changed = commands.mark_letter(found, batch_actor(ctx), letter_id, status, day, note)
    except Forbidden as error:
        raise fail(f"courrier {letter_id} : refusé : {error.reason}", FORBIDDEN) from None
    except DomainError as error:
        reason = getattr(error, "reason", str(error))
        raise fail(f"courrier {letter_id} : {reason}") from None
    label = STATUS_LABELS[status.value]
    if changed:
        console.print(f"courrier {letter_id} : {label} le {day.strftime('%d/%m/%Y')}")
    else:
        console.print(f"courrier {letter_id} : déjà {label} le {day.strftime('%d/%m/%Y')}, rien à faire")
