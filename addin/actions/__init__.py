"""One function per button: each takes a Book, runs the pure core on it, and reports.

`cli` and `excel` only adapt arguments or the calling workbook into these calls.
"""

from addin.actions.appeal_letters import (
    LetterOutcome,
    LetterReport,
    describe_templates,
    generate_letters,
)
from addin.actions.classify_denials import ClassifyReport, classify_and_prioritize
from addin.actions.code_list import (
    CodeImportReport,
    explain_code,
    explain_with_plan,
    import_code_list,
)
from addin.actions.import_remits import (
    FileReport,
    ImportReport,
    describe_remit,
    import_remittances,
    remit_files,
)
from addin.actions.refresh_kpis import KpiReport, refresh_kpis

__all__ = [
    "ClassifyReport",
    "CodeImportReport",
    "FileReport",
    "ImportReport",
    "KpiReport",
    "LetterOutcome",
    "LetterReport",
    "classify_and_prioritize",
    "describe_remit",
    "describe_templates",
    "explain_code",
    "explain_with_plan",
    "generate_letters",
    "import_code_list",
    "import_remittances",
    "refresh_kpis",
    "remit_files",
]
