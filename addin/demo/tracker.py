"""`denialdesk demo`: a fresh tracker built from bundled synthetic remits, end to end."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from docx import Document

from addin import actions
from addin.actions.check_claims import check_into_book
from addin.actions.new_tracker import create_tracker
from addin.demo import ledger, synth
from addin.errors import AddinError
from addin.letters.files import letter_file
from addin.workbook.layout import DENIALS, LETTER_READY, PAYERS, SETTINGS, Col, S
from addin.workbook.template import TEMPLATE_NAME
from addin.workbook.tracker_file import open_for_update

MARKER = ".denialdesk-demo"
INBOX = "Remits Inbox"
DEMO_SEED = 2026


def prepare_folder(out: Path) -> None:
    """Empty a previous demo folder; refuse to touch a folder that is not one."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise AddinError(
                f"{out} already exists and is not a DenialDesk demo folder; choose another "
                "--out folder so nothing of yours is overwritten."
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("Created by `denialdesk demo`; safe to delete.\n")


OUTBOX = "Claims Outbox"


def write_demo_remits(inbox: Path, seed: int = DEMO_SEED) -> list[Path]:
    """The demo's 835s, and beside them the 837s they answer and a clearinghouse 277CA."""
    inbox.mkdir(parents=True, exist_ok=True)
    written = []
    claims = [*ledger.demo_claim_files(seed), ledger.rejection_277ca(seed)]
    for name, text in [*synth.demo_remits(seed), *claims]:
        path = inbox / name
        path.write_text(text, encoding="ascii", newline="")
        written.append(path)
    return written


# The demo practice's letterhead: fictional, like everything in the demo.
DEMO_PRACTICE = {
    S.PRACTICE_NAME: "Riverbend Family Medicine (demo)",
    S.PRACTICE_ADDRESS: "100 Example Way, Suite 2",
    S.PRACTICE_CITY_STATE_ZIP: "Springfield, ST 00001",
    S.PRACTICE_NPI: "1234567893",
    S.PRACTICE_TIN: "00-0000001",
    S.PRACTICE_PHONE: "555-0100",
    S.PRACTICE_FAX: "555-0101",
    S.PRACTICE_EMAIL: "billing@example.invalid",
    S.PRACTICE_PTAN: "DEMO00001",
    S.SIGNER_NAME: "Pat Example",
    S.SIGNER_TITLE: "Billing Manager",
}
# What the demo practice types on Payers for its payers (all fictional): the plan type, whether
# it is contracted, where appeals go. Sunrise is a Medicare Advantage plan the practice has no
# contract with, so its appeals carry the Waiver of Liability.
DEMO_PAYERS = {
    "ACME HEALTH PLAN": ("Commercial", "Yes"),
    "BLUE HERON PPO": ("Commercial", "Yes"),
    "NORTHWIND COMMERCIAL": ("Commercial", "Yes"),
    "MEDICAID OF EXAMPLESTATE": ("Medicaid FFS", "Yes"),
    "SUNRISE MEDICARE ADVANTAGE": ("Medicare Advantage", "No"),
}
DEMO_APPEAL_ADDRESS = "Provider Appeals\nPO Box 1000\nAnytown, ST 00002"
# A claim a biller asks a letter for although its deadline has passed (Letter? = Yes): its two
# denied lines share one letter, with a good-cause paragraph to complete.
DEMO_LATE_CLAIM = "DD446493"
# The letter the demo's biller completes in Word and marks Ready: what they type into each field.
DEMO_COMPLETED_CLAIM = "DD802868"
DEMO_COMPLETION = (
    "section 4.2 of the plan's benefit booklet (page 12) lists this procedure as a covered "
    "outpatient service; the enclosed excerpt marks it (demo text)"
)


def set_settings(book, values: dict[str, object]) -> None:
    """Type `values` into the Value column of the Settings rows they name."""
    settings = book.read_table(SETTINGS)
    for index, name in zip(settings.index, settings[Col.SETTING], strict=True):
        if name in values:
            settings.at[index, Col.VALUE] = values[name]
    book.write_table(SETTINGS, settings)


