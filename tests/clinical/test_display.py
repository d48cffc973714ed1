"""display.py: numbers, dates, verdicts, score labels and doses in the words people read."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbook.clinical import display, outcomes
from workbook.clinical.display import (
    DEG,
    MISSING,
    count_label,
    dose_sentence,
    dose_short,
    format_cell,
    format_date,
    format_degrees,
    format_iso_date,
    format_long_date,
    format_number,
    format_percent,
    is_blank,
    normal_label,
    score_label,
    verdict_label,
    yes_no,
)
from workbook.clinical.reference import SCORES

BLANK_VALUES = [None, float("nan"), np.float64("nan"), pd.NA, pd.NaT, np.datetime64("NaT"), ""]


@pytest.mark.parametrize("value", BLANK_VALUES, ids=repr)
def test_every_kind_of_missing_value_shows_as_a_dash(value):
    assert is_blank(value)
    assert format_number(value) == format_degrees(value) == format_date(value) == MISSING
    assert format_cell(value) == format_long_date(value) == format_iso_date(value) == MISSING
    assert format_date(value, missing="") == ""


@pytest.mark.parametrize("value", [0, 0.0, " ", False, "nan"])
def test_zero_false_and_text_are_values_not_blanks(value):
    assert not is_blank(value)


def test_numbers_round_for_reading_and_take_numpy_and_pandas_scalars():
    assert format_number(np.float64(41.6)) == "42"
    assert format_number(np.int64(7), unit=" s") == "7 s"
    assert format_number(2.25, digits=1) == "2.2"  # binary floats: 2.25 is stored a hair under
    assert format_number(0.0, signed=True) == "+0"
    assert format_number("12.4") == "12"


def test_a_change_always_shows_its_sign():
    assert format_degrees(12.4, signed=True) == f"+12{DEG}"
    assert format_degrees(-3.6, signed=True) == f"-4{DEG}"
    assert format_percent(-33.3, signed=True) == "-33 %"


def test_degrees_in_the_shortest_form_keep_halves_and_drop_trailing_zeros():
    assert format_degrees(120.0, digits=None) == f"120{DEG}"
    assert format_degrees(4.5, digits=None) == f"4.5{DEG}"
    assert normal_label(45.0, "Roach & Miles 1991") == f"45{DEG} (Roach & Miles 1991)"


def test_something_that_is_not_a_number_is_refused():
    with pytest.raises(TypeError, match="number"):
        format_number([12])
    with pytest.raises(ValueError):
        format_number("twelve")


def test_dates_read_the_same_from_any_date_like_value():
    days = (dt.date(2024, 3, 5), dt.datetime(2024, 3, 5, 9), "2024-03-05", pd.Timestamp(2024, 3, 5))
    for value in days:
        assert format_date(value) == "05 Mar 2024"
        assert format_long_date(value) == "5 March 2024"
        assert format_iso_date(value) == "2024-03-05"
    with pytest.raises(TypeError, match="date"):
        format_date(["2024-03-05"])


def test_table_cells_give_fractions_one_decimal_and_everything_else_as_text():
    assert [format_cell(v) for v in (12.345, np.float32(1.25), 3, "left", True)] == [
        "12.3",
        "1.2",
        "3",
        "left",
        "True",
    ]


def test_counts_and_yes_no():
    assert [count_label(n, "visit") for n in (0, 1, 2)] == ["0 visits", "1 visit", "2 visits"]
    assert (yes_no(np.bool_(True)), yes_no(0)) == ("yes", "no")


def test_every_verdict_the_outcomes_can_give_has_printed_words_that_fit_a_column():
    printed = {
        outcomes.IMPROVED: "improved",
        outcomes.WORSE: "worse",
        outcomes.WITHIN_ERROR: "within error",
        outcomes.SINGLE: "one visit",
        outcomes.NO_IMPORTANT_CHANGE: "no important change",
        outcomes.SINGLE_SCORE: "one visit",
        outcomes.NOT_RECORDED: "not recorded",
    }
    for verdict, words in printed.items():
        assert verdict_label(verdict, short=True) == words
        assert verdict_label(verdict)  # and some words on screen


def test_screen_verdicts_carry_a_sign_that_reads_without_colour():
    assert verdict_label(outcomes.IMPROVED) == "\u25b2 improved"
    assert verdict_label(outcomes.WORSE) == "\u25bc worse"
    assert verdict_label(outcomes.WITHIN_ERROR).startswith("\u2248")
    assert verdict_label("something new") == verdict_label("something new", short=True)


def test_every_score_has_a_screen_label_and_a_label_naming_its_scale():
    assert [score_label(s) for s in SCORES] == ["Pain (0-10)", "Disability, ODI (%)"]
    assert [score_label(s, scale=True) for s in SCORES] == [
        "Pain (NPRS 0-10)",
        "Disability (ODI 0-100)",
    ]


@pytest.mark.parametrize(
    ("dose", "sentence"),
    [
        ((30, 3, 5, True), "Hold 30 seconds, 3 times, each side, 5 days a week."),
        ((60, 1, 7, False), "Hold 60 seconds, once, every day."),
        ((1, 2, 1, False), "Hold 1 second, 2 times, 1 day a week."),
        ((45, 1, 7, True), "Hold 45 seconds, once, each side, every day."),
    ],
)
def test_the_handout_dose_reads_as_one_plain_sentence(dose, sentence):
    assert dose_sentence(*dose) == sentence


def test_the_table_dose_is_short_and_empty_without_a_stretch():
    assert dose_short(30, 3, 5, per_side=True) == "30 s hold each side, 3 times, 5 days a week"
    assert dose_short(float("nan"), 3, 5) == ""


def test_display_itself_imports_only_pandas_numpy_and_the_clinical_layer():
    # The package's __init__ loads every layer, so look at display's own import lines.
    tree = ast.parse(Path(display.__file__).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported == {
        "__future__",
        "datetime",
        "math",
        "typing",
        "numpy",
        "pandas",
        "measures",
        "reference",
    }
