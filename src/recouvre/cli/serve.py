"""`recouvre serve [--host --port --workers --log-format]`: the REST API and the web back office
over HTTP, with the operator's probes (``/health``, ``/ready``) and ``/metrics``."""

from __future__ import annotations

import typer

from recouvre.cli.common import console, services
from recouvre.security import logs


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Adresse d'écoute"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port d'écoute"),
    log_level: str = typer.Option("info", "--log-level", help="critical, error, warning, info, debug"),
    log_format: str = typer.Option(
        "text", "--log-format", help="text ou json (une ligne JSON par événement, sans donnée personnelle)"
    ),
) -> None:
    """Servir l'API (/api/v1), le back office (/) et les sondes d'exploitation (/health, /ready, /metrics)."""
    import uvicorn

    from recouvre.server import create_app
    from recouvre.service import accounts

    if log_format not in ("text", "json"):
        raise typer.BadParameter(f"--log-format={log_format!r} : text ou json")
    logs.configure(log_level, json_lines=log_format == "json")
    found = services(ctx)
    console.print(
        f"Recouvre : back office sur http://{host}:{port}/ (API sous /api/v1, base {found.db.display_url()})",
        highlight=False,
    )
    if not accounts.has_users(found):
        console.print(
            "[bold yellow]Attention : cette base n'a encore aucun utilisateur, personne ne peut se "
            "connecter.[/] Créez d'abord un administrateur, puis activez son compte avec le lien "
            "affiché :\n"
            f"  recouvre --db {found.db.display_url()} users add NOM --role administrator "
            '--why "installation"\n'
            "  recouvre users activate JETON\n"
            "(`make demo` crée un utilisateur de démonstration par rôle.)",
            highlight=False,
        )
    uvicorn.run(create_app(found), host=host, port=port, log_level=log_level, log_config=None)
