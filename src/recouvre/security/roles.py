"""Roles, actions, mandates and separation of duties, read from ``roles.yaml`` (data, not code).

``load_roles`` validates the whole file and reports every error with its place (the role, the
field and the value), then refuses it: an unknown action named by a role is a typo that would
otherwise silently take a right away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROLES_FILE = Path(__file__).with_name("roles.yaml")


class RolesFileError(ValueError):
    """The roles file is invalid; ``problems`` lists every error with its place."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class RolePolicy:
    """Who may do what: the content of ``roles.yaml``."""

    actions: Mapping[str, str]
    """Every action, with its French label."""
    roles: Mapping[str, frozenset[str]]
    role_labels: Mapping[str, str]
    mandates: Mapping[str, frozenset[str]]
    """Mandate power → the actions a user holding it may do while it is valid."""
    mandate_labels: Mapping[str, str]
    claim_author_may_not: frozenset[str]
    second_person: frozenset[str]
    agency_may: frozenset[str]
    debtor_may: frozenset[str]
    incompatible_roles: tuple[tuple[frozenset[frozenset[str]], str], ...] = ()
    """Pairs of roles one account never holds together, grouped by their reason."""
    financial_roles: frozenset[str] = frozenset()
    """Roles whose giving needs the approval of another person (``users.approve``)."""

    def conflicts(self, roles: frozenset[str]) -> list[str]:
        """Each incompatible pair among ``roles``, as "a + b (reason)" with the roles' French
        labels (a user reads it); empty when none."""
        found: list[str] = []
        for pairs, why in self.incompatible_roles:
            for pair in sorted(pairs, key=sorted):
                if pair <= roles:
                    first, second = (self.role_labels.get(name, name) for name in sorted(pair))
                    found.append(f"{first} + {second} ({why})")
        return found

    def needs_approval(self, roles: frozenset[str]) -> bool:
        return bool(roles & self.financial_roles)

    def granted(self, roles: frozenset[str]) -> frozenset[str]:
        """The actions the roles give (without mandates)."""
        found: set[str] = set()
        for role in roles:
            found |= self.roles.get(role, frozenset())
        return frozenset(found)

    def powers_for(self, action: str) -> frozenset[str]:
        """The mandate powers that allow ``action``."""
        return frozenset(power for power, actions in self.mandates.items() if action in actions)


def _strings(value: object, place: str, problems: list[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append(f"{place}={value!r}: expected a list of action names")
        return []
    return list(value)


def _known(names: list[str], actions: Mapping[str, str], place: str, problems: list[str]) -> frozenset[str]:
    for name in names:
        if name not in actions:
            problems.append(f"{place}={name!r}: unknown action")
    return frozenset(name for name in names if name in actions)


def parse_roles(data: Any, source: str = "roles.yaml") -> RolePolicy:
    problems: list[str] = []
    if not isinstance(data, dict):
        raise RolesFileError(source, [f"document={type(data).__name__}: expected a mapping"])
    raw_actions = data.get("actions")
    if not isinstance(raw_actions, dict) or not raw_actions:
        raise RolesFileError(source, [f"actions={raw_actions!r}: expected a mapping action → label"])
    actions = {str(name): str(label) for name, label in raw_actions.items()}
    roles: dict[str, frozenset[str]] = {}
    labels: dict[str, str] = {}
    raw_roles = data.get("roles")
    if not isinstance(raw_roles, dict) or not raw_roles:
        problems.append(f"roles={raw_roles!r}: expected a mapping role → {{label, actions}}")
        raw_roles = {}
    for role, body in raw_roles.items():
        if not isinstance(body, dict):
            problems.append(f"roles.{role}={body!r}: expected {{label, actions}}")
            continue
        labels[str(role)] = str(body.get("label", role))
        names = _strings(body.get("actions"), f"roles.{role}.actions", problems)
        roles[str(role)] = _known(names, actions, f"roles.{role}.actions", problems)
    mandates: dict[str, frozenset[str]] = {}
    mandate_labels: dict[str, str] = {}
    raw_mandates = data.get("mandates") or {}
    if not isinstance(raw_mandates, dict):
        problems.append(f"mandates={raw_mandates!r}: expected a mapping power → {{label, actions}}")
        raw_mandates = {}
    for power, body in raw_mandates.items():
        if not isinstance(body, dict):
            problems.append(f"mandates.{power}={body!r}: expected {{label, actions}}")
            continue
        mandate_labels[str(power)] = str(body.get("label", power))
        names = _strings(body.get("actions"), f"mandates.{power}.actions", problems)
        mandates[str(power)] = _known(names, actions, f"mandates.{power}.actions", problems)
    duties = data.get("separation_of_duties") or {}
    if not isinstance(duties, dict):
        problems.append(f"separation_of_duties={duties!r}: expected a mapping")
        duties = {}
    sets: dict[str, frozenset[str]] = {}
    for name in ("claim_author_may_not", "second_person", "agency_may", "debtor_may"):
        place = f"separation_of_duties.{name}"
        sets[name] = _known(_strings(duties.get(name, []), place, problems), actions, place, problems)
    incompatible: list[tuple[frozenset[frozenset[str]], str]] = []
    raw_groups = data.get("incompatible_roles") or []
    if not isinstance(raw_groups, list):
        problems.append(f"incompatible_roles={raw_groups!r}: expected a list of {{roles, why}}")
        raw_groups = []
    for index, group in enumerate(raw_groups):
        place = f"incompatible_roles[{index}]"
        if not isinstance(group, dict) or not isinstance(group.get("why"), str) or not group["why"]:
            problems.append(f"{place}={group!r}: expected {{roles: [...], why: text}} or {{role, with, why}}")
            continue
        if "role" in group:
            one = _strings([group["role"]], f"{place}.role", problems)
            others = _strings(group.get("with"), f"{place}.with", problems)
            names = one + others
            pairs = {frozenset({one[0], other}) for other in others if one and other != one[0]}
        else:
            names = _strings(group.get("roles"), f"{place}.roles", problems)
            pairs = {frozenset({a, b}) for a in names for b in names if a != b}
        for name in names:
            if name not in roles:
                problems.append(f"{place}={name!r}: unknown role")
        if not pairs:
            problems.append(f"{place}: at least two different roles")
        incompatible.append((frozenset(pairs), str(group["why"])))
    financial = _strings(data.get("financial_roles", []), "financial_roles", problems)
    for name in financial:
        if name not in roles:
            problems.append(f"financial_roles={name!r}: unknown role")
    unused = set(actions) - {a for granted in roles.values() for a in granted}
    unused -= {a for granted in mandates.values() for a in granted}
    problems.extend(f"actions.{name}: given to no role and no mandate" for name in sorted(unused))
    if problems:
        raise RolesFileError(source, problems)
    return RolePolicy(
        actions=actions,
        roles=roles,
        role_labels=labels,
        mandates=mandates,
        mandate_labels=mandate_labels,
        claim_author_may_not=sets["claim_author_may_not"],
        second_person=sets["second_person"],
        agency_may=sets["agency_may"],
        debtor_may=sets["debtor_may"],
        incompatible_roles=tuple(incompatible),
        financial_roles=frozenset(financial),
    )


def load_roles(path: Path = ROLES_FILE) -> RolePolicy:
    with path.open(encoding="utf-8") as handle:
        return parse_roles(yaml.safe_load(handle), str(path))


@cache
def default_roles() -> RolePolicy:
    """The roles file shipped with the package, read once."""
    return load_roles()
