"""The sizes DenialDesk refuses to go past, in one place: each is far beyond a real practice's
files, and each message that enforces one names it and says what to check.

A year's tracker of a busy practice is ~50,000 claims (≈ 7 MB); the largest public 835
samples are a few MB and a big clearing-house remit tens of MB. The limits guard the
machine (memory, time) against damaged and hostile files, not the practice's growth.
"""

from __future__ import annotations

# Files read
MAX_TRACKER_BYTES = 250_000_000  # the .xlsx on disk; ≈ 1.8M claims' worth of rows
MAX_UNZIPPED_BYTES = 1_500_000_000  # its parts unpacked; a zip bomb is far past this
MAX_COMPRESSION_RATIO = 200  # unpacked ÷ packed; real workbooks stay under ~20
MAX_REMIT_BYTES = 1 << 30  # one 835 file (1 GiB); 500,000 claims take ≈ 190 MB
MAX_TEMPLATE_BYTES = 20_000_000  # one Word letter template, logo and all

# Rows and claims
MAX_CLAIMS_PER_REMIT = 1_000_000  # claims in one 835 file
MAX_TABLE_ROWS = 1_000_000  # data rows in one tracker table (Excel stops at 1,048,575)

# Letter templates: what one letter's rendering may cost
MAX_TEMPLATE_RANGE = 10_000  # items a template's range() may make
MAX_TEMPLATE_TEXT = 1_000_000  # characters a template may build by repeating text or lists
MAX_LETTER_CHARACTERS = 5_000_000  # characters of a rendered letter's document XML
MAX_RENDER_SECONDS = 20.0  # seconds to render one letter


def size_text(count: int) -> str:
    """A byte count for a message: "250 MB", "1.1 GB"."""
    if count >= 1_000_000_000:
        return f"{count / 1e9:.1f} GB"
    return f"{count / 1e6:,.0f} MB" if count >= 1_000_000 else f"{count / 1e3:,.0f} KB"


def refuse_oversized(path) -> None:
    """A tracker file past MAX_TRACKER_BYTES gets one line before anything reads it."""
    from addin.errors import WorkbookLayoutError

    size = path.stat().st_size
    if size > MAX_TRACKER_BYTES:
        raise WorkbookLayoutError(
            f"{path.name} is {size_text(size)}, more than the {size_text(MAX_TRACKER_BYTES)} "
            "a tracker can be: check that it is the right file, or move older rows to an "
            "archive copy; nothing was changed."
        )
