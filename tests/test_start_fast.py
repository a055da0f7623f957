"""`denialdesk --help` and a button's start load no heavy library: pandas, openpyxl, docx,
docxtpl, jinja2, msoffcrypto, lxml (and numpy under pandas) come in only with a command that
needs them. Checked in a fresh interpreter, with `-X importtime` listing every module loaded.
(The speed itself is measured in bench/start_bench.py, not here.)"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

HEAVY = ("pandas", "numpy", "openpyxl", "docx", "docxtpl", "jinja2", "msoffcrypto", "lxml")


def loaded_modules(code: str, *args: str) -> set[str]:
    """Top-level names of every module a fresh Python imports while running `code`."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert "addin" in names  # the listing really is of this run
    return names


HELP = "import sys; from addin.cli import cli; sys.argv = ['denialdesk', *sys.argv[1:]]; cli()"


@pytest.mark.parametrize(
    "args", [["--help"], ["parse", "--help"], ["import", "--help"], ["letters", "--help"]]
)
def test_help_loads_no_heavy_library(args):
    assert not loaded_modules(HELP, *args) & set(HEAVY)


def test_a_buttons_start_loads_no_heavy_library():
    names = loaded_modules("import addin.excel as x; assert callable(x.import_remittances)")
    assert not names & set(HEAVY)


def test_parse_json_loads_only_the_reader(tmp_path):
    remit = ROOT / "tests" / "data" / "remits" / "2026-03-co50-denied.835"
    assert not loaded_modules(HELP, "parse", "--json", str(remit)) & set(HEAVY)


def test_a_command_that_needs_them_still_gets_them(tmp_path):
    names = loaded_modules(HELP, "new", str(tmp_path / "t.xlsx"))
    assert "openpyxl" in names and (tmp_path / "t.xlsx").is_file()
