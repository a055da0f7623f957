"""The tracker's shape in one place: sheets, tables, columns, who owns each column, settings."""

from __future__ import annotations

import enum
from dataclasses import dataclass

SCHEMA_VERSION = 1


class Kind(enum.StrEnum):
    """How a column's values are typed in Python and formatted in the sheet."""

    TEXT = "text"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"
    INT = "int"
    NUMBER = "number"
    PERCENT = "percent"
    LINK = "link"  # text shown, with a hyperlink to a file


class Owner(enum.StrEnum):
    """Who may write a column: actions write SYSTEM columns; only people change USER columns."""

    SYSTEM = "system"
    USER = "user"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    owner: Owner = Owner.SYSTEM
    width: int = 14
    choices: str = ""  # name of a list on the Lists sheet that validates this column
    hidden: bool = False  # DenialDesk's own bookkeeping, not for reading
    wrap: bool = False  # long text wraps within the column's width (rows grow to fit)


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A named Excel table on its own sheet, with a key column that identifies each row."""

    sheet: str
    name: str
    key: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def user_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.owner is Owner.USER)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


class Col:
    """Column names, shared by every table that carries the same fact."""

    CLAIM_KEY = "Claim Key"
    CLAIM_ID = "Claim ID"
    PAYER = "Payer"
    PAYER_ID = "Payer ID"
    PAYER_CLAIM_NUMBER = "Payer Claim Number"
    PATIENT = "Patient"
    MEMBER_ID = "Member ID"
    SERVICE_DATE = "Service Date"
    BILLED = "Billed"
    PAID = "Paid"
    FIRST_STATUS = "First Status"
    FIRST_PAID = "First Paid"
    FIRST_REMIT_DATE = "First Remit Date"
    INITIALLY_DENIED = "Initially Denied"
    INITIAL_DENIED_AMOUNT = "Initial Denied Amount"
    LATEST_STATUS = "Latest Status"
    LATEST_PAID = "Latest Paid"
    PATIENT_RESPONSIBILITY = "Patient Responsibility"
    LAST_REMIT_DATE = "Last Remit Date"
    ADJUDICATIONS = "Adjudications"
    LINE_PAYMENTS = "Line Payments"
    REVERSED_ON = "Reversed On"
    FINDINGS = "Findings"
    SOURCE_FILE = "Source File"
    NOTES = "Notes"

    DENIAL_ID = "Denial ID"
    PROCEDURE = "Procedure"
    LINE = "Line"
    LEVEL = "Level"
    DENIED_AMOUNT = "Denied Amount"
    GROUP = "Group"
    CARC = "CARC"
    RARC = "RARC"
    CLAIM_STATUS = "Claim Status"
    REMIT_DATE = "Remit Date"
    PRODUCTION_DATE = "Remit Produced On"  # DTM*405: the notice date appeal clocks start from
    CHECK_NUMBER = "Check Number"
    LAST_DENIED_ON = "Last Denied On"
    TIMES_DENIED = "Times Denied"
    RESOLUTION = "Resolution"
    RECOVERED_AMOUNT = "Recovered Amount"
    RESOLVED_ON = "Resolved On"
    STATUS = "Status"
    OWNER = "Owner"
    # classification and priority (Classify & Prioritize)
    CATEGORY = "Category"
    TYPE = "Type"
    STAGE = "Stage"
    NATURE = "Nature"
    ACTION = "Action"
    CHECKLIST = "Checklist"
    RULE = "Rule"
    APPEAL_DEADLINE = "Appeal Deadline"
    REMEDY = "Remedy"  # addin.remedies.Remedy, as its label
    APPEALABLE = "Appealable"
    CORRECTED_CLAIM_DEADLINE = "Corrected Claim Deadline"
    DEADLINE_RULE = "Deadline Rule"  # the rule and the start date each deadline used
    DAYS_LEFT = "Days Left"
    CHANCE_OF_OVERTURN = "Chance Of Overturn"
    PRIORITY_SCORE = "Priority Score"
    PRIORITY_REASON = "Priority Reason"
    RANK = "Rank"
    SUGGESTED_OWNER = "Suggested Owner"
    FOLLOW_UP_DATE = "Follow-up Date"
    APPEAL_SENT_ON = "Appeal Sent On"
    AS_QUEUED = "As Queued"  # Work Queue: Owner, Status, Follow-up as Classify wrote them
    CLOSED_ON = "Closed On"
    # appeal letters (Generate Appeal Letters)
    LETTER_WANTED = "Letter?"
    LETTER = "Letter"
    LETTER_GENERATED_ON = "Letter Generated On"
    LETTER_STATUS = "Letter Status"  # Draft — needs input (n open fields) / Ready
    CODES = "Codes"  # Work Queue: group + CARC + RARCs, e.g. "CO-16 + MA130 + N290"

    REMIT_KEY = "Remit Key"
    FILE = "File"
    FILE_SHA256 = "File SHA256"
    TRANSACTION = "Transaction"
    METHOD = "Method"
    PAYMENT_AMOUNT = "Payment Amount"
    PAYMENT_DATE = "Payment Date"
    CLAIMS = "Claims"
    NEW_DENIALS = "New Denials"
    RESOLVED_DENIALS = "Resolved Denials"
    IMPORTED_AT = "Imported At"

    PAYER_IDS = "Payer IDs"
    MATCH_NAMES = "Match Names"  # name patterns that pick this row (payer id + name decide)
    PLAN_TYPE = "Plan Type"
    TIMELY_FILING_DAYS = "Timely Filing Days"
    APPEAL_WINDOW_DAYS = "Appeal Window Days"
    APPEAL_CLOCK = "Appeal Window Counts From"
    APPEAL_ADDRESS = "Appeal Address"
    APPEAL_FAX = "Appeal Fax"
    APPEAL_PORTAL = "Appeal Portal"
    TIMELY_FILING_CLOCK = "Timely Filing Counts From"
    LETTER_TEMPLATE = "Letter Template"
    CONTRACTED = "Contracted"  # Yes/No: the practice has a contract with this payer
    PROFILE = "Profile"

    CODE_TYPE = "Code Type"
    CODE = "Code"
    CATEGORY_OVERRIDE = "Category Override"
    IS_DENIAL = "Is Denial"

    WHEN = "When"
    USER = "User"
    ACTION_NAME = "Did"
    CHANGES = "Changes"
    FILES = "Files"
    VERSION = "DenialDesk Version"

    SETTING = "Setting"
    VALUE = "Value"
    DESCRIPTION = "Description"

    # Claim Check (pre-submission check of outgoing 837s)
    CHECK_ROW = "Check Row"
    RISK = "Risk"
    FLAGS = "Flags"
    WHY = "Why"
    EVIDENCE = "Evidence"
    CHECKED_ON = "Checked On"

    # The claim ledger: what was submitted (837) and what the front end answered (999/277CA)
    SUBMITTED_ON = "Submitted On"
    RESUBMITTED_ON = "Resubmitted On"
    SUBMISSIONS = "Submissions"
    ORIGINAL_CLAIM_NUMBER = "Original Claim Number"  # REF*F8 of a replacement (frequency 7)
    CLAIM_TYPE = "Claim Type"  # 837P or 837I
    SUBMITTED_LINES = "Submitted Lines"
    DIAGNOSES = "Diagnoses"
    PLACE_OF_SERVICE = "Place Of Service"
    BILLING_NPI = "Billing NPI"
    RENDERING_NPI = "Rendering NPI"
    PRIOR_AUTH = "Prior Auth"
    REFERRAL = "Referral"
    FRONT_END_STATUS = "Front-End Status"
    FRONT_END_REASON = "Front-End Reason"
    FIRST_RESPONSE_ON = "First Response On"
    DAYS_WITHOUT_RESPONSE = "Days Without Response"
    SUBMISSION_LOG = "Submission Log"
    ACK_LOG = "Acknowledgment Log"
    # Follow-up (submitted claims no payer has answered, front-end rejections to resubmit)
    FILING_DEADLINE = "Filing Deadline"
    NEXT_STEP = "Next Step"
    SOURCE = "Source"


def _sys(name: str, kind: Kind = Kind.TEXT, width: int = 14) -> Column:
    return Column(name, kind, Owner.SYSTEM, width)


def _user(name: str, kind: Kind = Kind.TEXT, width: int = 14, choices: str = "") -> Column:
    return Column(name, kind, Owner.USER, width, choices)


CLAIMS = TableSpec(
    "Claims",
    "tblClaims",
    Col.CLAIM_KEY,
    (
        _sys(Col.CLAIM_KEY, width=14),
        _sys(Col.CLAIM_ID, width=18),
        _sys(Col.PAYER, width=28),
        _sys(Col.PAYER_ID, width=12),
        _sys(Col.PAYER_CLAIM_NUMBER, width=20),
        _sys(Col.PATIENT, width=22),
        _sys(Col.MEMBER_ID, width=14),
        _sys(Col.SERVICE_DATE, Kind.DATE, 12),
        _sys(Col.BILLED, Kind.MONEY, 12),
        _sys(Col.FIRST_STATUS, width=16),
        _sys(Col.FIRST_PAID, Kind.MONEY, 12),
        _sys(Col.FIRST_REMIT_DATE, Kind.DATE, 12),
        _sys(Col.INITIALLY_DENIED, width=10),
        _sys(Col.INITIAL_DENIED_AMOUNT, Kind.MONEY, 12),
        _sys(Col.LATEST_STATUS, width=16),
        _sys(Col.LATEST_PAID, Kind.MONEY, 12),
        _sys(Col.PATIENT_RESPONSIBILITY, Kind.MONEY, 12),
        _sys(Col.LAST_REMIT_DATE, Kind.DATE, 12),
        _sys(Col.ADJUDICATIONS, Kind.INT, 8),
        _sys(Col.REVERSED_ON, Kind.DATE, 12),
        _sys(Col.FINDINGS, width=40),
        _sys(Col.SOURCE_FILE, width=28),
        _sys(Col.LINE_PAYMENTS, width=30),
        _sys(Col.SUBMITTED_ON, Kind.DATE, 12),
        _sys(Col.RESUBMITTED_ON, Kind.DATE, 12),
        _sys(Col.SUBMISSIONS, Kind.INT, 8),
        _sys(Col.ORIGINAL_CLAIM_NUMBER, width=18),
        _sys(Col.CLAIM_TYPE, width=8),
        _sys(Col.SUBMITTED_LINES, width=40),
        _sys(Col.DIAGNOSES, width=18),
        _sys(Col.PLACE_OF_SERVICE, width=8),
        _sys(Col.BILLING_NPI, width=12),
        _sys(Col.RENDERING_NPI, width=12),
        _sys(Col.PRIOR_AUTH, width=14),
        _sys(Col.REFERRAL, width=14),
        _sys(Col.FRONT_END_STATUS, width=14),
        _sys(Col.FRONT_END_REASON, width=40),
        _sys(Col.FIRST_RESPONSE_ON, Kind.DATE, 12),
        _sys(Col.DAYS_WITHOUT_RESPONSE, Kind.INT, 8),
        Column(Col.SUBMISSION_LOG, Kind.TEXT, Owner.SYSTEM, 20, hidden=True),
        Column(Col.ACK_LOG, Kind.TEXT, Owner.SYSTEM, 20, hidden=True),
        _user(Col.NOTES, width=30),
    ),
)

DENIALS = TableSpec(
    "Denials",
    "tblDenials",
    Col.DENIAL_ID,
    (
        _sys(Col.DENIAL_ID, width=14),
        _sys(Col.CLAIM_KEY, width=14),
        _sys(Col.CLAIM_ID, width=18),
        _sys(Col.PAYER, width=28),
        _sys(Col.PAYER_ID, width=12),
        _sys(Col.PATIENT, width=22),
        _sys(Col.MEMBER_ID, width=14),
        _sys(Col.SERVICE_DATE, Kind.DATE, 12),
        _sys(Col.PROCEDURE, width=12),
        _sys(Col.LEVEL, width=7),
        _sys(Col.LINE, Kind.INT, 6),
        _sys(Col.BILLED, Kind.MONEY, 12),
        _sys(Col.PAID, Kind.MONEY, 12),
        _sys(Col.DENIED_AMOUNT, Kind.MONEY, 12),
        _sys(Col.GROUP, width=7),
        _sys(Col.CARC, width=7),
        _sys(Col.RARC, width=12),
        _sys(Col.DESCRIPTION, width=40),
        _sys(Col.CATEGORY, width=18),
        _sys(Col.IS_DENIAL, width=8),
        _sys(Col.TYPE, width=7),
        _sys(Col.STAGE, width=10),
        _sys(Col.NATURE, width=14),
        _sys(Col.ACTION, width=50),
        _sys(Col.CHECKLIST, width=50),
        _sys(Col.RULE, width=24),
        _sys(Col.CLAIM_STATUS, width=16),
        _sys(Col.PAYER_CLAIM_NUMBER, width=20),
        _sys(Col.REMIT_DATE, Kind.DATE, 12),
        _sys(Col.PRODUCTION_DATE, Kind.DATE, 12),
        _sys(Col.CHECK_NUMBER, width=16),
        _sys(Col.SOURCE_FILE, width=28),
        _sys(Col.LAST_DENIED_ON, Kind.DATE, 12),
        _sys(Col.TIMES_DENIED, Kind.INT, 8),
        _sys(Col.PLAN_TYPE, width=18),
        _sys(Col.REMEDY, width=16),
        _sys(Col.APPEALABLE, width=8),
        _sys(Col.APPEAL_DEADLINE, Kind.DATE, 12),
        _sys(Col.CORRECTED_CLAIM_DEADLINE, Kind.DATE, 12),
        _sys(Col.DEADLINE_RULE, width=40),
        _sys(Col.DAYS_LEFT, Kind.INT, 8),
        _sys(Col.CHANCE_OF_OVERTURN, Kind.PERCENT, 10),
        _sys(Col.PRIORITY_SCORE, Kind.NUMBER, 10),
        _sys(Col.PRIORITY_REASON, width=40),
        _sys(Col.RANK, Kind.INT, 7),
        _sys(Col.SUGGESTED_OWNER, width=16),
        _sys(Col.RESOLUTION, width=16),
        _sys(Col.RECOVERED_AMOUNT, Kind.MONEY, 12),
        _sys(Col.RESOLVED_ON, Kind.DATE, 12),
        _sys(Col.LETTER, Kind.LINK, 30),
        _sys(Col.LETTER_GENERATED_ON, Kind.DATE, 12),
        # Letters writes "Draft — needs input (n open fields)"; a person sets Ready.
        _user(Col.LETTER_STATUS, width=20, choices="LetterStatuses"),
        _user(Col.STATUS, width=18, choices="Statuses"),
        _user(Col.OWNER, width=16, choices="Owners"),
        _user(Col.FOLLOW_UP_DATE, Kind.DATE, 12),
        _user(Col.APPEAL_SENT_ON, Kind.DATE, 12),
        _user(Col.CLOSED_ON, Kind.DATE, 12),
        _user(Col.CATEGORY_OVERRIDE, width=18, choices="Categories"),
        _user(Col.LETTER_WANTED, width=8, choices="YesNo"),
        _user(Col.NOTES, width=30),
    ),
)

WORK_QUEUE = TableSpec(
    "Work Queue",
    "tblWorkQueue",
    Col.DENIAL_ID,
    (
        # Who and which claim: frozen at the left (SHEET_SETUPS), a claim's lines together.
        # Rank … Status is what a biller works from on paper: the printed columns, narrow
        # enough (1,627 px at 100 %) to print one landscape page wide at about 62 %; text
        # that is longer wraps (the row is as tall as its Action anyway).
        _sys(Col.RANK, Kind.INT, 6),
        _sys(Col.CLAIM_ID, width=13),
        Column(Col.PATIENT, Kind.TEXT, Owner.SYSTEM, 16, wrap=True),
        _sys(Col.MEMBER_ID, width=13),
        Column(Col.PAYER, Kind.TEXT, Owner.SYSTEM, 16, wrap=True),
        _sys(Col.PAYER_CLAIM_NUMBER, width=17),
        _sys(Col.SERVICE_DATE, Kind.DATE, 11),
        _sys(Col.PROCEDURE, width=9),
        _sys(Col.DENIED_AMOUNT, Kind.MONEY, 10),
        # Why and what to do, by when.
        Column(Col.CODES, Kind.TEXT, Owner.SYSTEM, 14, wrap=True),
        Column(Col.ACTION, Kind.TEXT, Owner.SYSTEM, 40, wrap=True),
        Column(Col.REMEDY, Kind.TEXT, Owner.SYSTEM, 14, wrap=True),
        _sys(Col.APPEAL_DEADLINE, Kind.DATE, 11),
        _sys(Col.CORRECTED_CLAIM_DEADLINE, Kind.DATE, 11),
        _sys(Col.DAYS_LEFT, Kind.INT, 6),
        # A person may edit these three here: Classify copies the edits to Denials.
        Column(Col.STATUS, Kind.TEXT, Owner.SYSTEM, 14, choices="Statuses", wrap=True),
        # Past the printed columns: on screen only.
        Column(Col.OWNER, Kind.TEXT, Owner.SYSTEM, 16, choices="Owners"),
        _sys(Col.FOLLOW_UP_DATE, Kind.DATE, 11),
        _sys(Col.CATEGORY, width=18),
        _sys(Col.LETTER_STATUS, width=18),  # blank until Letters writes Denials' Letter Status
        _sys(Col.LETTER, Kind.LINK, 24),
        _sys(Col.PRIORITY_SCORE, Kind.NUMBER, 9),
        _sys(Col.PRIORITY_REASON, width=40),
        _sys(Col.DENIAL_ID, width=14),
        Column(Col.AS_QUEUED, Kind.TEXT, Owner.SYSTEM, 12, hidden=True),
    ),
)

REMITS = TableSpec(
    "Remits",
    "tblRemits",
    Col.REMIT_KEY,
    (
        _sys(Col.REMIT_KEY, width=14),
        _sys(Col.FILE, width=32),
        _sys(Col.FILE_SHA256, width=16),
        _sys(Col.TRANSACTION, width=10),
        _sys(Col.PAYER, width=28),
        _sys(Col.PAYER_ID, width=12),
        _sys(Col.CHECK_NUMBER, width=18),
        _sys(Col.METHOD, width=8),
        _sys(Col.PAYMENT_AMOUNT, Kind.MONEY, 14),
        _sys(Col.PAYMENT_DATE, Kind.DATE, 12),
        _sys(Col.CLAIMS, Kind.INT, 8),
        _sys(Col.NEW_DENIALS, Kind.INT, 8),
        _sys(Col.RESOLVED_DENIALS, Kind.INT, 8),
        _sys(Col.FINDINGS, width=50),
        _sys(Col.IMPORTED_AT, Kind.DATETIME, 17),
        _user(Col.NOTES, width=30),
    ),
)

PAYERS = TableSpec(
    "Payers",
    "tblPayers",
    Col.PAYER,
    (
        _user(Col.PAYER, width=34),
        _user(Col.PAYER_IDS, width=16),
        _user(Col.MATCH_NAMES, width=30),
        _user(Col.PLAN_TYPE, width=18),
        _user(Col.TIMELY_FILING_DAYS, Kind.INT, 10),
        _user(Col.TIMELY_FILING_CLOCK, width=22),
        _user(Col.APPEAL_WINDOW_DAYS, Kind.INT, 10),
        _user(Col.APPEAL_CLOCK, width=24),
        _user(Col.APPEAL_ADDRESS, width=40),
        _user(Col.APPEAL_FAX, width=14),
        _user(Col.APPEAL_PORTAL, width=30),
        _user(Col.LETTER_TEMPLATE, width=20),
        _user(Col.CONTRACTED, width=10, choices="YesNo"),
        _sys(Col.PROFILE, width=24),
        _user(Col.NOTES, width=50),
    ),
)

CODES = TableSpec(
    "Codes",
    "tblCodes",
    Col.CODE,
    (
        _user(Col.CODE_TYPE, width=10),
        _user(Col.CODE, width=10),
        _user(Col.GROUP, width=7),
        _user(Col.DESCRIPTION, width=60),
        _user(Col.CATEGORY, width=20, choices="Categories"),
        _user(Col.IS_DENIAL, width=9),
        _user(Col.TYPE, width=7),
        _user(Col.STAGE, width=10),
        _user(Col.NATURE, width=14),
        _user(Col.ACTION, width=50),
        _user(Col.CHECKLIST, width=50),
        _user(Col.NOTES, width=40),
    ),
)

SETTINGS = TableSpec(
    "Settings",
    "tblSettings",
    Col.SETTING,
    (
        _sys(Col.SETTING, width=28),
        _user(Col.VALUE, width=40),
        _sys(Col.DESCRIPTION, width=80),
    ),
)

AUDIT = TableSpec(
    "Audit",
    "tblAudit",
    Col.WHEN,
    (
        _sys(Col.WHEN, Kind.DATETIME, 17),
        _sys(Col.USER, width=16),
        _sys(Col.ACTION_NAME, width=22),
        _sys(Col.CHANGES, width=70),
        _sys(Col.FILES, width=50),
        _sys(Col.VERSION, width=10),
    ),
)

# Written by Check Claims when it first runs (not part of a new tracker until then).
CLAIM_CHECK = TableSpec(
    "Claim Check",
    "tblClaimCheck",
    Col.CHECK_ROW,
    (
        _sys(Col.CHECK_ROW, Kind.INT, 6),
        _sys(Col.RISK, Kind.INT, 6),
        _sys(Col.CLAIM_ID, width=18),
        _sys(Col.PAYER, width=26),
        _sys(Col.SERVICE_DATE, Kind.DATE, 12),
        _sys(Col.BILLED, Kind.MONEY, 12),
        _sys(Col.FLAGS, width=24),
        _sys(Col.WHY, width=80),
        _sys(Col.EVIDENCE, width=60),
        _sys(Col.FILE, width=24),
        _sys(Col.CHECKED_ON, Kind.DATE, 12),
    ),
)

# Rebuilt by Import and Classify once the tracker has submitted claims (837s).
FOLLOW_UP = TableSpec(
    "Follow-up",
    "tblFollowUp",
    Col.CLAIM_KEY,
    (
        _sys(Col.RANK, Kind.INT, 6),
        _sys(Col.CLAIM_KEY, width=14),
        _sys(Col.CLAIM_ID, width=16),
        _sys(Col.PAYER, width=24),
        _sys(Col.PATIENT, width=20),
        _sys(Col.SERVICE_DATE, Kind.DATE, 12),
        _sys(Col.BILLED, Kind.MONEY, 12),
        _sys(Col.SUBMITTED_ON, Kind.DATE, 12),
        _sys(Col.FRONT_END_STATUS, width=14),
        _sys(Col.FRONT_END_REASON, width=40),
        _sys(Col.DAYS_WITHOUT_RESPONSE, Kind.INT, 8),
        _sys(Col.FILING_DEADLINE, Kind.DATE, 12),
        _sys(Col.DAYS_LEFT, Kind.INT, 8),
        _sys(Col.DEADLINE_RULE, width=40),
        _sys(Col.NEXT_STEP, width=60),
        _sys(Col.SOURCE, width=40),
        # Owner may be changed here by a person: the next refresh keeps it for the claim.
        Column(Col.OWNER, Kind.TEXT, Owner.SYSTEM, 16, choices="Owners"),
        _user(Col.NOTES, width=30),
    ),
)

TABLES: tuple[TableSpec, ...] = (
    WORK_QUEUE,
    DENIALS,
    CLAIMS,
    REMITS,
    PAYERS,
    CODES,
    SETTINGS,
    AUDIT,
)

# The columns each table had when it first shipped: a tracker of any DenialDesk version has
# them all. Any later layout column may be missing from an older tracker, and is added blank
# (ADDED_LATER, computed, so a column added to the layout needs no list kept by hand). A
# first-release column that is missing was renamed or removed by a person, and DenialDesk
# refuses to write until it is put back (a blank copy would silently lose what it held).
FIRST_RELEASE_COLUMNS: dict[str, frozenset[str]] = {
    CLAIMS.name: frozenset(
        {
            Col.CLAIM_KEY,
            Col.CLAIM_ID,
            Col.PAYER,
            Col.PAYER_ID,
            Col.PAYER_CLAIM_NUMBER,
            Col.PATIENT,
            Col.MEMBER_ID,
            Col.SERVICE_DATE,
            Col.BILLED,
            Col.FIRST_STATUS,
            Col.FIRST_PAID,
            Col.FIRST_REMIT_DATE,
            Col.INITIALLY_DENIED,
            Col.INITIAL_DENIED_AMOUNT,
            Col.LATEST_STATUS,
            Col.LATEST_PAID,
            Col.PATIENT_RESPONSIBILITY,
            Col.LAST_REMIT_DATE,
            Col.ADJUDICATIONS,
            Col.REVERSED_ON,
            Col.FINDINGS,
            Col.SOURCE_FILE,
            Col.NOTES,
        }
    ),
    DENIALS.name: frozenset(
        {
            Col.DENIAL_ID,
            Col.CLAIM_KEY,
            Col.CLAIM_ID,
            Col.PAYER,
            Col.PAYER_ID,
            Col.PATIENT,
            Col.MEMBER_ID,
            Col.SERVICE_DATE,
            Col.PROCEDURE,
            Col.LEVEL,
            Col.LINE,
            Col.BILLED,
            Col.PAID,
            Col.DENIED_AMOUNT,
            Col.GROUP,
            Col.CARC,
            Col.RARC,
            Col.CLAIM_STATUS,
            Col.PAYER_CLAIM_NUMBER,
            Col.REMIT_DATE,
            Col.CHECK_NUMBER,
            Col.SOURCE_FILE,
            Col.LAST_DENIED_ON,
            Col.TIMES_DENIED,
            Col.RESOLUTION,
            Col.RECOVERED_AMOUNT,
            Col.RESOLVED_ON,
            Col.STATUS,
            Col.OWNER,
            Col.NOTES,
        }
    ),
    REMITS.name: frozenset(
        {
            Col.REMIT_KEY,
            Col.FILE,
            Col.FILE_SHA256,
            Col.TRANSACTION,
            Col.PAYER,
            Col.PAYER_ID,
            Col.CHECK_NUMBER,
            Col.METHOD,
            Col.PAYMENT_AMOUNT,
            Col.PAYMENT_DATE,
            Col.CLAIMS,
            Col.NEW_DENIALS,
            Col.RESOLVED_DENIALS,
            Col.FINDINGS,
            Col.IMPORTED_AT,
            Col.NOTES,
        }
    ),
    PAYERS.name: frozenset(
        {
            Col.PAYER,
            Col.PAYER_IDS,
            Col.PLAN_TYPE,
            Col.TIMELY_FILING_DAYS,
            Col.APPEAL_WINDOW_DAYS,
            Col.APPEAL_CLOCK,
            Col.APPEAL_ADDRESS,
            Col.APPEAL_FAX,
            Col.APPEAL_PORTAL,
            Col.NOTES,
        }
    ),
    CODES.name: frozenset(
        {Col.CODE_TYPE, Col.CODE, Col.DESCRIPTION, Col.CATEGORY_OVERRIDE, Col.NOTES}
    ),
    SETTINGS.name: frozenset({Col.SETTING, Col.VALUE, Col.DESCRIPTION}),
    WORK_QUEUE.name: frozenset(
        {
            Col.RANK,
            Col.DENIAL_ID,
            Col.CLAIM_ID,
            Col.PAYER,
            Col.PATIENT,
            Col.SERVICE_DATE,
            Col.DENIED_AMOUNT,
            Col.CARC,
            Col.CATEGORY,
            Col.ACTION,
            Col.APPEAL_DEADLINE,
            Col.DAYS_LEFT,
            Col.OWNER,
            Col.STATUS,
            Col.FOLLOW_UP_DATE,
            Col.PRIORITY_SCORE,
            Col.PRIORITY_REASON,
        }
    ),
    AUDIT.name: frozenset(
        {Col.WHEN, Col.USER, Col.ACTION_NAME, Col.CHANGES, Col.FILES, Col.VERSION}
    ),
}
ADDED_LATER: dict[str, frozenset[str]] = {
    spec.name: frozenset(spec.column_names) - FIRST_RELEASE_COLUMNS[spec.name] for spec in TABLES
}


@dataclass(frozen=True, slots=True)
class SheetSetup:
    """How a sheet people read on screen and print is set up, for every writer to apply.

    `frozen_through`: the last column that stays in view when scrolling right (with the
    header row, or `frozen_rows` rows, when scrolling down); "" freezes rows only.
    Printing: landscape, `fit_width` pages wide (as many pages tall as it takes), and
    `title_rows` (e.g. "1:1") repeated at the top of every printed page; `print_through`:
    the last column printed ("" prints them all) — the print area of a table sheet, on
    narrow margins, with the sheet's name, page number and print date in the footer.
    """

    frozen_through: str = ""
    frozen_rows: int = 1
    landscape: bool = True
    fit_width: int = 1
    title_rows: str = "1:1"
    header_lines: int = 1  # >1: the header row wraps its names (as many lines as they need)
    print_through: str = ""


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: object
    description: str


class S:
    """Setting names (the Setting column of the Settings sheet)."""

    SCHEMA_VERSION = "Schema Version"
    PRACTICE_NAME = "Practice Name"
    PRACTICE_ADDRESS = "Practice Address"
    PRACTICE_CITY_STATE_ZIP = "Practice City, State ZIP"
    PRACTICE_NPI = "Practice NPI"
    PRACTICE_TIN = "Practice TIN"
    PRACTICE_PHONE = "Practice Phone"
    PRACTICE_FAX = "Practice Fax"
    SIGNER_NAME = "Signer Name"
    SIGNER_TITLE = "Signer Title"
    PRACTICE_PTAN = "Practice PTAN"
    PRACTICE_EMAIL = "Practice Email"
    REMITS_INBOX = "Remits Inbox"
    CLAIMS_OUTBOX = "Claims Outbox"
    LETTERS_FOLDER = "Letters Folder"
    LETTER_TEMPLATES_FOLDER = "Letter Templates Folder"
    LETTER_TEMPLATES_BY_CATEGORY = "Letter Templates By Category"
    BACKUPS_TO_KEEP = "Backups To Keep"
    DUE_SOON_DAYS = "Due Soon Days"
    DEFAULT_TIMELY_FILING_DAYS = "Default Timely Filing Days"
    DEFAULT_APPEAL_WINDOW_DAYS = "Default Appeal Window Days"
    DENIAL_RATE_TARGET = "Denial Rate Target"
    STAFF_HOURLY_COST = "Staff Hourly Cost"
    MINUTES_PER_SOFT_DENIAL = "Minutes Per Soft Denial"
    MINUTES_PER_HARD_DENIAL = "Minutes Per Hard Denial"
    # Classify & Prioritize: the score's weights; per-category priors and owners below.
    OVERTURN_HISTORY_WEIGHT = "Overturn History Weight"
    EFFORT_SOFT = "Effort Weight: Soft"
    EFFORT_HARD = "Effort Weight: Hard"
    EFFORT_ADMINISTRATIVE = "Effort Weight: Administrative"
    EFFORT_CLINICAL = "Effort Weight: Clinical"
    URGENCY_HORIZON_DAYS = "Urgency Horizon Days"
    URGENCY_BOOST = "Urgency Boost"
    OVERDUE_FACTOR = "Overdue Factor"
    FOLLOW_UP_AFTER_DAYS = "Follow-up After Days"
    FOLLOW_UP_OWNER = "Follow-up Owner"

    @staticmethod
    def overturn_prior(category: str) -> str:
        """The setting holding a category's prior chance of overturn."""
        return f"Overturn Prior: {category}"

    @staticmethod
    def owner_for(category: str) -> str:
        """The setting naming who works a category's denials unless a person sets Owner."""
        return f"Owner For: {category}"


