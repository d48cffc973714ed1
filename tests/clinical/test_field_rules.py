"""The field rules every typed value passes (clinical.measures), for the store and the screens."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from workbook.clinical.measures import (
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    check_birth_year,
    check_degrees,
    check_name,
    check_odi_sections,
    check_required_text,
    check_text,
    check_visit_after_birth,
    check_visit_date,
    odi_index,
    score_odi,
)
from workbook.errors import WorkbookError

TODAY = dt.date(2025, 6, 11)


@pytest.mark.parametrize(
    "value",
    ["2025-06-11", " 2025-06-11 ", dt.date(2025, 6, 11), dt.datetime(2025, 6, 11, 9, 30)],
)
def test_a_visit_date_is_a_date_whatever_form_it_is_typed_in(value) -> None:
    assert check_visit_date(value, today=TODAY) == TODAY


def test_a_pandas_timestamp_is_a_visit_date_but_nat_is_not() -> None:
    assert check_visit_date(pd.Timestamp("2025-01-02"), today=TODAY) == dt.date(2025, 1, 2)
    with pytest.raises(WorkbookError) as caught:
        check_visit_date(pd.NaT, today=TODAY)
    assert caught.value.field == "visit_date"


@pytest.mark.parametrize("value", ["2025-06-12", "11/06/2025", "", None, 20250611])
def test_a_future_or_unreadable_visit_date_is_refused_naming_today(value) -> None:
    with pytest.raises(WorkbookError) as caught:
        check_visit_date(value, today=TODAY)
    assert caught.value.field == "visit_date"
    assert "no later than today" in str(caught.value)


def test_the_screens_clock_decides_what_is_the_future() -> None:
    with pytest.raises(WorkbookError, match=r"\(2025-06-11\)"):
        check_visit_date("2025-06-12", today=TODAY)
    assert check_visit_date("2025-06-12", today=TODAY + dt.timedelta(days=1))


def test_the_field_name_can_be_changed_for_other_dates() -> None:
    with pytest.raises(WorkbookError) as caught:
        check_visit_date("soon", today=TODAY, field="date")
    assert caught.value.field == "date"


def test_a_visit_before_the_birth_year_is_refused() -> None:
    assert check_visit_after_birth(dt.date(1950, 1, 1), 1950) == dt.date(1950, 1, 1)
    with pytest.raises(WorkbookError, match=r"birth year \(1951\)"):
        check_visit_after_birth(dt.date(1950, 12, 31), 1951)


@pytest.mark.parametrize(("value", "year"), [(1950, 1950), ("1950", 1950), (1950.0, 1950)])
def test_a_birth_year_may_be_typed_as_text(value, year) -> None:
    assert check_birth_year(value, today=TODAY) == year


@pytest.mark.parametrize(
    "value", [2026, 1904, 1950.5, "19x0", True, None, float("nan"), float("inf"), [1950]]
)
def test_a_birth_year_outside_the_ages_the_workbook_knows_is_refused(value) -> None:
    with pytest.raises(WorkbookError) as caught:
        check_birth_year(value, today=TODAY)
    assert caught.value.field == "birth_year"
    assert "a whole year from 1905 to 2025" in str(caught.value)


def test_free_text_is_kept_exactly_and_none_is_empty() -> None:
    assert check_text("notes", "  as typed \n") == "  as typed \n"
    assert check_text("notes", None) == ""
    assert check_text("notes", "x" * MAX_TEXT_CHARS) == "x" * MAX_TEXT_CHARS


@pytest.mark.parametrize(
    ("value", "limit"), [(42, MAX_TEXT_CHARS), ("x" * 11, 10), (b"bytes", MAX_TEXT_CHARS)]
)
def test_text_that_is_not_text_or_too_long_is_refused(value, limit) -> None:
    with pytest.raises(WorkbookError, match=f"at most {limit} characters"):
        check_text("notes", value, limit=limit)


def test_required_text_is_trimmed_and_may_not_be_blank() -> None:
    assert check_required_text("reason", " typo ", "why") == "typo"
    for value in ("", "   ", None, 7):
        with pytest.raises(WorkbookError, match=r"why \(non-empty text"):
            check_required_text("reason", value, "why")


def test_a_name_is_required_and_limited() -> None:
    assert check_name("  Ada Example ") == "Ada Example"
    assert check_name("A" * MAX_NAME_CHARS) == "A" * MAX_NAME_CHARS
    with pytest.raises(WorkbookError, match=f"at most {MAX_NAME_CHARS} characters"):
        check_name("A" * (MAX_NAME_CHARS + 1))
    with pytest.raises(WorkbookError) as caught:
        check_name(" ")
    assert caught.value.field == "name"


def test_numpy_numbers_from_a_table_row_are_numbers() -> None:
    assert check_degrees("hip_flexion", np.float64(95.0)) == 95.0
    assert check_degrees("hip_flexion", np.int64(95)) == 95.0


def test_odi_sections_may_come_as_any_list_like_but_not_text_or_a_dict() -> None:
    sections = [2, 1, 3, 2, 0, 1, 2, 1, 1, None]
    as_tuple = tuple(sections)
    assert check_odi_sections(iter(sections)) == as_tuple
    assert check_odi_sections(pd.Series(sections, dtype=object)) == as_tuple
    for bad in ("2132012112", dict.fromkeys(range(10), 1), 5):
        with pytest.raises(WorkbookError, match="a list of 10 section scores"):
            check_odi_sections(bad)


def test_score_odi_checks_once_and_agrees_with_odi_index() -> None:
    sections = [2, 1, 3, 2, 0, 1, 2, 1, 1, None]
    checked, index = score_odi(sections)
    assert checked == tuple(sections)
    assert index == pytest.approx(odi_index(sections)) == pytest.approx(13 / 45 * 100)


# -- issue 10: the low findings, and routines in the one shape the workbook writes -------------

BAD_NUMBERS = [
    True,
    np.bool_(True),
    "9_0",
    "1_950",
    10**400,
    pd.NaT,
    "inf",
    "nan",
    float("nan"),
    object(),
]


@pytest.mark.parametrize("value", BAD_NUMBERS, ids=repr)
def test_booleans_digit_separators_huge_numbers_and_nat_are_not_degrees(value) -> None:
    with pytest.raises(WorkbookError) as caught:
        check_degrees("hip_flexion", value)
    assert caught.value.field.startswith("hip_flexion")


@pytest.mark.parametrize("value", [*BAD_NUMBERS, np.bool_(False), 99999], ids=repr)
def test_booleans_digit_separators_and_huge_numbers_are_not_birth_years(value) -> None:
    with pytest.raises(WorkbookError, match="birth_year"):
        check_birth_year(value, today=TODAY)


def test_numpy_numbers_and_number_text_still_count() -> None:
    assert check_degrees("hip_flexion", np.int64(90)) == 90.0
    assert check_degrees("hip_flexion", " 90.5 ") == 90.5
    assert check_birth_year(np.int64(1950), today=TODAY) == 1950


NOT_NAMES = [
    "\u200b\u200b\u200b",  # zero-width spaces only
    "\u202e\u202d",  # bidi overrides only
    "\x01\x02\x03",  # control characters only
    "Ann\u202eeeL",  # a bidi override inside: displays as another name
    "Ann\nLee",  # a new line inside
    "Ann\x00Lee",  # NUL
    "Ann \ud800 Lee",  # a lone surrogate
    "\ufeff \u2060",
]


@pytest.mark.parametrize("value", NOT_NAMES, ids=repr)
def test_invisible_control_and_bidi_names_are_refused(value: str) -> None:
    with pytest.raises(WorkbookError) as caught:
        check_name(value)
    assert caught.value.field == "name"


def test_names_and_texts_are_nfc_normalised() -> None:
    decomposed = "Zoe\u0301 Lee"
    assert check_name(decomposed) == "Zoé Lee" == check_name("Zoé Lee")
    assert check_text("notes", "cafe\u0301") == "café"
    assert check_name("Ann\u200dLee") == "Ann\u200dLee"  # a joiner inside a name stays


@pytest.mark.parametrize("value", ["a\ud800b", "a\x00b"], ids=repr)
def test_free_text_refuses_nul_and_lone_surrogates(value: str) -> None:
    with pytest.raises(WorkbookError, match="surrogate"):
        check_text("notes", value)


def _nested(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = {"k": value}
    return value


@pytest.mark.parametrize(
    "value",
    [_nested(2000), {"n": 10**400}, {"n": float("inf")}, {1: "x"}, {"s": "a\ud800"}, {"b": b"x"}],
    ids=["deep", "huge", "inf", "int_key", "surrogate", "bytes"],
)
def test_free_json_values_give_a_workbook_error(value) -> None:
    from workbook.clinical.measures import check_json_value

    with pytest.raises(WorkbookError, match="details"):
        check_json_value("details", value)


def _routine() -> dict:
    from workbook.clinical.profile import PatientProfile
    from workbook.clinical.routine import generate_routine

    profile = PatientProfile(age=70, activity="sedentary", floor_transfer=False, kneeling="unable")
    return generate_routine(profile).to_dict()


def test_the_routine_the_workbook_writes_passes_the_schema_unchanged() -> None:
    from workbook.clinical.routine_schema import check_routine

    routine = _routine()
    assert check_routine(routine) == routine
    assert check_routine(None) is None


def _bad_routines() -> list[tuple[str, object, str]]:
    good = _routine()
    item = good["items"][0]

    def with_item(**change: object) -> dict:
        return {**good, "items": [{**item, **change}, *good["items"][1:]]}

    return [
        ("items_only", {"items": []}, "routine"),
        ("free_text_key", with_item(note="call Ann Lee 555 0100"), "routine items[0]"),
        ("hold_text", with_item(hold_s="lots"), "routine items[0] hold_s"),
        ("hold_nan", with_item(hold_s=float("nan")), "routine items[0] hold_s"),
        ("hold_bool", with_item(hold_s=True), "routine items[0] hold_s"),
        ("reps_out_of_range", with_item(reps=500), "routine items[0] reps"),
        ("unknown_stretch", with_item(stretch_id="cartwheel"), "routine items[0] stretch_id"),
        ("unknown_movement", with_item(movement="jump"), "routine items[0] movement"),
        ("chosen_by_other", with_item(chosen_by="Ann"), "routine items[0] chosen_by"),
        ("reason_too_long", with_item(reason="x" * 2001), "routine items[0] reason"),
        ("profile_empty", {**good, "profile": {}}, "routine profile"),
        ("items_not_list", {**good, "items": "all"}, "routine items"),
        ("extra_top_key", {**good, "note": "x"}, "routine"),
        ("twice", {**good, "items": [item, item]}, "routine items"),
    ]


@pytest.mark.parametrize(
    ("name", "routine", "field"), _bad_routines(), ids=[r[0] for r in _bad_routines()]
)
def test_a_routine_outside_the_schema_is_refused_naming_the_field(
    name: str, routine: object, field: str
) -> None:
    from workbook.clinical.routine_schema import check_routine

    with pytest.raises(WorkbookError) as caught:
        check_routine(routine)
    assert caught.value.field == field
