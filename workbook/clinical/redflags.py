"""Red flags: questions that rule out a stretching programme until a doctor has seen the patient.

``data/red_flags.csv`` holds each flag with the question as the therapist asks it, the same
warning sign in the patient's words, the serious pathology it may point to and whether it is an
emergency (same day) or urgent; ``data/red_flag_urgency.csv`` says what to do for each. A
routine for a profile with any red flag has no stretches, only a referral (Finucane 2020;
NICE NG59; clinical.md section 7). The workbook records and refers; it never diagnoses.
Pure logic.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..errors import WorkbookError
from .tables import check_vocabulary, column_as_number, load_data_table

__all__ = [
    "URGENCIES",
    "known_red_flags",
    "red_flag_urgency_table",
    "red_flags_table",
    "referral_text",
    "seek_help_lines",
]

URGENCIES: tuple[str, ...] = ("emergency", "urgent")

_COLUMNS = ("red_flag", "label", "question", "patient_words", "pathology", "urgency", "source")
_URGENCY_COLUMNS = ("urgency", "label", "therapist_action", "patient_action", "rank", "source")


def red_flags_table() -> pd.DataFrame:
    """``data/red_flags.csv``: one row per red flag, in the order the questions are asked.

    ``question`` is for the therapist to ask, ``patient_words`` for the patient's own sheet.
    """
    table = load_data_table("red_flags.csv", _COLUMNS)
    check_vocabulary(table, "urgency", URGENCIES, key="red_flag")
    for column in _COLUMNS:
        empty = table[column] == ""
        if empty.any():
            where = f"red_flags.csv row {empty.tolist().index(True) + 2}"
            raise WorkbookError(column, "", "a non-empty text in every row", where=where)
    return table


def red_flag_urgency_table() -> pd.DataFrame:
    """``data/red_flag_urgency.csv``: what to do, for the therapist and the patient, by urgency."""
    table = load_data_table("red_flag_urgency.csv", _URGENCY_COLUMNS)
    check_vocabulary(table, "urgency", URGENCIES, key="urgency")
    table["rank"] = column_as_number(table, "rank", key="urgency", whole=True)
    return table.sort_values("rank", kind="stable").set_index("urgency", drop=False)


def known_red_flags() -> tuple[str, ...]:
    return tuple(red_flags_table()["red_flag"])


def referral_text(flags: Iterable[str]) -> str:
    """The therapist's referral message for these red flags ("" when there are none).

    The most urgent group comes first; each group names its flags and what to do.

    >>> print(referral_text({"night_pain"}))  # doctest: +ELLIPSIS
    Urgent: Night pain not eased by rest. Do not start the stretching programme. Refer ...
    """
    chosen = set(flags)
    if not chosen:
        return ""
    table = red_flags_table()
    unknown = sorted(chosen - set(table["red_flag"]))
    if unknown:
        raise WorkbookError("red_flags", unknown[0], "a red_flag of data/red_flags.csv")
    parts = []
    for urgency, row in red_flag_urgency_table().iterrows():
        rows = table[(table["urgency"] == urgency) & table["red_flag"].isin(chosen)]
        if not rows.empty:
            labels = "; ".join(rows["label"])
            parts.append(f"{row['label']}: {labels}. {row['therapist_action']}")
    return "\n".join(parts)


def seek_help_lines() -> pd.DataFrame:
    """The "seek help" box of a patient's sheet: one line per urgency, in the patient's words.

    Returns
    -------
    DataFrame
        Columns ``urgency``, ``patient_text``: "Go to the emergency department today ... if
        you have new trouble ... or ...".
    """
    table = red_flags_table()
    rows = []
    for urgency, row in red_flag_urgency_table().iterrows():
        words = list(table.loc[table["urgency"] == urgency, "patient_words"])
        if words:
            rows.append(
                {
                    "urgency": urgency,
                    "patient_text": f"{row['patient_action']} " + "; or ".join(words) + ".",
                }
            )
    return pd.DataFrame(rows, columns=["urgency", "patient_text"])
