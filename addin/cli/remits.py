"""Commands for remits and trackers: new, import, parse, synth, demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from addin.cli._shared import (
    ByteProgress,
    as_of_option,
    cli,
    echo,
    friendly_errors,
    notice,
    password_option,
    status,
    update_tracker,
)
from addin.errors import AddinError


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@password_option
@friendly_errors
def new(path: Path, password: str | None):
    """Create an empty tracker workbook at PATH (encrypted with --password).

    \b
    Example:
      denialdesk new "Denials 2026.xlsx"
      denialdesk new "Denials 2026.xlsx" --password "a long passphrase"
    """
    from addin.actions.new_tracker import create_tracker

    create_tracker(path, password)
    echo(f"Created {path}" + (" (password-protected)" if password else ""))


@cli.command("import")
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@password_option
@friendly_errors
def import_(workbook: Path, inputs: tuple[Path, ...], password: str | None):
    """Import 835 remittance files (or folders of them) into WORKBOOK.

    Files already imported are skipped; a file that cannot be read is reported and the
    rest still import. Exits with status 1 when any file failed.

    Example:

        denialdesk import tracker.xlsx "Remits Inbox"
    """
    from addin.actions.import_remits import import_remittances

    def run(book):
        reading = ByteProgress("Reading remits")
        return import_remittances(
            book, inputs, progress=reading, on_bytes=reading.update, notify=status
        )

    report = update_tracker(workbook, password, run)
    for item in report.failed:
        echo(f"Error: {item.path.name}: {item.message}", err=True)
    echo(report.summary())
    if report.failed:
        sys.exit(1)


@cli.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per claim (JSON Lines).")
@friendly_errors
def parse(files: tuple[Path, ...], as_json: bool):
    """Read 835 FILES and print their claims (no workbook needed).

    Without --json, prints one summary line per transaction. With --json, stdout holds
    only JSON Lines; findings about a transaction or file go to stderr as `Note: …` lines.
    Patient names and member ids are never printed, so the output can go into a support
    ticket.

    Example:

        denialdesk parse remit.835 --json > claims.jsonl
    """
    from addin.actions.parse_remit import describe_remit

    failed = 0
    for path in files:
        try:
            for batch in _batches(describe_remit(path, as_json=as_json, note=notice)):
                echo("\n".join(batch))
        except AddinError as error:
            failed += 1
            echo(f"Error: {path.name}: {error}", err=True)
    if failed:
        sys.exit(1)


def _batches(lines, size: int = 2000):
    """Lines in lists of `size`: one write per batch instead of one per claim."""
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--claims", type=click.IntRange(min=1), required=True, help="How many claims.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same file.")
@click.option(
    "--with-837",
    "with_837",
    is_flag=True,
    help="Also write the 837P those claims were sent on, beside OUT (OUT with suffix .837).",
)
def synth(out: Path, claims: int, seed: int, with_837: bool):
    """Write a synthetic, balanced 5010 835 with CLAIMS claims to OUT (test and demo data).

    Example:

        denialdesk synth --claims 100000 --seed 7 --with-837 big.835
    """
    from addin.demo import synth as generator
    from addin.demo import synth837

    with out.open("w", encoding="ascii", newline="") as handle:
        generator.write_835(handle, claims, seed)
    echo(f"Wrote {claims:,} synthetic claims to {out}")
    if with_837:
        sent = out.with_suffix(".837")
        with sent.open("w", encoding="ascii", newline="") as handle:
            synth837.write_matching_837(handle, claims, seed)
        echo(f"Wrote the 837P they were sent on to {sent}")


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Folder for the demo tracker and its inputs.",
)
@as_of_option("Run as if today were this date (YYYY-MM-DD), for output that does not change.")
@friendly_errors
def demo(out: Path, as_of):
    """Build a demo tracker from bundled synthetic 835 files — import, classify, letters,
    KPIs — and show what each step found.

    Example:

        denialdesk demo --out demo
    """
    from addin.demo import tracker as demo_run

    for line in demo_run.run_demo(out, today=as_of):
        echo(line)