# Classify & Prioritize. A prior is our estimate of how often a denial of the category is won
# (on appeal or resubmission) before the tracker has its own history: anchored on published
# figures (CHC 2017: 63 % of denials recoverable; Premier: 54 % of private-payer denials
# overturned) and moved up for fixable categories and down for hard ones.
OVERTURN_PRIORS: dict[str, float] = {
    "claim_data": 0.75,
    "coding": 0.65,
    "documentation": 0.65,
    "coordination_of_benefits": 0.65,
    "eligibility": 0.55,
    "bundling": 0.45,
    "authorization": 0.45,
    "medical_necessity": 0.45,
    "pricing": 0.40,
    "other": 0.40,
    "provider_enrollment": 0.35,
    "duplicate": 0.25,
    "timely_filing": 0.20,
    "non_covered": 0.15,
}
OWNER_RULES: dict[str, str] = {
    "eligibility": "Front Desk",
    "coordination_of_benefits": "Front Desk",
    "authorization": "Front Desk",
    "claim_data": "Billing",
    "timely_filing": "Billing",
    "duplicate": "Billing",
    "non_covered": "Billing",
    "other": "Billing",
    "coding": "Coder",
    "bundling": "Coder",
    "medical_necessity": "Clinical Reviewer",
    "documentation": "Clinical Reviewer",
    "provider_enrollment": "Manager",
    "pricing": "Manager",
}
PRIORITY_SETTINGS: tuple[Setting, ...] = (
    Setting(
        S.OVERTURN_HISTORY_WEIGHT,
        10,
        "How many decided denials a category's prior counts as: the chance of overturn is "
        "(won + this × prior) ÷ (decided + this), per payer and category.",
    ),
    Setting(S.EFFORT_SOFT, 1.0, "Score weight of a soft denial (fixed by correcting)."),
    Setting(S.EFFORT_HARD, 0.6, "Score weight of a hard denial (needs a written appeal)."),
    Setting(S.EFFORT_ADMINISTRATIVE, 1.0, "Score weight of an administrative denial."),
    Setting(S.EFFORT_CLINICAL, 0.7, "Score weight of a clinical denial (needs a clinician)."),
    Setting(
        S.URGENCY_HORIZON_DAYS,
        30,
        "Deadlines closer than this many days raise a denial's score, most on the due day.",
    ),
    Setting(S.URGENCY_BOOST, 1.0, "How much a denial due today outweighs one due later (+100%)."),
    Setting(
        S.OVERDUE_FACTOR,
        0.3,
        "Score weight of a denial past its deadline (late appeals are seldom accepted).",
    ),
    *(
        Setting(
            S.overturn_prior(category),
            prior,
            f"Chance of overturn assumed for a {category} denial until the tracker has its "
            "own history for the payer (0–1 or a percentage).",
        )
        for category, prior in OVERTURN_PRIORS.items()
    ),
    *(
        Setting(
            S.owner_for(category),
            owner,
            f"Suggested Owner of {category} denials; an Owner a person sets always stays.",
        )
        for category, owner in OWNER_RULES.items()
    ),
)

