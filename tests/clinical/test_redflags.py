"""Red flags: a routine becomes a referral, and the handout is refused."""

from __future__ import annotations

import pytest

from workbook import PatientProfile, WorkbookError, generate_routine, handout
from workbook.clinical.redflags import red_flags_table, referral_text, seek_help_lines

BASE = {"age": 66, "activity": "active", "floor_transfer": True, "kneeling": "comfortable"}
REQUIRED = {
    "cauda_equina",
    "progressive_weakness",
    "significant_trauma",
    "long_term_corticosteroids",
    "history_of_cancer",
    "unexplained_weight_loss",
    "night_pain",
    "fever_or_infection",
}


def test_table_holds_the_required_flags_with_question_patient_words_and_source():
    table = red_flags_table()
    assert set(table["red_flag"]) >= REQUIRED
    for column in ("question", "patient_words", "pathology", "urgency", "source"):
        assert (table[column].str.len() > 0).all()
    assert set(table.loc[table["red_flag"] == "cauda_equina", "urgency"]) == {"emergency"}


@pytest.mark.parametrize("flag", sorted(REQUIRED))
def test_any_red_flag_gives_no_stretches_and_a_referral_naming_it(flag):
    routine = generate_routine(PatientProfile(**BASE, red_flags={flag}))
    assert routine.table.empty
    label = red_flags_table().set_index("red_flag").at[flag, "label"]
    assert label in routine.referral
    assert "Do not start the stretching programme" in routine.referral


def test_emergency_says_same_day_and_comes_first():
    text = referral_text({"night_pain", "cauda_equina"})
    assert text.startswith("Emergency")
    assert "same day" in text.splitlines()[0]


def test_handout_refuses_a_routine_with_a_red_flag(tmp_path):
    routine = generate_routine(PatientProfile(**BASE, red_flags={"cauda_equina"}))
    with pytest.raises(WorkbookError, match="red flag"):
        handout(routine, tmp_path / "h.html")


def test_unknown_red_flag_is_refused_with_the_known_ones():
    with pytest.raises(WorkbookError, match="cauda_equina"):
        PatientProfile(**BASE, red_flags={"headache"})


def test_seek_help_box_is_in_the_patients_words():
    lines = seek_help_lines()
    assert list(lines["urgency"]) == ["emergency", "urgent"]
    assert lines["patient_text"].str.contains("you").all()
    assert not lines["patient_text"].str.contains("patient").any()
