"""The stretch table: the article's stretches are there, and a hand-editing mistake is named."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from workbook import MOVEMENTS, WorkbookError, load_stretches
from workbook.clinical.paths import data_file
from workbook.clinical.stretches import cue_steps

ARTICLE_STRETCHES = {
    "rock_back",
    "seated_hip_hinge",
    "kneeling_hip_flexor",
    "seated_hip_flexor",
    "seated_piriformis",
    "modified_pigeon",
    "seated_butterfly",
    "deep_squat",
}
VARIANTS = {
    "frog_rock_back": "rock_back",
    "childs_pose": "rock_back",
    "bed_butterfly": "seated_butterfly",
}


def _rows() -> list[dict[str, str]]:
    with data_file("stretches.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def _write(tmp_path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    path = tmp_path / "stretches.csv"
    columns = columns or list(rows[0])
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_table_holds_the_eight_article_stretches_and_their_variants():
    table = load_stretches()
    ids = set(table["stretch_id"])
    assert ids >= ARTICLE_STRETCHES
    variants = dict(zip(table["stretch_id"], table["variant_of"], strict=True))
    for variant, parent in VARIANTS.items():
        assert variants[variant] == parent
    assert "full_pigeon" not in ids  # the article advises against it; see data/README.md


def test_every_movement_has_a_gentle_and_an_intense_stretch():
    table = load_stretches()
    for movement in MOVEMENTS:
        assert set(table.loc[table["movement"] == movement, "intensity"]) == {"gentle", "intense"}


def test_types_are_parsed_for_the_rules():
    table = load_stretches().set_index("stretch_id")
    assert table.at["rock_back", "needs_floor"] is True or table.at["rock_back", "needs_floor"]
    assert not table.at["bed_butterfly", "needs_floor"]
    assert table.at["modified_pigeon", "equipment"] == ("yoga_block", "yoga_mat")
    assert "sciatica" in table.at["seated_piriformis", "caution_if"]
    assert cue_steps(table.at["seated_piriformis", "cues"])[0].startswith("Sit tall")


def test_every_row_names_its_source():
    assert all(row["source"] for row in _rows())


def test_texts_people_read_name_no_files():
    """Therapist and patient texts speak of care, not of the workbook's files (sources may)."""
    read_by_people = [column for column in _rows()[0] if column not in {"source", "stretch_id"}]
    for row in _rows():
        for column in read_by_people:
            assert ".csv" not in row[column], (row["stretch_id"], column)


def test_missing_column_is_named(tmp_path):
    rows = _rows()
    columns = [c for c in rows[0] if c != "needs_floor"]
    with pytest.raises(WorkbookError) as caught:
        load_stretches(_write(tmp_path, rows, columns))
    assert "needs_floor" in str(caught.value)


def test_unknown_value_names_row_column_value_and_allowed(tmp_path):
    rows = _rows()
    rows[3]["intensity"] = "medium"
    with pytest.raises(WorkbookError) as caught:
        load_stretches(_write(tmp_path, rows))
    message = str(caught.value)
    assert "row 5" in message and rows[3]["stretch_id"] in message
    assert "intensity = 'medium'" in message and "'gentle', 'intense'" in message


def test_duplicate_id_is_named(tmp_path):
    rows = _rows()
    rows[5]["stretch_id"] = rows[0]["stretch_id"]
    with pytest.raises(WorkbookError, match=r"row 7.*rock_back.*unique"):
        load_stretches(_write(tmp_path, rows))


def test_dangling_variant_of_is_named(tmp_path):
    rows = _rows()
    rows[1]["variant_of"] = "full_pigeon"
    with pytest.raises(WorkbookError, match=r"variant_of = 'full_pigeon'"):
        load_stretches(_write(tmp_path, rows))


def test_unknown_condition_in_caution_if_lists_known_ones(tmp_path):
    rows = _rows()
    rows[0]["caution_if"] = "spinal_stenosis; gout"
    with pytest.raises(WorkbookError) as caught:
        load_stretches(_write(tmp_path, rows))
    assert "'gout'" in str(caught.value) and "'sciatica'" in str(caught.value)


@pytest.mark.parametrize(
    ("column", "value"),
    [("needs_floor", "maybe"), ("hold_s", "thirty"), ("hold_s", "900"), ("reps", "2.5")],
)
def test_bad_yes_no_or_dosage_is_named(tmp_path, column, value):
    rows = _rows()
    rows[2][column] = value
    with pytest.raises(WorkbookError) as caught:
        load_stretches(_write(tmp_path, rows))
    assert f"{column} = {value!r}" in str(caught.value)
    assert "row 4" in str(caught.value)


def test_movement_without_an_intense_stretch_is_refused(tmp_path):
    rows = [
        r for r in _rows() if not (r["movement"] == "hip_abduction" and r["intensity"] == "intense")
    ]
    with pytest.raises(WorkbookError, match=r"hip_abduction.*no intense"):
        load_stretches(_write(tmp_path, rows))


def test_unnumbered_cues_are_refused(tmp_path):
    rows = _rows()
    rows[0]["cues"] = "Kneel down.\nSit back."
    with pytest.raises(WorkbookError, match="numbered steps"):
        load_stretches(_write(tmp_path, rows))


def test_a_clinic_can_set_a_stretch_specific_dosage(tmp_path):
    rows = _rows()
    rows[0]["hold_s"] = "45"
    table = load_stretches(_write(tmp_path, rows)).set_index("stretch_id")
    assert table.at["rock_back", "hold_s"] == 45