SETTING_DEFAULTS: tuple[Setting, ...] = (
    Setting(
        S.SCHEMA_VERSION,
        SCHEMA_VERSION,
        "Version of this workbook's layout. DenialDesk upgrades it; do not edit.",
    ),
    Setting(S.PRACTICE_NAME, "", "Your practice's legal name, as on your payer contracts."),
    Setting(S.PRACTICE_ADDRESS, "", "Street address for the letterhead of appeal letters."),
    Setting(S.PRACTICE_CITY_STATE_ZIP, "", "City, state and ZIP for the letterhead."),
    Setting(S.PRACTICE_NPI, "", "Billing provider NPI (10 digits), printed on appeal letters."),
    Setting(S.PRACTICE_TIN, "", "Tax identification number, printed on appeal letters."),
    Setting(S.PRACTICE_PHONE, "", "Phone number payers should call about an appeal."),
    Setting(S.PRACTICE_FAX, "", "Fax number for the letterhead (optional)."),
    Setting(S.SIGNER_NAME, "", "Who signs appeal letters (name)."),
    Setting(S.SIGNER_TITLE, "", "The signer's title, e.g. Billing Manager."),
    Setting(
        S.PRACTICE_PTAN,
        "",
        "Medicare Provider Transaction Access Number (PTAN), printed on Medicare letters; "
        "blank leaves a field to complete in each Medicare letter.",
    ),
    Setting(S.PRACTICE_EMAIL, "", "Email for questions about an appeal (optional)."),
    Setting(
        S.REMITS_INBOX,
        "Remits Inbox",
        "Folder that Import Remittances reads 835 files from (relative to this workbook).",
    ),
    Setting(
        S.CLAIMS_OUTBOX,
        "Claims Outbox",
        "Folder of 837 claim files about to be sent, that Check Claims scores (relative to "
        "this workbook).",
    ),
    Setting(
        S.LETTERS_FOLDER,
        "letters",
        "Folder appeal letters are written to (relative to this workbook).",
    ),
    Setting(
        S.LETTER_TEMPLATES_FOLDER,
        "Letter Templates",
        "Folder of your own Word letter templates (relative to this workbook). A file named "
        "like a built-in one (e.g. appeal_coding.docx) replaces it; see `denialdesk letters "
        "--list-templates`.",
    ),
    Setting(
        S.LETTER_TEMPLATES_BY_CATEGORY,
        "",
        "Your template per denial category, e.g. 'medical_necessity = Our MedNec; coding = "
        "appeal_coding'. Blank: the built-in choice. Payers › Letter Template wins over this.",
    ),
    Setting(
        S.BACKUPS_TO_KEEP,
        10,
        "How many earlier copies of this workbook to keep in the 'DenialDesk Backups' folder.",
    ),
    Setting(
        S.DUE_SOON_DAYS,
        14,
        "Denials whose appeal deadline is this many days away or fewer are highlighted.",
    ),
    Setting(
        S.DEFAULT_TIMELY_FILING_DAYS,
        90,
        "Timely-filing limit used for payers without a profile (conservative).",
    ),
    Setting(
        S.DEFAULT_APPEAL_WINDOW_DAYS,
        60,
        "Appeal window used for payers without a profile (conservative).",
    ),
    Setting(
        S.FOLLOW_UP_AFTER_DAYS,
        30,
        "A submitted claim with no payer answer (remit or rejection) this many days after it "
        "was sent goes on the Follow-up sheet and the Work Queue.",
    ),
    Setting(S.FOLLOW_UP_OWNER, "Billing", "Who follows up unanswered and rejected claims."),
    Setting(
        S.DENIAL_RATE_TARGET,
        0.10,
        "Target initial denial rate for the KPIs sheet (industry range 10–15%).",
    ),
    Setting(
        S.STAFF_HOURLY_COST,
        30.0,
        "Loaded hourly cost of billing staff, for the cost-to-recover KPI.",
    ),
    Setting(
        S.MINUTES_PER_SOFT_DENIAL,
        20.0,
        "Staff minutes to work a soft denial (correct and resubmit), for the cost KPIs.",
    ),
    Setting(
        S.MINUTES_PER_HARD_DENIAL,
        50.0,
        "Staff minutes to work a hard denial (written appeal); unclassified denials count "
        "as hard. ~$25 a claim at $30/h (MGMA rework cost, secondary source).",
    ),
    *PRIORITY_SETTINGS,
)

