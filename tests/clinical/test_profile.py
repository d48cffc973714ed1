"""The patient profile: what a therapist may enter, and what is refused with a clear message."""

from __future__ import annotations

import json

import pytest

from workbook import PatientProfile, WorkbookError
from workbook.clinical.profile import known_conditions, known_equipment

BASE = {"age": 50, "activity": "active", "floor_transfer": True, "kneeling": "comfortable"}


def test_profile_round_trips_through_json():
    profile = PatientProfile(**BASE, conditions={"sciatica", "knee_pain"}, equipment=["broomstick"])
    again = PatientProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert again == profile
    assert again.conditions == frozenset({"sciatica", "knee_pain"})


def test_vocabulary_covers_the_article_conditions():
    for condition in (
        "lower_back_pain",
        "spinal_stenosis",
        "degenerative_disc_disease",
        "sciatica",
        "hip_labral_tear",
        "knee_pain",
    ):
        assert condition in known_conditions()
    assert "broomstick" in known_equipment()


@pytest.mark.parametrize(
    ("change", "field", "allowed_fragment"),
    [
        ({"age": -1}, "age", "from 0 to 120"),
        ({"age": 121}, "age", "from 0 to 120"),
        ({"age": 40.5}, "age", "whole number"),
        ({"age": "forty"}, "age", "whole number"),
        ({"activity": "couch"}, "activity", "'sedentary', 'active', 'athletic'"),
        ({"kneeling": "sometimes"}, "kneeling", "'comfortable', 'painful', 'unable'"),
        ({"floor_transfer": "yes"}, "floor_transfer", "True or False"),
        ({"equipment": {"treadmill"}}, "equipment", "broomstick"),
    ],
)
def test_invalid_profile_names_field_value_and_allowed(change, field, allowed_fragment):
    with pytest.raises(WorkbookError) as caught:
        PatientProfile(**{**BASE, **change})
    message = str(caught.value)
    assert message.startswith(field)
    assert repr(next(iter(change.values()))) in message or "treadmill" in message
    assert allowed_fragment in message


def test_unknown_condition_lists_the_known_ones():
    with pytest.raises(WorkbookError) as caught:
        PatientProfile(**BASE, conditions={"sciatica", "gout"})
    message = str(caught.value)
    assert "'gout'" in message
    for condition in known_conditions():
        assert condition in message


def test_a_single_condition_string_is_one_condition_not_letters():
    assert PatientProfile(**BASE, conditions="sciatica").conditions == {"sciatica"}


def test_from_dict_refuses_unknown_and_missing_keys():
    with pytest.raises(WorkbookError, match="colour"):
        PatientProfile.from_dict({**BASE, "colour": "blue"})
    with pytest.raises(WorkbookError, match="kneeling"):
        PatientProfile.from_dict({k: v for k, v in BASE.items() if k != "kneeling"})


def test_sex_and_red_flags_round_trip_and_older_profiles_still_load():
    profile = PatientProfile(**BASE, sex="female", red_flags={"night_pain"})
    again = PatientProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert again == profile and again.sex == "female"
    old = PatientProfile.from_dict({**BASE, "conditions": [], "equipment": []})
    assert old.sex is None and old.red_flags == frozenset()


def test_unknown_sex_is_refused():
    with pytest.raises(WorkbookError, match="'female', 'male'"):
        PatientProfile(**BASE, sex="f")
