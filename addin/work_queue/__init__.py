"""The Work Queue (pure): open denials in rank order (`table`), and the edits people make on
it that Classify copies back to Denials, with the Status changes it dates (`edits`)."""

from addin.work_queue.edits import (
    QUEUE_EDITABLE,
    QueueEdits,
    column_or_blank,
    date_status_changes,
    snapshots,
    with_queue_edits,
)
from addin.work_queue.table import build_queue

__all__ = [
    "QUEUE_EDITABLE",
    "QueueEdits",
    "build_queue",
    "column_or_blank",
    "date_status_changes",
    "snapshots",
    "with_queue_edits",
]
