"""Bad and hostile input: random bytes and mutations of real remits never crash the reader or
the import, and a file that fails leaves the workbook exactly as it was."""

from __future__ import annotations

import csv
import re
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from addin import actions
from addin.actions.new_tracker import tracker_bytes
from addin.demo import synth
from addin.demo.tracker import fill_demo_practice
from addin.errors import AddinError, RemitParseError
from addin.remit import Claim, RemitReader
from addin.workbook.layout import CLAIMS, CODES, DENIALS, PAYERS, REMITS, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from addin.workbook.tracker_file import open_for_update
from tests.conftest import REMITS as REMIT_DATA
from tests.conftest import SAMPLES

TODAY = date(2026, 4, 1)
SEEDS = [p.read_bytes() for p in sorted(REMIT_DATA.glob("*.835"))]
SEEDS.append(synth.synth_835(6, seed=3).encode())
if SAMPLES.is_dir():  # the public samples, when they sit beside the project
    SEEDS += [
        p.read_bytes()
        for p in sorted(SAMPLES.glob("*/*"))
        if p.stat().st_size < 20_000 and p.suffix != ".md"
    ]


def fuzz(examples: int) -> settings:
    """Repeatable fuzzing (derandomized, so CI runs the same cases) with no time limits."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def read_everything(data: bytes) -> list:
    """The reader's whole contract: records, or one RemitParseError with a one-line message."""
    try:
        return list(RemitReader(data))
    except RemitParseError as error:
        assert "\n" not in str(error) and len(str(error)) < 400
        return []


# -- mutation operators -------------------------------------------------------------------------


def truncate(data: bytes, draw) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


def flip_bytes(data: bytes, draw) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 20))):
        out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
    return bytes(out)


def swap_delimiters(data: bytes, draw) -> bytes:
    a, b = draw(st.sampled_from([(b"*", b"~"), (b"*", b":"), (b"~", b"\n"), (b"*", b"|")]))
    return data.replace(a, b"\x00").replace(b, a).replace(b"\x00", b)


def huge_element(data: bytes, draw) -> bytes:
    at = data.find(b"CLP*")
    size = draw(st.sampled_from([1_000, 70_000, 300_000]))
    return data if at < 0 else data[: at + 4] + b"X" * size + data[at + 4 :]


def deep_repetition(data: bytes, draw) -> bytes:
    match = re.search(rb"(CAS\*[^~]*~\n?)", data) or re.search(rb"(DTM\*[^~]*~\n?)", data)
    return (
        data
        if not match
        else data.replace(
            match.group(1), match.group(1) * draw(st.sampled_from([50, 2_000, 20_000])), 1
        )
    )


def invalid_utf8(data: bytes, draw) -> bytes:
    at = draw(st.integers(0, len(data)))
    return (
        data[:at]
        + bytes(draw(st.lists(st.integers(0x80, 0xFF), min_size=1, max_size=8)))
        + data[at:]
    )


def cr_only_lines(data: bytes, draw) -> bytes:
    return data.replace(b"~\n", b"\r").replace(b"~\r\n", b"\r").replace(b"~", b"\r")


MUTATIONS = [
    truncate,
    flip_bytes,
    swap_delimiters,
    huge_element,
    deep_repetition,
    invalid_utf8,
    cr_only_lines,
]


@st.composite
def mutated_remits(draw) -> bytes:
    data = draw(st.sampled_from(SEEDS))
    for mutate in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3)):
        if data:
            data = mutate(data, draw)
    return data


# -- the reader ---------------------------------------------------------------------------------


@fuzz(200)
@given(st.binary(max_size=3000))
def test_random_bytes_never_crash_the_reader(data):
    read_everything(data)


@fuzz(300)
@given(mutated_remits())
def test_mutated_remits_never_crash_the_reader(data):
    for record in read_everything(data):
        if isinstance(record, Claim):
            assert isinstance(record.findings, tuple)


@fuzz(60)
@given(st.text(alphabet="ISTCLPAMBRSV*~:^|\n\r 0123456789.-", max_size=400))
def test_x12_looking_noise_never_crashes_the_reader(text):
    read_everything(("ISA*00*" if len(text) % 2 else "ST*835*1~").encode() + text.encode())


# -- the import ---------------------------------------------------------------------------------


def _tables(path: Path) -> tuple:
    book = OpenpyxlBook.open(path)
    return tuple(book.read_table(spec).to_dict("records") for spec in (CLAIMS, DENIALS, REMITS))


@fuzz(60)
@given(mutated_remits())
def test_a_failing_file_leaves_the_workbook_unchanged(data):
    with tempfile.TemporaryDirectory() as folder:
        tracker = Path(folder) / "tracker.xlsx"
        tracker.write_bytes(tracker_bytes())
        remit = Path(folder) / "mutated.835"
        remit.write_bytes(data)
        before = tracker.read_bytes()
        with open_for_update(tracker) as book:
            report = actions.import_remittances(book, [remit])
        if report.failed:
            assert len(report.failed[0].message.splitlines()) == 1
            assert tracker.read_bytes() == before
        else:
            claims, denials, remits = _tables(tracker)
            assert len(remits) >= (1 if report.saved else 0)
            assert all(d[Col.DENIAL_ID] and d[Col.CLAIM_KEY] for d in denials)


# -- formula injection --------------------------------------------------------------------------

