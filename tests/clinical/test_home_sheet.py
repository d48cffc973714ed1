"""The home sheet: session time, the tick sheet, the pain rule and when to seek help."""

from __future__ import annotations

import re

import pandas as pd

from workbook import PatientProfile, generate_routine
from workbook.clinical.home_sheet import home_sheet, session_seconds
from workbook.clinical.redflags import red_flags_table

THERAPIST_WORDS = re.compile(r"\b(patients?|workbook|MDC|MCID|referral|pathology)\b", re.I)
PROFILE = PatientProfile(
    age=72,
    activity="sedentary",
    floor_transfer=False,
    kneeling="painful",
    conditions={"spinal_stenosis", "sciatica"},
    sex="female",
)


def test_session_time_counts_every_hold_each_side_and_getting_into_position():
    table = pd.DataFrame(
        {
            "stretch_id": ["a", "b", ""],
            "hold_s": [30, 60, 0],
            "reps": [3, 2, 0],
            "per_side": [True, False, False],
        }
    )
    # a: 2 sides x (90 s + 10 s set-up); b: 1 x (120 s + 10 s); the empty row adds nothing
    assert session_seconds(table) == 2 * 100 + 130


def test_the_sheet_lists_the_chosen_stretches_and_the_days_asked_for():
    routine = generate_routine(PROFILE)
    sheet = home_sheet(routine.table)
    chosen = routine.table[routine.table["stretch_id"] != ""]
    assert sheet.rows == tuple(chosen["name"])
    assert sheet.days_per_week == int(chosen["per_week"].max())
    assert sheet.minutes * 60 >= session_seconds(routine.table)


def test_every_emergency_and_urgent_red_flag_reaches_the_seek_help_box_in_patient_words():
    sheet = home_sheet(generate_routine(PROFILE).table)
    text = " ".join(sheet.seek_help)
    for words in red_flags_table()["patient_words"]:
        assert words in text
    assert "emergency" in sheet.seek_help[0].lower()


def test_the_sheet_speaks_to_the_patient():
    sheet = home_sheet(generate_routine(PROFILE).table)
    for line in (*sheet.pain_rules, sheet.tick_intro, *sheet.seek_help):
        assert not THERAPIST_WORDS.search(line), line
        assert re.search(r"\byou(r)?\b", line, re.I), f"not written to the patient: {line}"
    assert "5" in sheet.pain_rules[0] and "next morning" in sheet.pain_rules[0]
