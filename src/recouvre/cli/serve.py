"""`recouvre serve [--host --port]`: the REST API (and, later, the web back office) over HTTP."""

from __future__ import annotations

import typer

from recouvre.cli.common import console, services


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Adresse d'écoute"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port d'écoute"),
    log_level: str = typer.Option("info", "--log-level", help="critical, error, warning, info, debug"),
) -> None:
    """Serve the API under /api/v1 and its OpenAPI document at /openapi.json."""
    import uvicorn

    from recouvre.server import create_app
    from recouvre.service import accounts

    found = services(ctx)
    console.print(
        f"Recouvre : back office sur http://{host}:{port}/ et API sur http://{host}:{port}/api/v1 "
        f"(base {found.db.display_url()})",
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
    uvicorn.run(create_app(found), host=host, port=port, log_level=log_level)
