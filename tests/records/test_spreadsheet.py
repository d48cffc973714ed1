"""CSV cells that a spreadsheet would run as formulas are written as text and read back exact."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from workbook.records.spreadsheet import guard_frame, unguard_frame

HOSTILE = [
    '=HYPERLINK("http://example.invalid","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\tleading tab",
    "\rcarriage return",
    "'already quoted",
    "''twice",
    "plain name",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_written_cell_starts_like_a_formula(text):
    written = guard_frame(pd.DataFrame({"name": [text]})).to_csv(index=False)
    cell = pd.read_csv(io.StringIO(written), keep_default_na=False)["name"][0]
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_a_round_trip_gives_back_exactly_what_was_stored():
    frame = pd.DataFrame({"name": HOSTILE, "degrees": range(-4, len(HOSTILE) - 4)})
    written = guard_frame(frame).to_csv(index=False, lineterminator="\n")
    read = unguard_frame(
        pd.read_csv(io.StringIO(written, newline=""), keep_default_na=False, lineterminator="\n")
    )
    assert read["name"].tolist() == HOSTILE
    assert read["degrees"].tolist() == frame["degrees"].tolist()  # numbers keep their sign
