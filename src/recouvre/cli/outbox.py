"""`recouvre outbox consent | queue | send | list`: e-mails and text messages to debtors.

The transports are configured from the environment only (``recouvre.adapters.messaging``:
``RECOUVRE_SMTP_HOST``…, ``RECOUVRE_SMS_URL``…); a channel not configured keeps its messages
queued until it is.
"""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from recouvre.cli.common import actor, batch_actor, console, option_date, organism_or_only, refused, services
from recouvre.service.commands import outbox as outbox_commands
from recouvre.service.outbox import STATUSES

app = typer.Typer(help="Courriels et SMS aux débiteurs : accords, mise en file, envoi.", no_args_is_help=True)
CHANNELS = {"email": "courriel", "sms": "SMS"}


@app.command("consent")
def consent(
    ctx: typer.Context,
    debtor: str = typer.Option(..., "--debtor", help="Référence du débiteur"),
    channel: str = typer.Option(..., "--channel", help="email ou sms"),
    granted: bool = typer.Option(True, "--yes/--no", help="Accord donné (--yes) ou retiré (--no)"),
    on: str = typer.Option(..., "--date", help="Date de l'accord AAAA-MM-JJ"),
    source: str = typer.Option(..., "--source", help="D'où vient l'accord (formulaire, appel, courrier…)"),
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme (défaut : le seul)"),
) -> None:
    """Record a debtor's consent to a channel (or its withdrawal), dated, with its source."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    with refused():
        view = outbox_commands.record_consent(
            found, actor(ctx), code, debtor, channel, granted, option_date(on, "--date"), source
        )
    state = "donné" if view.granted else "retiré"
    console.print(
        f"{escape(debtor)} : accord {state} pour le canal {CHANNELS.get(channel, channel)} "
        f"le {view.given_on.strftime('%d/%m/%Y')} (source : {escape(view.source)}).",
        highlight=False,
    )


@app.command("queue")
def queue(
    ctx: typer.Context,
    on: str = typer.Option(..., "--date", help="Date d'émission des courriers AAAA-MM-JJ"),
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme (défaut : le seul)"),
) -> None:
    """Queue the e-mails (letters as PDF) and the M+1 SMS reminders of the day's letters."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    with refused():
        done = outbox_commands.queue_messages(found, batch_actor(ctx), code, option_date(on, "--date"))
    console.print(
        f"{code} : {done.emails} courriel(s) et {done.sms} SMS mis en file ; "
        f"{done.without_consent} courrier(s) sans accord (papier seulement) ; {done.already} déjà en file."
    )


@app.command("send")
def send(
    ctx: typer.Context,
    organism: str | None = typer.Option(None, "--organism", help="Seulement cet organisme"),
    limit: int = typer.Option(500, "--limit", min=1, help="Nombre maximum de messages"),
) -> None:
    """Send the messages due (retries with growing delays after a temporary failure)."""
    found = services(ctx)
    with refused():
        report = outbox_commands.send_outbox(found, batch_actor(ctx), organism, limit)
    console.print(
        f"{report.sent} envoyé(s), {report.retried} à réessayer, {report.failed} en échec, "
        f"{report.rejected} refusé(s), {report.waiting} en attente d'un canal configuré."
    )
    if report.waiting:
        console.print(
            "Canaux non configurés : RECOUVRE_SMTP_HOST (courriel), RECOUVRE_SMS_URL (SMS).", highlight=False
        )


@app.command("list")
def list_(
    ctx: typer.Context,
    organism: str | None = typer.Option(None, "--organism", help="Code de l'organisme (défaut : le seul)"),
    status: str | None = typer.Option(None, "--status", help=", ".join(STATUSES)),
    debtor: str | None = typer.Option(None, "--debtor", help="Seulement ce débiteur"),
    limit: int = typer.Option(100, "--limit", min=1),
) -> None:
    """List the outbox's e-mails and text messages, newest first."""
    found = services(ctx)
    code = organism_or_only(found, organism)
    with refused():
        rows = outbox_commands.messages(
            found, actor(ctx), code, status=status, debtor_ref=debtor, limit=limit
        )
    table = Table(
        "n°", "canal", "objet", "destinataire", "statut", "essais", "erreur", title=f"{code} — messages"
    )
    for row in rows:
        table.add_row(
            str(row.id),
            CHANNELS.get(row.channel, row.channel),
            escape(row.subject),
            escape(row.address),
            STATUSES.get(row.status, row.status),
            str(row.attempts),
            escape(row.last_error),
        )
    console.print(table)
