"""display.py: numbers, dates, verdicts, score labels and doses in the words people read."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from workbook.clinical import outcomes
from workbook.clinical.display import (
    DEG,
    MISSING,
    VERDICT_LABELS,
    dose_sentence,
    format_cell,
    format_date,
    format_degrees,
    format_iso_date,
    format_long_date,
    format_number,
    format_percent,
    is_missing,
    normal_label,
    plural,
    score_label,
    verdict_label,
    yes_no,
)
from workbook.clinical.reference import SCORES

MISSING_VALUES = [None, float("nan"), np.float64("nan"), pd.NA, pd.NaT, np.datetime64("NaT")]


@pytest.mark.parametrize("value", MISSING_VALUES, ids=repr)
def test_every_kind_of_missing_value_shows_as_a_dash(value):
    assert is_missing(value)
    assert format_number(value) == format_degrees(value) == format_date(value) == MISSING
    assert format_cell(value) == MISSING
    assert format_date(value, missing="") == ""


@pytest.mark.parametrize("value", [0, 0.0, "", False, "nan"])
def test_zero_false_and_empty_text_are_values_not_missing(value):
    assert not is_missing(value)


def test_numbers_round_half_to_the_nearest_and_keep_numpy_and_pandas_scalars():
    assert format_number(np.float64(41.6)) == "42"
    assert format_number(np.int64(7), unit=" s") == "7 s"
    assert format_number(2.25, 1) == "2.2"  # binary floats: 2.25 is stored a hair under
    assert format_number(0.0, signed=True) == "+0"


def test_a_change_always_shows_its_sign():
    assert format_degrees(12.4, signed=True) == f"+12{DEG}"
    assert format_degrees(-3.6, signed=True) == f"-4{DEG}"
    assert format_percent(-33.3, signed=True) == "-33 %"


def test_degrees_in_the_shortest_form_keep_halves_and_drop_trailing_zeros():
    assert format_degrees(120.0, None) == f"120{DEG}"
    assert format_degrees(4.5, None) == f"4.5{DEG}"
    assert normal_label(45.0, "Roach & Miles 1991") == f"45{DEG} (Roach & Miles 1991)"


def test_text_is_refused_where_a_number_is_expected():
    with pytest.raises(TypeError, match="number"):
        format_number("12")


def test_dates_read_the_same_from_any_date_like_value():
    for value in (
        dt.date(2024, 3, 5),
        dt.datetime(2024, 3, 5, 9),
        "2024-03-05",
        pd.Timestamp(2024, 3, 5),
    ):
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


def test_plural_and_yes_no():
    assert [plural(n, "visit") for n in (0, 1, 2)] == ["0 visits", "1 visit", "2 visits"]
    assert plural(2, "body", "bodies") == "2 bodies"
    assert (yes_no(np.bool_(True)), yes_no(0)) == ("yes", "no")


def test_every_verdict_the_outcomes_can_give_has_a_label():
    verdicts = {
        outcomes.IMPROVED,
        outcomes.WORSE,
        outcomes.WITHIN_ERROR,
        outcomes.SINGLE,
        outcomes.NO_IMPORTANT_CHANGE,
        outcomes.SINGLE_SCORE,
        outcomes.NOT_RECORDED,
    }
    assert verdicts == set(VERDICT_LABELS)
    assert verdict_label("within measurement error") == "within error"
    assert verdict_label("single score") == verdict_label("single measurement") == "one visit"
    assert verdict_label("something new") == "something new"


def test_every_score_has_a_label_with_its_scale():
    labels = [score_label(score) for score in SCORES]
    assert labels == ["Pain (NPRS 0-10)", "Disability (ODI 0-100)"]


@pytest.mark.parametrize(
    ("dose", "sentence"),
    [
        ((30, 3, 5, True), "Hold 30 seconds, 3 times, each side, 5 days a week."),
        ((60, 1, 7, False), "Hold 60 seconds, once, every day."),
        ((1, 2, 1, False), "Hold 1 second, 2 times, 1 day a week."),
        ((45, 1, 7, True), "Hold 45 seconds, once, each side, every day."),
    ],
)
def test_the_dose_reads_as_one_plain_sentence(dose, sentence):
    assert dose_sentence(*dose) == sentence


def test_display_itself_imports_only_pandas_numpy_and_the_clinical_layer():
    # The package's __init__ loads every layer, so look at display's own import lines.
    import ast
    from pathlib import Path

    import workbook.clinical.display as display

    tree = ast.parse(Path(display.__file__).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported == {"__future__", "datetime", "typing", "numpy", "pandas", "reference"}
