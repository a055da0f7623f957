"""One function per button: each takes a Book, runs the pure core on it, and reports.

`cli` and `excel` only adapt arguments or the calling workbook into these calls.
"""

from addin.actions.import_remits import (
    FileReport,
    ImportReport,
    describe_remit,
    import_remittances,
    remit_files,
)

__all__ = ["FileReport", "ImportReport", "describe_remit", "import_remittances", "remit_files"]