def fill_demo_practice(book) -> None:
    """What a practice types in once: its letterhead, and each payer's appeal address (and,
    for its own payers, plan type and contract)."""
    set_settings(book, DEMO_PRACTICE)
    payers = book.read_table(PAYERS)
    for index, name in zip(payers.index, payers[Col.PAYER], strict=True):
        if not payers.at[index, Col.APPEAL_ADDRESS]:
            payers.at[index, Col.APPEAL_ADDRESS] = DEMO_APPEAL_ADDRESS
        if name in DEMO_PAYERS:
            plan, contracted = DEMO_PAYERS[name]
            payers.at[index, Col.PLAN_TYPE] = payers.at[index, Col.PLAN_TYPE] or plan
            payers.at[index, Col.CONTRACTED] = contracted
    book.write_table(PAYERS, payers)


def ask_for_late_letter(book, claim_id: str = DEMO_LATE_CLAIM) -> None:
    """A biller sets Letter? = Yes on a claim whose deadline has passed."""
    denials = book.read_table(DENIALS)
    for index, claim in zip(denials.index, denials[Col.CLAIM_ID], strict=True):
        if claim == claim_id:
            denials.at[index, Col.LETTER_WANTED] = "Yes"
    book.write_table(DENIALS, denials)


def complete_letter(book, claim_id: str = DEMO_COMPLETED_CLAIM) -> str:
    """What a biller does with a draft: complete its [[fields]] in Word (here: the demo's text;
    an enclosure field becomes the enclosure), then mark its Letter Status Ready. Returns the
    Denial IDs of the letter."""
    denials = book.read_table(DENIALS)
    rows = denials[denials[Col.CLAIM_ID] == claim_id]
    link = rows[Col.LETTER].dropna()
    if link.empty:
        return ""
    path = letter_file(book.folder, link.iloc[0])
    document = Document(str(path))
    for paragraph in document.paragraphs:
        if "[[" in paragraph.text:
            paragraph.text = _completed(paragraph.text)
    document.save(str(path))
    for index in rows.index:
        denials.at[index, Col.LETTER_STATUS] = LETTER_READY
    book.write_table(DENIALS, denials)
    return ", ".join(rows[Col.DENIAL_ID])


def _completed(text: str) -> str:
    text = re.sub(r"\[\[Enclose or delete: (.*?)\]\]", r"\1", text)
    return re.sub(r"\[\[.*?\]\]", DEMO_COMPLETION, text)


def run_demo(out: Path, today: date | None = None) -> Iterator[str]:
    """Build the demo — import, classify, letters, KPIs — and yield its summary lines."""
    prepare_folder(out)
    inputs = write_demo_remits(out / INBOX)
    workbook = create_tracker(out / TEMPLATE_NAME)
    yield f"Demo tracker: {workbook}"
    remits = [p for p in inputs if p.suffix == ".835"]
    yield (
        f"Remits: {len(remits)} synthetic 835 files in {out / INBOX}, beside the "
        f"{len(inputs) - len(remits) - 1} 837 claim files they answer and a 277CA"
    )
    day = today or date.today()
    outbox = out / OUTBOX
    outbox.mkdir(exist_ok=True)
    name, text = ledger.next_week_claims(DEMO_SEED, day)
    to_send = outbox / name
    to_send.write_text(text, encoding="ascii", newline="")
    with open_for_update(workbook) as book:
        imported = actions.import_remittances(book, [out / INBOX])
        yield f"Import: {imported.summary()}"
        classified = actions.classify_and_prioritize(book, today=today)
        yield f"Classify: {classified.summary()}"
        checked = check_into_book(book, [to_send], [], day)
        yield f"Check Claims: {checked.summary()}"
        fill_demo_practice(book)
        ask_for_late_letter(book)
        letters = actions.generate_letters(book, today=today)
        yield f"Letters: {letters.summary()} {letters.status_line()}"
        completed = complete_letter(book)
        yield f"A biller completes the letter of {completed} in Word and marks it Ready."
        letters = actions.generate_letters(book, today=today)
        yield f"Letters, run again: {letters.summary()} {letters.status_line()}"
        for state in letters.drafts:
            yield f"  needs input: {', '.join(state.denial_ids)} ({state.status})"
        kpis = actions.refresh_kpis(book, today=today)
        yield f"KPIs: {kpis.summary().splitlines()[0]}"
        yield from kpis.summary().splitlines()[1:]
