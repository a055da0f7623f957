"""Payer profiles: matching remits to profiles, and deadlines across the calendar's edge cases."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from addin import payers
from addin.classify import Route
from addin.payers import Clock, Defaults, PayerProfile, ProfileKind, deadline
from addin.plans import PayerDirectory
from addin.workbook.layout import PAYERS, Col
from addin.workbook.openpyxl_book import OpenpyxlBook
from tests.conftest import SHARED

DEFAULTS = Defaults(timely_filing_days=90, appeal_window_days=60)
BUILT_IN = {p.name: p for p in payers.built_in_profiles()}
MEDICARE = BUILT_IN["Medicare (Original Part A/B)"]
FEP = BUILT_IN["BCBS Federal Employee Program (FEP)"]


def test_built_in_profiles_cover_the_research_payers_with_numbers():
    assert len(BUILT_IN) == 26
    for profile in BUILT_IN.values():
        assert profile.complete, profile.name
        assert profile.appeal_window_days > 0
        assert profile.source, f"{profile.name}: every built-in window names its source"
        assert profile.plan is not None, profile.name
    assert MEDICARE.appeal_clock is Clock.RECEIPT and MEDICARE.appeal_window_days == 120
    assert FEP.timely_filing_clock is Clock.YEAR_AFTER_SERVICE


def test_the_product_ships_its_own_file_not_the_research_table():
    research = SHARED / "domain" / "payers.csv"
    if not research.exists():
        pytest.skip("../shared is not present")
    with research.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert "profile" not in rows[0] and "source" in rows[0]  # a different format, our words
    assert len(payers.built_in_profiles()) >= len(rows) - 1  # every researched payer, and more


@pytest.mark.parametrize(
    "payer_id, name, expected",
    [
        ("87726", "SOMETHING ELSE", "UnitedHealthcare"),  # flagged: see below
        ("", "United Healthcare", "UnitedHealthcare"),
        ("", "  unitedhealthcare   insurance company ", "UnitedHealthcare"),
        ("60054", "UNITEDHEALTHCARE", "Aetna"),  # the id decides before the name
        ("", "Medicare Part B", "Medicare (Original Part A/B)"),
        ("", "CIGNA", "Cigna Healthcare"),
        ("", "Anthem Blue Cross & Blue Shield", "Anthem Blue Cross and Blue Shield"),
        ("", "SUNRISE MEDICARE ADVANTAGE", "Medicare Advantage (contracted)"),  # a plan word
        ("", "SUNRISE MEDICARE", "Medicare (Original Part A/B)"),  # whole words only
        ("", "SUNRISEMEDICARE", None),
        ("99999", "ACME HEALTH PLAN", None),
    ],
    ids=["id", "alias", "spacing and case", "id before name", "medicare alias", "cigna",
         "ampersand", "plan word", "whole word", "no substring match", "unknown"],
)  # fmt: skip
def test_remits_match_a_built_in_profile_by_id_then_name(payer_id, name, expected):
    found = PayerDirectory([]).find(payer_id, name)
    assert (found.name if found else None) == expected


# Source: 42 CFR 422.582(a) (Medicare Advantage reconsideration, 65 days) and 42 CFR
# 438.402(c)(2)(ii) (Medicaid managed care, 60 days): one payer id serves several plan lines.
@pytest.mark.parametrize(
    "payer_id, name, expected, plan, unclear",
    [
        ("87726", "UNITEDHEALTHCARE COMMUNITY PLAN", "UnitedHealthcare Community Plan (Medicaid)",
         "Medicaid managed care", False),
        ("87726", "AARP MEDICARE ADVANTAGE", "UnitedHealthcare Medicare Advantage (AARP)",
         "Medicare Advantage", False),
        ("87726", "UNITEDHEALTHCARE MEDICARE ADVANTAGE",
         "UnitedHealthcare Medicare Advantage (AARP)", "Medicare Advantage", False),
        ("61101", "HUMANA MEDICARE", "Humana Medicare Advantage", "Medicare Advantage", False),
        ("87726", "UNITEDHEALTHCARE", "UnitedHealthcare", "Commercial", True),
        ("61101", "HUMANA", "Humana (commercial)", "Commercial", True),
        ("62308", "CIGNA", "Cigna Healthcare", "Commercial", False),
        ("12502", "NOVITAS SOLUTIONS", "Medicare — Novitas Solutions (JL/JH)",
         "Original Medicare", False),
        ("01182", "", "Medicare — Noridian (JE/JF)", "Original Medicare", False),
        ("15202", "CGS ADMINISTRATORS", "Medicare — CGS (J15)", "Original Medicare", False),
        ("09102", "", "Medicare — First Coast (JN)", "Original Medicare", False),
        ("13202", "", "Medicare — National Government Services (J6/JK)", "Original Medicare",
         False),
        ("08202", "", "Medicare — WPS (J5/J8)", "Original Medicare", False),
        ("", "PALMETTO GBA", "Medicare — Palmetto GBA (JJ/JM)", "Original Medicare", False),
    ],
    ids=["uhc community plan", "aarp", "uhc medicare", "humana medicare", "uhc brand only",
         "humana brand only", "cigna one line", "novitas", "noridian", "cgs", "first coast",
         "ngs", "wps", "palmetto by name"],
)  # fmt: skip
def test_a_remit_is_matched_to_its_plan_by_id_and_name(payer_id, name, expected, plan, unclear):
    match = PayerDirectory([]).match(payer_id, name)
    assert match.profile.name == expected
    assert match.plan.value == plan
    assert match.ambiguous is unclear
    if unclear:  # never silently commercial: the note says so, and names the other lines
        assert "Plan unclear" in match.note and "Medicare Advantage" in match.note


def test_rows_of_different_plans_that_tie_are_flagged_not_resolved():
    a = PayerProfile("Plan A", ("55555",), plan_type="Commercial", appeal_window_days=180)
    b = PayerProfile("Plan B", ("55555",), plan_type="Medicaid MCO", appeal_window_days=60)
    match = PayerDirectory([a, b], built_in=[]).match("55555", "SOME PAYER")
    assert match.ambiguous and match.ambiguous_with[0].name == "Plan B"
    same = PayerProfile("Plan C", ("55555",), plan_type="Commercial", appeal_window_days=90)
    assert not PayerDirectory([a, same], built_in=[]).match("55555", "X").ambiguous


def test_the_practice_row_wins_and_a_built_in_is_used_as_the_sheet_has_it():
    edited_uhc = PayerProfile("UnitedHealthcare", ("87726",), appeal_window_days=90)
    own = PayerProfile("Acme Health Plan", ("99101", "87726"), appeal_window_days=30)
    directory = PayerDirectory([own, edited_uhc])
    assert directory.find("87726", "ACME").name == "Acme Health Plan"  # the practice's row
    assert directory.find("87726", "UHC").name == "UnitedHealthcare"  # id and name beat id
    assert directory.find("", "UHC").appeal_window_days == 90  # the built-in, as edited
    assert directory.find("", "UHC").payer_ids == ("87726",)
    assert directory.find("", "acme health plan") is own


@pytest.mark.parametrize(
    "profile, kind",
    [
        (MEDICARE, ProfileKind.BUILT_IN),
        (PayerProfile(MEDICARE.name, timely_filing_days=365, appeal_window_days=90,
                      appeal_clock=Clock.RECEIPT), ProfileKind.BUILT_IN_EDITED),
        (PayerProfile("Acme", timely_filing_days=120, appeal_window_days=90), ProfileKind.PRACTICE),
        (PayerProfile("Acme", timely_filing_days=120), ProfileKind.DEFAULT),
        (PayerProfile("Acme", appeal_window_days=90), ProfileKind.DEFAULT),
    ],
    ids=["built-in", "built-in edited", "practice", "no appeal window", "no filing limit"],
)  # fmt: skip
def test_profile_column_says_where_the_limits_come_from(profile, kind):
    assert PayerDirectory([profile]).kind(profile) is kind


@pytest.mark.parametrize(
    "text, fallback, clock",
    [
        ("from DOS", Clock.REMIT_DATE, Clock.SERVICE_DATE),
        ("date of service", Clock.REMIT_DATE, Clock.SERVICE_DATE),
        ("from receipt of the EOB", Clock.REMIT_DATE, Clock.RECEIPT),
        ("from date of EOB/PRA", Clock.SERVICE_DATE, Clock.REMIT_DATE),
        ("until Dec 31 of the year after the year of service", Clock.REMIT_DATE,
         Clock.YEAR_AFTER_SERVICE),
        ("", Clock.REMIT_DATE, Clock.REMIT_DATE),
        ("per contract", Clock.SERVICE_DATE, Clock.SERVICE_DATE),
    ],
    ids=["DOS", "service", "receipt", "EOB", "year after", "blank", "unreadable"],
)  # fmt: skip
def test_counts_from_is_read_from_plain_words(text, fallback, clock):
    assert payers.parse_clock(text, fallback) is clock


# Each: profile, route, denied on, service date → due date (and a word of the basis).
DEADLINES = [
    ("medicare appeal from receipt, July 4 weekend", MEDICARE, Route.APPEAL,
     date(2026, 3, 2), date(2026, 2, 10), date(2026, 7, 2), "receipt"),
    ("medicare corrected claim: one year from service", MEDICARE, Route.RESUBMIT,
     date(2026, 3, 2), date(2026, 2, 10), date(2027, 2, 10), "service"),
    ("leap day service date", MEDICARE, Route.RESUBMIT,
     date(2028, 3, 15), date(2028, 2, 29), date(2029, 2, 28), "service"),
    ("365 days across a leap day", MEDICARE, Route.RESUBMIT,
     date(2027, 4, 1), date(2027, 3, 10), date(2028, 3, 9), "service"),
    ("FEP: Dec 31 of next year is New Year's observed", FEP, Route.RESUBMIT,
     date(2026, 5, 1), date(2026, 3, 10), date(2027, 12, 30), "Dec 31"),
    ("FEP: Dec 31 on a Sunday", FEP, Route.RESUBMIT,
     date(2027, 7, 1), date(2027, 6, 1), date(2028, 12, 29), "moved back"),
    ("default window ends on a Saturday", None, Route.APPEAL,
     date(2026, 4, 7), date(2026, 3, 1), date(2026, 6, 5), "default"),
    ("default window ends on New Year's Day", None, Route.SEND_RECORDS,
     date(2026, 11, 2), date(2026, 10, 1), date(2026, 12, 31), "default"),
    ("no service date: counted from the remit", None, Route.RESUBMIT,
     date(2026, 6, 1), None, date(2026, 8, 28), "remit"),
    ("other payer: the default filing limit", MEDICARE, Route.BILL_OTHER_PAYER,
     date(2026, 6, 1), date(2026, 5, 4), date(2026, 7, 31), "new payer"),
    ("profile without a window uses the default", PayerProfile("X", timely_filing_days=120),
     Route.APPEAL, date(2026, 6, 1), date(2026, 5, 4), date(2026, 7, 31), "default"),
]  # fmt: skip


@pytest.mark.parametrize(
    "profile, route, denied_on, service_date, due, word",
    [row[1:] for row in DEADLINES],
    ids=[row[0] for row in DEADLINES],
)
def test_deadline(profile, route, denied_on, service_date, due, word):
    found = deadline(
        profile, route, denied_on=denied_on, service_date=service_date, defaults=DEFAULTS
    )
    assert found.due == due
    assert found.due.weekday() < 5
    assert word in found.basis


@pytest.mark.parametrize(
    "route, denied_on, service_date",
    [
        (Route.NONE, date(2026, 6, 1), date(2026, 5, 1)),
        (Route.BILL_PATIENT, date(2026, 6, 1), date(2026, 5, 1)),
        (Route.APPEAL, None, date(2026, 5, 1)),
        (Route.RESUBMIT, None, None),
    ],
    ids=["nothing to do", "patient's bill", "no remit date", "no dates"],
)
def test_no_deadline_when_nothing_is_due_or_no_date_is_known(route, denied_on, service_date):
    assert (
        deadline(MEDICARE, route, denied_on=denied_on, service_date=service_date, defaults=DEFAULTS)
        is None
    )


def test_a_new_tracker_lists_the_built_in_profiles_on_payers(tracker):
    frame = OpenpyxlBook.open(tracker).read_table(PAYERS)
    assert list(frame[Col.PAYER]) == list(BUILT_IN)
    assert set(frame[Col.PROFILE]) == {ProfileKind.BUILT_IN.value}
    uhc = frame[frame[Col.PAYER] == "UnitedHealthcare"].iloc[0]
    assert (uhc[Col.PAYER_IDS], uhc[Col.TIMELY_FILING_DAYS], uhc[Col.APPEAL_WINDOW_DAYS]) == (
        "87726",
        90,
        365,
    )
    directory = PayerDirectory(payers.profile_from_row(r) for r in frame.to_dict("records"))
    assert all(
        directory.kind(directory.find("", name)) is ProfileKind.BUILT_IN for name in BUILT_IN
    )
