"""Every `--help` of the command line is in plain French (issue 13): no English sentence and no
code name a user would have to decode (the values typed on the command line are explained)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from typer._click import Context
from typer.main import get_command
from typer.testing import CliRunner

from recouvre.cli import app

ENGLISH = re.compile(
    r"\b(the|and|of|with|Show|Print|List the|Record|Generate|Serve|Simulate|default:|Database|"
    r"Folder|Who acts|completion|Replay|Apply|Render)\b"
)
CODE_NAMES = re.compile(r"\b(Remission_decision|departement|formal_notice|reminder_1|reminder_2)\b")


def command_paths() -> Iterator[list[str]]:
    root: Any = get_command(app)

    def walk(command: Any, path: list[str], ctx: Context) -> Iterator[list[str]]:
        yield path
        if hasattr(command, "list_commands"):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                yield from walk(sub, [*path, name], Context(sub, parent=ctx))

    yield from walk(root, [], Context(root))


PATHS = list(command_paths())


def test_every_command_is_listed() -> None:
    assert len(PATHS) > 40


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "recouvre")
def test_help_is_in_french(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert result.exit_code == 0, result.output
    # The options' own names (--as-of) are what is typed, not read.
    text = re.sub(r"--[a-z-]+", "", result.output)
    # A value typed on the command line, shown as a choice (<a|b>) or explained (« code (libellé) »).
    text = re.sub(r"<[^>]*>", "", text)
    text = re.sub(r"\b[a-z_]+ \(", "(", text)
    assert "Afficher cette aide et quitter" in text
    english = ENGLISH.search(text)
    assert english is None, f"{' '.join(path)}: « {english.group(0) if english else ''} » in\n{text}"
    assert CODE_NAMES.search(text) is None, text