# Status workflow of a denial (the Status column's drop-down), in the order work moves.
STATUSES: tuple[str, ...] = (
    "New",
    "In Review",
    "Corrected & Resubmitted",
    "Appeal Drafted",
    "Appeal Sent",
    "Won",
    "Lost",
    "Written Off",
)
CLOSED_STATUSES: frozenset[str] = frozenset({"Won", "Lost", "Written Off"})
# Letter Status: a letter with fields a person must complete is a draft; a person marks it
# Ready after editing (a letter drafted with no open field is Ready at once).
LETTER_DRAFT = "Draft — needs input"
LETTER_READY = "Ready"
LETTER_STATUSES: tuple[str, ...] = (LETTER_DRAFT, LETTER_READY)
# How the Work Queue and the KPIs show Classify's Suggested Owner where Owner is blank.
SUGGESTED_MARK = " (suggested)"
# Statuses that say the appeal (or corrected claim) went to the payer.
SENT_STATUSES: frozenset[str] = frozenset({"Appeal Sent", "Corrected & Resubmitted"})
DEFAULT_OWNERS: tuple[str, ...] = ("Front Desk", "Billing", "Coder", "Clinical Reviewer", "Manager")

LISTS_SHEET = "Lists"
CATEGORIES: tuple[str, ...] = (
    "eligibility",
    "authorization",
    "coding",
    "documentation",
    "medical_necessity",
    "timely_filing",
    "duplicate",
    "bundling",
    "coordination_of_benefits",
    "non_covered",
    "provider_enrollment",
    "claim_data",
    "pricing",
    "patient_responsibility",
    "contractual",
    "other",
)
LISTS: dict[str, tuple[str, ...]] = {
    "Statuses": STATUSES,
    "Owners": DEFAULT_OWNERS,
    "Categories": CATEGORIES,
    "YesNo": ("Yes", "No"),
    "LetterStatuses": LETTER_STATUSES,
}
KPIS_SHEET = "KPIs"
# Pivot-style report sheets, rebuilt whole by Refresh KPIs.
BY_PAYER_SHEET = "By Payer"
BY_CATEGORY_SHEET = "By Category"
BY_CARC_SHEET = "By CARC"
BY_MONTH_SHEET = "By Month"
REPORT_SHEETS: tuple[str, ...] = (
    KPIS_SHEET,
    BY_PAYER_SHEET,
    BY_CATEGORY_SHEET,
    BY_CARC_SHEET,
    BY_MONTH_SHEET,
)
ABOUT_SHEET = "About"

