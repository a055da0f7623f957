"""One function per button: each takes a Book, runs the pure core on it, and reports.

`cli` and `excel` only adapt arguments or the calling workbook into these calls. The names
below are imported on first use (PEP 562), so `denialdesk --help` and a button's start do not
load pandas, openpyxl or docx for actions they do not run.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "LetterOutcome": "appeal_letters",
    "LetterReport": "appeal_letters",
    "describe_templates": "appeal_letters",
    "generate_letters": "appeal_letters",
    "ClassifyReport": "classify_denials",
    "classify_and_prioritize": "classify_denials",
    "CodeImportReport": "code_list",
    "explain_code": "code_list",
    "explain_with_plan": "code_list",
    "import_code_list": "code_list",
    "FileReport": "import_remits",
    "ImportReport": "import_remits",
    "import_remittances": "import_remits",
    "remit_files": "import_remits",
    "describe_remit": "parse_remit",
    "KpiReport": "kpi_refresh",
    "refresh_kpis": "kpi_refresh",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:  # a submodule (`actions.appeal_letters`), imported on first use too
        try:
            return importlib.import_module(f"addin.actions.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"addin.actions.{name}":
                raise  # the submodule exists; something it needs is missing
            raise AttributeError(f"module 'addin.actions' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"addin.actions.{home}"), name)
    globals()[name] = value
    return value