PAYLOADS = [
    '=HYPERLINK("http://example.invalid/x","open")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "=1+1;=2+2",
    '=WEBSERVICE("http://example.invalid")',
    '=DDE("cmd";"/C calc";"__")',
]


def _remit_with(payload: str, number: int) -> str:
    text = (REMIT_DATA / "2026-03-co50-denied.835").read_text()
    for original in (
        "TEST HEALTH PLAN",
        "*XV*99001",
        "TESTPATIENT",
        "ALPHA",
        "DD1001",
        "PCN-A1",
        "N115",
        "EFT0001",
        "SYNTHETIC PRACTICE",
    ):
        replacement = payload + str(number) if original == "DD1001" else payload
        text = text.replace(original, "*XV*" + payload if original[0] == "*" else replacement)
    return text


def _code_list_with(payload: str, path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["Code", "Description"])
        for code in ("45", "N115", "ZZ9"):  # one DenialDesk knows, a remark, an unknown one
            writer.writerow([code, payload])
    return path


def _formula_cells(tracker: Path) -> list[str]:
    """Every formula in the saved file, whatever the sheet (the XML and openpyxl's view)."""
    with zipfile.ZipFile(tracker) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        found = [n for n in sheets if re.search(rb"<f[ >]", archive.read(n))]
    workbook = openpyxl.load_workbook(tracker)
    found += [
        f"{s.title}!{c.coordinate}"
        for s in workbook
        for row in s.iter_rows()
        for c in row
        if c.data_type == "f"
    ]
    return found


@pytest.mark.parametrize(
    "number, payload", list(enumerate(PAYLOADS)), ids=[repr(p)[:24] for p in PAYLOADS]
)
def test_no_payload_ever_becomes_a_formula(tracker, tmp_path, number, payload):
    """Hostile text from a remit and a code list, through every button: import, classify
    (Payers), letters, KPIs and `codes import` (Codes) — every cell of every sheet is text."""
    remit = tmp_path / "hostile.835"
    remit.write_text(_remit_with(payload, number), newline="")
    with open_for_update(tracker) as book:
        report = actions.import_remittances(book, [remit])
    assert report.saved, [f.message for f in report.files]
    assert not _formula_cells(tracker)
    with open_for_update(tracker) as book:
        actions.classify_and_prioritize(book, today=TODAY)
        fill_demo_practice(book)
        actions.generate_letters(book, today=TODAY)
        actions.refresh_kpis(book, today=TODAY)
        actions.import_code_list(book, _code_list_with(payload, tmp_path / "codes.csv"))
    with open_for_update(tracker) as book:  # a second round reads the text back and rewrites it
        actions.classify_and_prioritize(book, today=date(2026, 5, 1))
    assert not _formula_cells(tracker)
    book = OpenpyxlBook.open(tracker)
    denial = book.read_table(DENIALS).iloc[0]
    assert denial[Col.PAYER] == payload.strip("\r") or payload.startswith(("\t", "\r"))
    assert denial[Col.PAYER].strip() in book.read_table(PAYERS)[Col.PAYER].tolist()
    described = book.read_table(CODES)[Col.DESCRIPTION].tolist()
    assert " ".join(payload.split()) in described


# -- damaged password-protected trackers ----------------------------------------------------

PASSWORD = "fuzz-pass"


def _encrypted_tracker() -> bytes:
    import io

    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(tracker_bytes())).encrypt(PASSWORD, out)
    return out.getvalue()


ENCRYPTED = _encrypted_tracker()


@fuzz(120)
@given(st.data())
def test_a_damaged_encrypted_tracker_is_one_line_never_a_traceback(data):
    """Before: 31 of 120 damaged encrypted trackers raised a traceback (struct.error,
    IndexError, ValueError… from msoffcrypto or the OLE reader)."""
    damage = data.draw(st.sampled_from([truncate, flip_bytes, _zero_run]))
    mutated = damage(ENCRYPTED, data.draw)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tracker.xlsx"
        path.write_bytes(mutated)
        try:
            book = OpenpyxlBook.open(path, PASSWORD)
            book.read_table(DENIALS)
        except AddinError as error:
            assert "\n" not in str(error) and len(str(error)) < 400
        assert path.read_bytes() == mutated


def _zero_run(data: bytes, draw) -> bytes:
    start = draw(st.integers(0, len(data) - 1))
    length = draw(st.integers(1, 4096))
    return data[:start] + b"\0" * min(length, len(data) - start) + data[start + length :]


def test_120_seeded_damages_of_an_encrypted_tracker_give_no_traceback():
    """The adversarial run's count, repeatable: before, 38 of these 120 raised ValueError,
    struct.error or NotImplementedError ("zip file version 13.0") instead of one line."""
    import random

    rng = random.Random(13)
    tracebacks = []
    for index in range(120):
        data = bytearray(ENCRYPTED)
        if index % 3 == 0:
            data = data[: rng.randrange(len(data))]
        elif index % 3 == 1:
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            start, length = rng.randrange(len(data)), rng.randint(1, 4096)
            data[start : start + length] = b"\0" * len(data[start : start + length])
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "tracker.xlsx"
            path.write_bytes(bytes(data))
            try:
                OpenpyxlBook.open(path, PASSWORD).read_table(DENIALS)
            except AddinError:
                pass
            except Exception as error:  # noqa: BLE001 - counted: each is a failure
                tracebacks.append(f"{index}: {type(error).__name__}")
    assert not tracebacks
