"""`recouvre serve [--host --port --workers --log-format]`: the REST API and the web back office
over HTTP, with the operator's probes (``/health``, ``/ready``) and ``/metrics``.

With ``--workers N`` (N > 1), uvicorn runs N server processes on the same port: each opens its
own database engine (``recouvre.server.app_from_environment``, told the database by the
environment), after this parent process has brought the schema to the head, made sure the audit
key exists and, when ``RECOUVRE_WEB_SECRET`` is not set, drawn one web secret that every worker
shares (a session opened on one worker is recognised by the others).
"""

from __future__ import annotations

import os
import secrets

import typer

from recouvre.cli.common import console, services
from recouvre.security import logs

KEEP_ALIVE_SECONDS = 65
"""An idle connection is kept 65 s (uvicorn's default: 5 s). A client, browser or proxy, that
sends its next request on a connection the server is closing at that moment gets a connection
error (the load scenario's case workers, thinking a few seconds between two pages, did); the
proxies in front usually keep theirs 60 s, so the server keeps them a little longer."""


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Adresse d'écoute"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port d'écoute"),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Nombre de processus serveurs (un par cœur, en général)"
    ),
    log_level: str = typer.Option("info", "--log-level", help="critical, error, warning, info, debug"),
    log_format: str = typer.Option(
        "text", "--log-format", help="text ou json (une ligne JSON par événement, sans donnée personnelle)"
    ),
) -> None:
    """Servir l'API (/api/v1), le back office (/) et les sondes d'exploitation (/health, /ready, /metrics)."""
    import uvicorn

    from recouvre import server
    from recouvre.service import accounts, audit_keys

    if log_format not in ("text", "json"):
        raise typer.BadParameter(f"--log-format={log_format!r} : text ou json")
    logs.configure(log_level, json_lines=log_format == "json")
    found = services(ctx)
    console.print(
        f"Recouvre : back office sur http://{host}:{port}/ (API sous /api/v1, base {found.db.display_url()}"
        + (f", {workers} processus" if workers > 1 else "")
        + ")",
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
    if workers == 1:
        uvicorn.run(
            server.serving_app(found),
            host=host,
            port=port,
            log_level=log_level,
            log_config=None,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )
        return
    audit_keys.audit_key(found.db.url)  # created once here, not raced for by the workers
    os.environ[server.DB_VARIABLE] = found.db.url
    if found.policy_dir is not None:
        os.environ[server.POLICY_VARIABLE] = str(found.policy_dir)
    os.environ[server.LOG_LEVEL_VARIABLE] = log_level
    os.environ[server.LOG_FORMAT_VARIABLE] = log_format
    if not os.environ.get("RECOUVRE_WEB_SECRET"):
        # One secret for all the workers (each would otherwise draw its own and refuse the
        # others' cookies); it dies with this process, as a single worker's does.
        os.environ["RECOUVRE_WEB_SECRET"] = secrets.token_urlsafe(32)
    found.db.engine.dispose()  # the workers open their own connections
    uvicorn.run(
        "recouvre.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_config=None,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
