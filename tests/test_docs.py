"""Every command is documented: in the README and in its own --help with an example."""

from __future__ import annotations

import re

import pytest

from addin.cli import cli
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group, prefix=""):
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        if hasattr(command, "commands"):
            yield from _commands(command, f"{full} ")
        else:
            yield full, command


COMMANDS = dict(_commands(cli))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_is_in_the_readme(name):
    assert f"denialdesk {name}" in README


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_help_has_an_example(runner, name):
    result = runner.invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and f"denialdesk {name}" in result.output


def test_readme_starts_with_the_demo_and_the_tests():
    commands = re.findall(r"^(python3? .+)$", README, flags=re.MULTILINE)[:2]
    assert commands[0].endswith("denialdesk demo")
    assert commands[1].endswith("pytest")
