"""Enforcement titles through the door: drafting from the review task, the signature basket
(director's own power or a valid mandate; denied and audited otherwise), the injunction's filing,
the CNSS's état de produits recorded for the cycle."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from recouvre.domain.enforcement import Outcome, ServiceVia, TitleAct, TitleState
from recouvre.domain.errors import Refused
from recouvre.domain.model import Phase
from recouvre.security import Forbidden
from recouvre.service import Services, accounts, commands, enforcement, mandates
from recouvre.service.claims import view_claim
from recouvre.storage.back_office_tables import AuditRow

from .conftest import ORG, PASSWORD, person

ON = date(2026, 6, 5)
WORKER = person("cw", "case_worker")
DIRECTOR = person("dir", "director")


def _audit(services: Services, action: str) -> list[tuple[str, str]]:
    with services.db.unit_of_work() as session:
        rows = session.execute(
            select(AuditRow.actor, AuditRow.outcome).where(AuditRow.action == action).order_by(AuditRow.id)
        )
        return [(actor, outcome) for actor, outcome in rows]


def test_draft_closes_the_review_task_and_is_not_yet_a_title(contentious: Services) -> None:
    queue = commands.contentious_queue(contentious, WORKER, ORG, ON)
    assert {item["claim"] for item in queue.to_draft} == {"C1", "C2", "C3", "C4"}
    assert {item["claim"]: item["kind"] for item in queue.to_draft}["C2"] == "injunction"
    view = commands.draft_title(contentious, WORKER, ORG, "C1", ON)
    assert view.state is TitleState.DRAFTED
    assert enforcement.title_state(contentious, ORG, "C1", ON) is TitleState.NONE
    queue = commands.contentious_queue(contentious, WORKER, ORG, ON)
    assert "C1" not in {item["claim"] for item in queue.to_draft}
    assert [item.title.claim for item in queue.to_sign] == ["C1"]
    with pytest.raises(Refused, match="déjà une contrainte"):
        commands.draft_title(contentious, WORKER, ORG, "C1", ON)


def test_basket_refused_without_a_valid_mandate_and_signed_under_one(contentious: Services) -> None:
    first = commands.draft_title(contentious, WORKER, ORG, "C1", ON)
    second = commands.draft_title(contentious, WORKER, ORG, "C3", ON)
    accounts.add_user(contentious, "clerk", PASSWORD, ["accountant"], organism=ORG, by="t")
    accounts.add_user(contentious, "deputy", PASSWORD, ["accountant"], organism=ORG, by="t")
    expired = mandates.grant_mandate(
        contentious,
        "clerk",
        "sign_enforcement_titles",
        date(2026, 1, 1),
        date(2026, 5, 31),
        by="dir",
        why="x",
    )
    assert expired.valid_until < ON
    clerk = accounts.actor_of(contentious, "clerk")
    with pytest.raises(Forbidden):
        commands.signature_basket(contentious, clerk, ORG, ON)
    with pytest.raises(Forbidden):
        commands.sign_titles(contentious, clerk, ORG, [first.id, second.id], ON)
    assert ("clerk", "denied") in _audit(contentious, "enforcement.sign")
    assert enforcement.title_state(contentious, ORG, "C1", ON) is TitleState.NONE

    granted = mandates.grant_mandate(
        contentious,
        "deputy",
        "sign_enforcement_titles",
        date(2026, 6, 1),
        date(2026, 12, 31),
        by="dir",
        why="intérim",
    )
    deputy = accounts.actor_of(contentious, "deputy")
    basket = commands.signature_basket(contentious, deputy, ORG, ON)
    assert sorted(item.title.claim for item in basket) == ["C1", "C3"]
    results = commands.sign_titles(contentious, deputy, ORG, [first.id, second.id], ON, why="parapheur")
    assert [result.error for result in results] == [None, None]
    signed = results[0].view
    assert signed is not None and signed.state is TitleState.ISSUED
    assert (signed.signed_by, signed.mandate_id, signed.amount) == ("deputy", granted.id, 30000)
    assert ("deputy", "done") in _audit(contentious, "enforcement.sign")
    assert commands.signature_basket(contentious, deputy, ORG, ON) == []
    assert enforcement.title_state(contentious, ORG, "C3", ON) is TitleState.ISSUED


def test_director_signs_on_his_own_power_and_files_injunctions(contentious: Services) -> None:
    draft = commands.draft_title(contentious, WORKER, ORG, "C2", ON)
    filed = commands.sign_title(contentious, DIRECTOR, ORG, draft.id, ON)
    assert filed.state is TitleState.FILED and filed.mandate_id is None
    assert filed.signed_by == "dir"
    granted = commands.record_title_act(
        contentious, WORKER, ORG, draft.id, TitleAct.GRANTED, date(2026, 6, 20)
    )
    assert granted.state is TitleState.GRANTED
    served = commands.record_title_act(
        contentious, WORKER, ORG, draft.id, TitleAct.SERVED, date(2026, 7, 31), via=ServiceVia.BAILIFF
    )
    assert served.opposition_until == date(2026, 8, 31)
    hearing = commands.record_title_act(
        contentious, WORKER, ORG, draft.id, TitleAct.OPPOSED, date(2026, 8, 31)
    )
    assert hearing.state is TitleState.OPPOSED
    commands.record_title_act(
        contentious, WORKER, ORG, draft.id, TitleAct.HEARING, date(2026, 9, 1), hearing_on=date(2026, 10, 15)
    )
    queue = commands.contentious_queue(contentious, WORKER, ORG, date(2026, 9, 1))
    assert [item.title.claim for item in queue.opposed] == ["C2"]
    with pytest.raises(Forbidden):  # the court's decision is recorded by the director
        commands.record_title_act(
            contentious, WORKER, ORG, draft.id, TitleAct.DECIDED, date(2026, 10, 15), outcome=None
        )


def test_a_case_worker_may_not_sign(contentious: Services) -> None:
    draft = commands.draft_title(contentious, WORKER, ORG, "C4", ON)
    with pytest.raises(Forbidden):
        commands.sign_title(contentious, WORKER, ORG, draft.id, ON)
    assert ("cw", "denied") in _audit(contentious, "enforcement.sign")


def test_etat_de_produits_is_an_enforceable_title(contentious: Services) -> None:
    day = date(2026, 6, 10)
    assert enforcement.record_enforceable(contentious, ORG, "C4", day)
    assert not enforcement.record_enforceable(contentious, ORG, "C4", day)  # idempotent
    assert enforcement.title_state(contentious, ORG, "C4", day) is TitleState.ENFORCEABLE
    assert enforcement.title_state(contentious, ORG, "C4", date(2026, 6, 9)) is TitleState.NONE
    assert view_claim(contentious, ORG, "C4", day).phase is Phase.ENFORCEMENT
    assert view_claim(contentious, ORG, "C4", date(2026, 6, 9)).phase is Phase.CONTENTIOUS


def test_annulled_title_brings_the_claim_back_to_draft(contentious: Services) -> None:
    draft = commands.draft_title(contentious, WORKER, ORG, "C4", ON)
    assert "C4" not in {
        row["claim"] for row in commands.contentious_queue(contentious, WORKER, ORG, ON).to_draft
    }
    commands.sign_title(contentious, DIRECTOR, ORG, draft.id, ON)
    commands.record_title_act(
        contentious,
        WORKER,
        ORG,
        draft.id,
        TitleAct.SERVED,
        date(2026, 6, 8),
        via=ServiceVia.REGISTERED_LETTER,
    )
    commands.record_title_act(contentious, WORKER, ORG, draft.id, TitleAct.OPPOSED, date(2026, 6, 9))
    assert view_claim(contentious, ORG, "C4", date(2026, 6, 9)).status.value == "suspended"
    commands.record_title_act(
        contentious, DIRECTOR, ORG, draft.id, TitleAct.DECIDED, date(2026, 9, 1), outcome=Outcome.UPHELD
    )
    queue = commands.contentious_queue(contentious, WORKER, ORG, date(2026, 9, 2))
    again = [row for row in queue.to_draft if row["claim"] == "C4"]
    assert again and again[0]["annulled"] is True
    second = commands.draft_title(contentious, WORKER, ORG, "C4", date(2026, 9, 2))
    assert second.id != draft.id
    assert enforcement.title_state(contentious, ORG, "C4", date(2026, 9, 2)) is TitleState.ANNULLED


def test_acts_replayed_record_nothing(contentious: Services) -> None:
    draft = commands.draft_title(contentious, WORKER, ORG, "C1", ON, key="k1")
    assert commands.draft_title(contentious, WORKER, ORG, "C1", ON, key="k1").id == draft.id
    commands.sign_title(contentious, DIRECTOR, ORG, draft.id, ON)
    again = commands.sign_title(contentious, DIRECTOR, ORG, draft.id, ON)
    assert again.state is TitleState.ISSUED
    day = date(2026, 6, 8)
    commands.record_title_act(
        contentious, WORKER, ORG, draft.id, TitleAct.SERVED, day, via=ServiceVia.BAILIFF
    )
    view = commands.record_title_act(
        contentious, WORKER, ORG, draft.id, TitleAct.SERVED, day, via=ServiceVia.BAILIFF
    )
    assert [act.act for act in view.acts].count(TitleAct.SERVED) == 1
    with pytest.raises(Refused):  # served again another day: refused
        commands.record_title_act(
            contentious, WORKER, ORG, draft.id, TitleAct.SERVED, date(2026, 6, 9), via=ServiceVia.BAILIFF
        )
