"""Schemathesis against the OpenAPI document, in process (ASGI): no request may get a 5xx.

The requests are signed with a token of a user holding every internal role, so that the
generated data reaches the service layer rather than stopping at 403. A bounded number of
examples per operation keeps the run to seconds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import update

from recouvre.domain.model import Country, Organism
from recouvre.server import create_app
from recouvre.service import Services, accounts
from recouvre.service.registry import ensure_organism
from recouvre.storage.back_office_tables import UserRow
from recouvre.storage.database import Database

from .conftest import CHEAP_HASHER, NOW, ORG, PASSWORD, ROLES, Clock, populate

EXAMPLES = int(os.environ.get("RECOUVRE_FUZZ_EXAMPLES", "12"))
"""Examples per operation; set RECOUVRE_FUZZ_EXAMPLES higher for a deeper local run."""


@dataclass(frozen=True)
class Target:
    app: FastAPI
    services: Services
    token: str


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    path: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    services = Services(Database(f"sqlite:///{path}"), clock=Clock(NOW))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "hasher", lambda: CHEAP_HASHER)
        ensure_organism(services, Organism(code=ORG, country=Country.FR))
        populate(services)
        everything = [role for role in ROLES if role != "collection_agency"]
        accounts.add_user(services, "fuzzer", PASSWORD, ["manager"], by="cli:setup")
        # Every role on one account, which user administration refuses (incompatible duties): a
        # fuzzer that gets past authorisation everywhere, written straight into its table.
        with services.db.unit_of_work() as session:
            session.execute(update(UserRow).where(UserRow.username == "fuzzer").values(roles=everything))
        token = accounts.issue_token(services, "fuzzer", PASSWORD).token
        yield Target(create_app(services), services, token)
    services.db.dispose()


@pytest.fixture(scope="module")
def api_schema(target: Target) -> schemathesis.BaseSchema:
    # The document is served to a signed-in user only (RECOUVRE_PUBLIC_OPENAPI unset).
    headers = {"Authorization": f"Bearer {target.token}"}
    return schemathesis.openapi.from_asgi("/openapi.json", target.app, headers=headers)


# The operations, from the OpenAPI document of an app on an empty in-memory database (the
# document does not depend on the data). Schemathesis's own pytest integration is not used:
# its lazy fixture loader does not run under pytest 9.
DOCUMENT = create_app(Services(Database("sqlite://", migrate=False))).openapi()
OPERATIONS = sorted((method.upper(), path) for path, item in DOCUMENT["paths"].items() for method in item)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_server_error(api_schema: schemathesis.BaseSchema, target: Target, method: str, path: str) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: schemathesis.Case) -> None:
        token = target.token
        if method == "DELETE":  # signing out would end the run's token: use a fresh one
            token = accounts.issue_token(target.services, "fuzzer", PASSWORD).token
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error])

    run()
