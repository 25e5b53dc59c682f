"""The service layer's refusals, located back to the lines of the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from recouvre.adapters.imports import ImportProblem, parse_claims, parse_debtors, read_table
from recouvre.service import BatchRejected, Services
from recouvre.service.claims import establish_claims
from recouvre.service.registry import register_debtors

from .conftest import CLAIMS_HEADER, DATA, ORGANISM, counts, write


def test_unknown_debtor_refused_by_the_service_is_located(services: Services, tmp_path: Path) -> None:
    debtors, problems = parse_debtors(read_table(DATA / "debtors.csv"), ORGANISM)
    assert problems == []
    register_debtors(services, ORGANISM, debtors.items)
    path = write(
        tmp_path,
        "claims.csv",
        f"{CLAIMS_HEADER}\n"
        "C1,A001,AL,own,debtor_error,2024-01-05,10.00,2024-03-01,2024-03-05,\n"
        "C2,Z999,AL,own,debtor_error,2024-01-05,10.00,2024-03-01,2024-03-05,\n"
        "C2,Z999,AL,own,debtor_error,2024-02-05,10.00,2024-03-01,2024-03-05,\n",
    )
    claims, problems = parse_claims(read_table(path), ORGANISM)  # no look-up: the service finds it
    assert problems == []
    before = counts(services)
    with pytest.raises(BatchRejected) as rejected:
        establish_claims(services, ORGANISM, claims.items)
    located = claims.locate(rejected.value.problems)
    assert located == [
        ImportProblem(
            3, "debtor", "Z999", "débiteur introuvable dans cet organisme (créance sur les lignes 3, 4)"
        )
    ]
    assert counts(services) == before