# The sheets people print (issue 14): the queue a biller works from, the Denials record, and
# the manager's KPI page (its title and data lines repeat on each page; not frozen, so the
# headline block scrolls with the page's charts).
SHEET_SETUPS: dict[str, SheetSetup] = {
    WORK_QUEUE.sheet: SheetSetup(
        frozen_through=Col.PATIENT, header_lines=2, print_through=Col.STATUS
    ),
    DENIALS.sheet: SheetSetup(frozen_through=Col.CLAIM_ID),
    KPIS_SHEET: SheetSetup(frozen_rows=0, title_rows="1:1"),
}


def sheet_setup(sheet: str) -> SheetSetup | None:
    """The freeze and print setup of a sheet (None: the writer's defaults)."""
    return SHEET_SETUPS.get(sheet)


def freeze_cell(spec: TableSpec, setup: SheetSetup, columns: tuple[str, ...] = ()) -> str:
    """The top-left cell of the scrolling pane ("D2": rows above 2 and columns left of D stay
    in view), for a table whose header is in row 1 and whose columns are `columns` (the
    spec's own order when not given)."""
    names = list(columns or spec.column_names)
    through = names.index(setup.frozen_through) + 1 if setup.frozen_through in names else 0
    return f"{column_letter(through + 1)}{setup.frozen_rows + 1}"


def column_letter(number: int) -> str:
    """1 → A, 27 → AA: a column's letters (openpyxl's get_column_letter, without openpyxl)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


SHEET_ORDER: tuple[str, ...] = (
    ABOUT_SHEET,
    WORK_QUEUE.sheet,
    DENIALS.sheet,
    CLAIMS.sheet,
    REMITS.sheet,
    *REPORT_SHEETS,
    PAYERS.sheet,
    CODES.sheet,
    SETTINGS.sheet,
    AUDIT.sheet,
    LISTS_SHEET,
)

MONEY_FORMAT = "#,##0.00;[Red]-#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0.0%"
NUMBER_FORMATS = {
    Kind.MONEY: MONEY_FORMAT,
    Kind.DATE: DATE_FORMAT,
    Kind.DATETIME: DATETIME_FORMAT,
    Kind.PERCENT: PERCENT_FORMAT,
    Kind.INT: "0",
}
