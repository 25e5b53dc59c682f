"""Mandates, placements and maker-checker at the service layer (what the API and the CLI share)."""

from __future__ import annotations

from datetime import date

import pytest

from recouvre.domain.model import DomainError
from recouvre.security import Forbidden, Subject, authorize
from recouvre.service import Services, accounts, decisions, mandates, subjects
from recouvre.service.claims import view_claim

from .conftest import ORG, PASSWORD

pytestmark = pytest.mark.usefixtures("cheap")


def test_mandates(portfolio: Services) -> None:
    accounts.add_user(portfolio, "deputy", PASSWORD, ["accountant"], organism=ORG, by="t")
    accounts.add_user(portfolio, "agent", PASSWORD, ["collection_agency"], agency="acme", by="t")
    with pytest.raises(DomainError) as raised:
        mandates.grant_mandate(
            portfolio, "deputy", "sign_everything", date(2026, 3, 1), date(2026, 4, 1), by="d", why="x"
        )
    assert raised.value.field == "power"
    with pytest.raises(DomainError, match="avant le début de validité"):
        mandates.grant_mandate(
            portfolio, "deputy", "represent_in_court", date(2026, 3, 1), date(2026, 2, 1), by="d", why="x"
        )
    with pytest.raises(DomainError, match="agence"):
        mandates.grant_mandate(
            portfolio, "agent", "represent_in_court", date(2026, 3, 1), date(2026, 4, 1), by="d", why="x"
        )
    granted = mandates.grant_mandate(
        portfolio,
        "deputy",
        "sign_enforcement_titles",
        date(2026, 3, 1),
        date(2026, 6, 30),
        by="director",
        why="intérim",
    )
    deputy = accounts.actor_of(portfolio, "deputy")
    authorize(deputy, "enforcement.sign", date(2026, 4, 1), Subject(organism=ORG))
    mandates.revoke_mandate(portfolio, granted.id, date(2026, 4, 15), by="director", why="retour")
    deputy = accounts.actor_of(portfolio, "deputy")
    authorize(deputy, "enforcement.sign", date(2026, 4, 14), Subject(organism=ORG))
    with pytest.raises(Forbidden):
        authorize(deputy, "enforcement.sign", date(2026, 4, 15), Subject(organism=ORG))
    with pytest.raises(DomainError, match="déjà révoqué"):
        mandates.revoke_mandate(portfolio, granted.id, date(2026, 4, 16), by="director", why="x")
    listed = mandates.list_mandates(portfolio, organism=ORG)
    assert [(m.username, m.revoked_on) for m in listed] == [("deputy", date(2026, 4, 15))]


def test_placements(portfolio: Services) -> None:
    placed = subjects.place_claim(portfolio, ORG, "C1", "acme", date(2026, 3, 1), by="cw")
    assert subjects.place_claim(portfolio, ORG, "C1", "acme", date(2026, 3, 1), by="cw") == placed  # a replay
    with pytest.raises(DomainError, match="déjà confiée à l'agence acme"):
        subjects.place_claim(portfolio, ORG, "C1", "other", date(2026, 3, 5), by="cw")
    assert subjects.claim_subject(portfolio, ORG, "C1", date(2026, 3, 1)).placed_with == {"acme"}
    assert subjects.claim_subject(portfolio, ORG, "C1", date(2026, 2, 28)).placed_with == set()
    assert subjects.debtor_subject(portfolio, ORG, "D1", date(2026, 3, 2)).placed_with == {"acme"}
    subjects.recall_placement(portfolio, ORG, placed.id, date(2026, 3, 20), by="cw")
    assert subjects.claim_subject(portfolio, ORG, "C1", date(2026, 3, 19)).placed_with == {"acme"}
    assert subjects.claim_subject(portfolio, ORG, "C1", date(2026, 3, 20)).placed_with == set()
    again = subjects.place_claim(portfolio, ORG, "C1", "other", date(2026, 3, 20), by="cw")
    assert again.agency == "other"


def test_maker_checker_at_the_service_layer(portfolio: Services) -> None:
    on = date(2026, 3, 2)
    proposal = decisions.propose_write_off(
        portfolio, ORG, "C2", on, authority="board", reasons="insolvable", by="alice", why="x"
    )
    with pytest.raises(DomainError, match="attend déjà sa décision"):
        decisions.propose_write_off(portfolio, ORG, "C2", on, by="carol", why="y")
    with pytest.raises(Forbidden, match="une autre personne"):
        decisions.decide_proposal(
            portfolio, ORG, decisions.ProposalKind.WRITE_OFF, proposal.id, True, on, by="alice", why="z"
        )
    decided = decisions.decide_proposal(
        portfolio,
        ORG,
        decisions.ProposalKind.WRITE_OFF,
        proposal.id,
        True,
        on,
        by="bob",
        why="commission du 2 mars",
    )
    assert decided.status is decisions.ProposalStatus.APPROVED and decided.decided_by == "bob"
    assert view_claim(portfolio, ORG, "C2", on).status.value == "written_off"
    with pytest.raises(DomainError, match="déjà décidée"):
        decisions.decide_proposal(
            portfolio, ORG, decisions.ProposalKind.WRITE_OFF, proposal.id, False, on, by="carol", why="z"
        )
    rejected = decisions.decide_proposal(
        portfolio,
        ORG,
        decisions.ProposalKind.WRITE_OFF,
        decisions.propose_write_off(portfolio, ORG, "C1", on, by="alice", why="x").id,
        False,
        on,
        by="bob",
        why="recouvrable",
    )
    assert rejected.status is decisions.ProposalStatus.REJECTED
    assert view_claim(portfolio, ORG, "C1", on).balance == 40_000
    with pytest.raises(DomainError, match="aucune demande de remise en attente"):
        decisions.propose_remission(portfolio, ORG, "C1", on, "50", by="alice", why="x")
