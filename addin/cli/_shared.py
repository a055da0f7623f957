"""The `denialdesk` click group and what every command module shares."""

from __future__ import annotations

import functools
import re
import signal
import sys

import click

from addin import __version__
from addin.errors import AddinError

# Terminal escape sequences (CSI, OSC, DCS…), other control characters (C0 but tab and
# newline, DEL, C1) and bidirectional overrides: text from a file (a payer name, a file name,
# a cell) never moves the cursor, recolours, retitles or reorders the person's terminal.
_TERMINAL_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-_]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)


def terminal_text(text: object) -> str:
    """Text as it may be shown on a terminal: control characters and escape sequences out."""
    return _TERMINAL_CONTROL.sub("", str(text))


def echo(message: object = "", err: bool = False) -> None:
    """click.echo for everything the CLI prints: file-derived text goes through
    `terminal_text` first (the one sanitiser every command uses)."""
    click.echo(terminal_text(message), err=err)


def friendly_errors(command):
    """Turn an AddinError into `Error: …` and exit status 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except AddinError as error:
            raise click.ClickException(terminal_text(error)) from None

    return wrapper


def progress_bar(label: str):
    """A tqdm progress bar on an interactive terminal, silence otherwise."""

    def wrap(items):
        from tqdm import tqdm

        items = list(items)
        return tqdm(
            items,
            desc=label,
            unit="file",
            disable=None if len(items) > 1 else True,
            file=sys.stderr,
            leave=False,
        )

    return wrap


class ByteProgress:
    """A tqdm bar over the bytes of the files being read, on an interactive terminal only:
    call it on the list of files, and hand `update` to the reader."""

    def __init__(self, label: str):
        self.label = label
        self._bar = None

    def __call__(self, paths):
        from tqdm import tqdm

        paths = list(paths)
        total = sum(p.stat().st_size for p in paths if p.is_file())
        self._bar = tqdm(
            total=total,
            desc=self.label,
            unit="B",
            unit_scale=True,
            disable=None if total > BYTE_BAR_FROM else True,
            file=sys.stderr,
            leave=False,
        )
        try:
            yield from paths
        finally:
            self._bar.close()

    def update(self, count: int) -> None:
        if self._bar is not None:
            self._bar.update(count)


BYTE_BAR_FROM = 1 << 20  # smaller reads finish before a bar would be worth drawing


def status(message: str) -> None:
    """A progress note on an interactive terminal (stderr), silence in scripts and logs."""
    if sys.stderr.isatty():
        echo(message, err=True)


def notice(message: str) -> None:
    """A note the user should see even in scripts and logs: `Note: …` on stderr."""
    echo(f"Note: {message}", err=True)


def update_tracker(workbook, password: str | None, action):
    """Run `action(book)` on the tracker opened for writing, with a progress note (a big one
    takes a while to load) and a note if another run holds it and this one waits. Keys of an
    older tracker are upgraded first (once); if the workbook was saved by someone else while
    `action` worked, nothing is replaced and `action` runs again on the new workbook."""
    from addin.actions.keys import upgrade_keys
    from addin.workbook.tracker_file import update

    def run(book):
        upgraded = upgrade_keys(book)
        if upgraded:
            notice(upgraded)
        return action(book)

    status(f"Opening {workbook.name}…")
    return update(workbook, run, password, notice)


def password_option(command):
    """`--password` for a password-protected tracker (also read from DENIALDESK_PASSWORD)."""
    return click.option(
        "--password",
        envvar="DENIALDESK_PASSWORD",
        default=None,
        help="Password of a password-protected tracker (or set DENIALDESK_PASSWORD).",
    )(command)


def as_of_option(help: str):
    """`--as-of YYYY-MM-DD`, handed to the command as a date (None when not given)."""
    return click.option(
        "--as-of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        callback=lambda ctx, param, value: value.date() if value else None,
        help=help,
    )


@click.group()
@click.version_option(__version__, prog_name="denialdesk")
def cli():
    """DenialDesk: catch, explain, appeal and track claim denials in one Excel workbook."""
    # Past a file-size limit, the OS would kill the process mid-save (SIGXFSZ); ignoring the
    # signal turns it into an ordinary write error, reported while the old file stays intact.
    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
