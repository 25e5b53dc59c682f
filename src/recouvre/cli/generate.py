"""`recouvre generate`: load a synthetic, reproducible portfolio through the service layer."""

from __future__ import annotations

import time

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from recouvre.adapters.generator import DEFAULT_AS_OF, DEFAULT_ORGANISM, PortfolioSpec, load_portfolio
from recouvre.cli.common import FORBIDDEN, batch_actor, console, fail, option_date, services
from recouvre.domain.errors import BatchRejected
from recouvre.domain.french import long_date
from recouvre.domain.model import Country, DomainError
from recouvre.security.authorization import Forbidden
from recouvre.service import commands, registry


def _thousands(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def generate(
    ctx: typer.Context,
    debtors: int = typer.Option(..., "--debtors", min=0, help="Nombre de débiteurs à générer"),
    seed: int = typer.Option(..., "--seed", min=0, help="Graine: la même graine donne le même portefeuille"),
    organism: str | None = typer.Option(
        None, "--organism", help="Code de l'organisme (défaut CAF-DEMO, ou CNSS-DEMO pour MA)"
    ),
    country: Country | None = typer.Option(
        None, "--country", help="FR ou MA (défaut : le pays de l'organisme s'il existe, sinon FR)"
    ),
    as_of: str = typer.Option(
        DEFAULT_AS_OF.isoformat(), "--as-of", help="Date de référence du portefeuille (AAAA-MM-JJ)"
    ),
) -> None:
    """Generate a realistic portfolio of debtors and claims (same seed, same portfolio)."""
    reference = option_date(as_of, "--as-of")
    found = services(ctx)
    who = batch_actor(ctx)
    if country is None and organism is not None:
        existing = registry.get_organism(found, organism)
        country = existing.country if existing is not None else None
    country = country or Country.FR
    code = organism or DEFAULT_ORGANISM[country]
    spec = PortfolioSpec(organism=code, country=country, seed=seed, as_of=reference)
    started = time.perf_counter()
    try:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task(f"{code} : débiteurs", total=debtors)
            result = commands.run_batch(
                found,
                who,
                "data.generate",
                organism=code,
                subject=f"jeu d'essai graine {seed}",
                on=reference,
                run=lambda: load_portfolio(found, spec, debtors, lambda done: progress.advance(task, done)),
                describe=lambda done: {
                    "debtors": done.debtors,
                    "debtors_created": done.debtors_created,
                    "claims": done.claims,
                    "claims_created": done.claims_created,
                },
            )
    except BatchRejected as error:
        first = error.problems[0]
        raise fail(
            f"{len(error.problems)} élément(s) refusé(s), par exemple {first.field}={first.value!r} : "
            f"{first.reason}. Ces références existent déjà avec un autre contenu "
            "(autre --as-of ou autre version du générateur ?) : "
            "choisissez une autre graine ou un autre organisme."
        ) from None
    except Forbidden as error:
        raise fail(f"refusé : {error.reason}", FORBIDDEN) from None
    except DomainError as error:
        raise fail(str(error)) from None
    seconds = time.perf_counter() - started
    if result.organism_created:
        console.print(f"Organisme {code} ({country.value}) créé.")
    console.print(
        f"{code} : {_thousands(result.debtors)} débiteurs ({_thousands(result.debtors_created)} créés), "
        f"{_thousands(result.claims)} créances ({_thousands(result.claims_created)} créées) "
        f"au {long_date(reference)}, graine {seed}, en {seconds:.1f} s."
    )
