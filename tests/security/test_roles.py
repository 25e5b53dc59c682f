"""The roles file: the roles of MISSION.md, every action given, every error reported with its place."""

from __future__ import annotations

import pytest

from recouvre.security.roles import RolesFileError, default_roles, parse_roles

ROLES = {
    "case_worker",
    "accountant",
    "director",
    "board_member",
    "phone_operator",
    "collection_agency",
    "manager",
    "auditor",
    "administrator",
    "system",
    "debtor",
}
READING = (".read", ".search", ".verify", ".portfolio")


def test_the_shipped_file() -> None:
    rules = default_roles()
    assert set(rules.roles) == ROLES
    assert set(rules.mandates) == {
        "sign_enforcement_titles",
        "file_payment_injunctions",
        "represent_in_court",
    }
    assert all(action.endswith(READING) for action in rules.roles["auditor"]), "the auditor changes nothing"
    assert "claims.establish" not in rules.roles["accountant"], "ordonnateur / comptable"
    for power in rules.mandates.values():
        assert power <= rules.roles["director"], "the director holds by role what he mandates"
    assert rules.agency_may == rules.roles["collection_agency"]
    assert rules.debtor_may == rules.roles["debtor"], "a debtor in his space: his role's actions only"
    assert {
        "write_offs.decide",
        "remissions.decide_services",
        "remissions.decide_board",
    } <= rules.second_person


def test_every_error_is_reported_with_its_place() -> None:
    data = {
        "actions": {"a.read": "lire", "b.write": "écrire", "c.unused": "rien"},
        "roles": {"one": {"actions": ["a.read", "typo"]}, "two": {"actions": "b.write"}, "three": []},
        "mandates": {"sign": {"actions": ["nope"]}},
        "separation_of_duties": {"second_person": ["b.write", "other"]},
    }
    with pytest.raises(RolesFileError) as raised:
        parse_roles(data, "test.yaml")
    problems = raised.value.problems
    assert "roles.one.actions='typo': unknown action" in problems
    assert any(p.startswith("roles.two.actions='b.write'") for p in problems)
    assert any(p.startswith("roles.three=") for p in problems)
    assert "mandates.sign.actions='nope': unknown action" in problems
    assert "separation_of_duties.second_person='other': unknown action" in problems
    assert "actions.c.unused: given to no role and no mandate" in problems
    assert str(raised.value).startswith("test.yaml: ")


def test_a_document_that_is_not_a_mapping() -> None:
    with pytest.raises(RolesFileError, match="expected a mapping"):
        parse_roles(["roles"])
