"""`denialdesk parse`: an 835 file's claims as JSON Lines, or a line per transaction (no workbook).

Only the reader and its JSON writer are imported here, so the command starts in a blink.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from addin.remit import Claim, RemitReader, TransactionEnd
from addin.remit.export import claim_json


def describe_remit(
    path: Path, *, as_json: bool, note: Callable[[str], None] = lambda message: None
) -> Iterator[str]:
    """Lines for `denialdesk parse`: JSON per claim, or a summary per transaction.

    With `as_json` every line is one JSON object (exactly `json.dumps(claim_dict(…))`);
    what is found about a transaction or the file as a whole goes to `note` instead (the CLI
    prints it on stderr).
    """
    with path.open("rb") as handle:
        reader = RemitReader(handle)
        if as_json:
            yield from _json_lines(reader, path.name, note)
            for finding in file_notes(reader):
                note(f"{path.name}: {finding}")
            return
        for record in reader:
            if not isinstance(record, Claim):
                yield _transaction_line(path, record)
        if reader.other_transactions:
            kinds = ", ".join(f"{n}×{k}" for k, n in sorted(reader.other_transactions.items()))
            yield f"{path.name}: skipped non-835 transactions ({kinds})"


def _json_lines(reader: RemitReader, name: str, note: Callable[[str], None]) -> Iterator[str]:
    is_claim = Claim.__instancecheck__
    for record in reader:
        if is_claim(record):
            yield claim_json(record, name)
        else:
            for finding in record.findings:
                note(f"{name} transaction {record.header.control_number}: {finding}")


def file_notes(reader: RemitReader) -> list[str]:
    """What the reader found about the file as a whole (after it has been read)."""
    notes = list(reader.file_findings)
    if reader.other_transactions:
        kinds = ", ".join(f"{n} × {k}" for k, n in sorted(reader.other_transactions.items()))
        notes.append(f"skipped transactions that are not 835s ({kinds})")
    return notes


def _transaction_line(path: Path, end: TransactionEnd) -> str:
    header = end.header
    amount = "?" if header.payment.amount is None else f"${header.payment.amount:,.2f}"
    status = "balanced" if end.is_balanced else "; ".join(end.findings)
    return (
        f"{path.name} ST {header.control_number}: {header.payer.name or '?'} paid {amount} "
        f"on {header.payment.date or '?'} ({header.payment.trace_number or 'no trace'}), "
        f"{end.claims} claims, {end.service_lines} lines, {end.adjustments} adjustments — {status}"
    )
