"""Outcomes are kept (issue 13): a phone call's outcome and note appear on the debtor's timeline;
the outcomes are one list (``service/call_outcomes.yaml``); a review is closed by a decision."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from recouvre.domain.errors import DomainError
from recouvre.service import accounts, commands, outcomes
from recouvre.service.contacts import ContactOutcome
from recouvre.service.decisions import ProposalKind, ProposalStatus, list_proposals
from recouvre.storage import repository
from recouvre.storage.repository import TaskDraft
from recouvre.storage.tables import TaskRow
from recouvre.web import labels

from .conftest import ORG, Site

BASE = f"/o/{ORG}"


def add_review(site: Site, claim: str = "C1") -> int:
    services = site.services
    with services.db.unit_of_work() as session:
        organism_id, _ = services.organism(session, ORG)
        rows = repository.claim_rows(session, organism_id, [claim])
        key = f"{ORG}:{claim}:review:t"
        repository.insert_tasks(
            session,
            [TaskDraft(key, organism_id, rows[claim].debtor_id, rows[claim].id, "review", date(2026, 3, 1))],
        )
    with services.db.unit_of_work() as session:
        return int(session.scalar(select(TaskRow.id).where(TaskRow.key == key)) or 0)


def test_one_list_of_outcomes_as_data() -> None:
    assert set(outcomes.labels_for("contact")) == {item.value for item in ContactOutcome}
    assert outcomes.labels_for("phone_call") == labels.OUTCOME
    assert "kept_amicable" in outcomes.labels_for("review")
    assert "kept_amicable" not in labels.OUTCOME


def test_a_phone_call_outcome_and_note_are_on_the_timeline(site: Site) -> None:
    csrf = site.sign_in("case_worker")
    response = site.client.post(
        f"{BASE}/taches/{site.ids['task']}/cloture",
        data={
            "csrf": csrf,
            "debiteur": "D1",
            "issue": "message_left",
            "date": "2026-03-12",
            "motif": "rappeler lundi",
        },
    )
    assert response.status_code == 200, response.text
    history = response.text.split('id="historique"')[1]
    assert "Appel téléphonique : message laissé" in history
    assert "rappeler lundi" in history


def test_a_phone_call_is_not_closed_with_a_review_decision(site: Site) -> None:
    actor = accounts.actor_of(site.services, "case_worker")
    with pytest.raises(DomainError, match="issue inconnue"):
        commands.close_task(site.services, actor, ORG, site.ids["task"], "kept_amicable", date(2026, 3, 12))


def test_a_review_is_closed_by_a_write_off_proposal(site: Site) -> None:
    task = add_review(site)
    csrf = site.sign_in("case_worker")
    page = site.debtor_page()
    assert "Décider de la suite du dossier" in page and "Rédiger le titre exécutoire" in page
    response = site.client.post(
        f"{BASE}/taches/{task}/decision-examen",
        data={
            "csrf": csrf,
            "debiteur": "D1",
            "decision": "write_off_proposed",
            "autorite": "board",
            "raisons": "insolvable",
            "date": "2026-03-12",
            "motif": "aucune ressource saisissable",
        },
    )
    assert response.status_code == 200, response.text
    assert "La décision sur le dossier est enregistrée" in response.text
    pending = list_proposals(site.services, ORG, kind=ProposalKind.WRITE_OFF, status=ProposalStatus.PENDING)
    assert "C1" in [proposal.claim_ref for proposal in pending]
    assert "Examen avant contentieux : admission en non-valeur proposée" in response.text


def test_a_review_kept_amicable_needs_a_reason(site: Site) -> None:
    task = add_review(site)
    actor = accounts.actor_of(site.services, "case_worker")
    with pytest.raises(DomainError, match="motif"):
        commands.decide_review(site.services, actor, ORG, task, "kept_amicable", date(2026, 3, 12), "")
    done = commands.decide_review(
        site.services, actor, ORG, task, "kept_amicable", date(2026, 3, 12), "plan de paiement en vue"
    )
    assert done is not None


def test_internal_notes_of_a_proposal_never_reach_the_letter(site: Site) -> None:
    from recouvre.storage.tables import LetterRow

    director = accounts.actor_of(site.services, "director")
    commands.decide_proposal(
        site.services,
        director,
        ORG,
        ProposalKind.REMISSION,
        site.ids["remission"],
        True,
        date(2026, 3, 16),
        "vu",
    )
    with site.services.db.unit_of_work() as session:
        letter = session.scalars(select(LetterRow).where(LetterRow.type == "remission_decision")).one()
        assert "situation" not in str(letter.data) and "ressources faibles" not in str(letter.data)
