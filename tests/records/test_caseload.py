"""The caseload: one row per active patient with the review flags, on SQLite and PostgreSQL.

The strongest check: for every patient the caseload's flags are the flags of
``clinical.review.review`` on that patient's own visits and measurements.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import workbook
from workbook.clinical.measures import MOTIONS, SIDES
from workbook.clinical.profile import PatientProfile
from workbook.clinical.review import FLAGS, review
from workbook.records.caseload import CASELOAD_COLUMNS, caseload
from workbook.records.store import Store

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


def profile(**extra) -> PatientProfile:
    return PatientProfile(
        age=60, activity="active", floor_transfer=True, kneeling="comfortable", **extra
    )


def rom(base: float, left_offset: float = 0.0) -> dict[tuple[str, str], float]:
    return {(m, s): base + (left_offset if s == "left" else 0.0) for m in MOTIONS for s in SIDES}


@pytest.fixture
def clinic(store: Store) -> dict[str, str]:
    """Patients built to raise each flag (and one with nothing to flag)."""
    ids = {}
    add = store.add_patient
    # Improving steadily and near normal on most motions: ready to progress.
    ids["improving"] = add("Ann Improving", TODAY.year - 60, profile())
    for i, day in enumerate((40, 26, 12)):
        store.log_visit(
            ids["improving"],
            TODAY - day * DAY,
            rom(20 + 15 * i),
            pain=6 - 2 * i,
            therapist="Kim",
            days_done=10,
            days_prescribed=12,
        )
    # Worse pain and a flare: worse; little adherence.
    ids["worse"] = add("Bo Worse", TODAY.year - 50, profile())
    for pain, day in ((2, 20), (3, 10), (7, 2)):
        store.log_visit(
            ids["worse"],
            TODAY - day * DAY,
            {},
            pain=pain,
            therapist="Jo",
            days_done=1,
            days_prescribed=10,
        )
    # Flat for 5 weeks, a stiff left side, measured long ago: not responding, asymmetry, reassess.
    ids["flat"] = add("Cy Flat", TODAY.year - 70, profile())
    for day in (80, 66, 52, 40):
        store.log_visit(
            ids["flat"], TODAY - day * DAY, rom(40, left_offset=-20), pain=5, therapist="Kim"
        )
    # Red flag in the profile; one visit.
    ids["red"] = add("Di Red", TODAY.year - 40, profile(red_flags={"night_pain"}))
    store.log_visit(ids["red"], TODAY - DAY, {}, pain=4, therapist="Jo")
    # Registered, never seen.
    ids["new"] = add("Ed New", TODAY.year - 30, profile())
    # Discharged: off the caseload.
    ids["gone"] = add("Fay Gone", TODAY.year - 30, profile())
    store.log_visit(ids["gone"], TODAY - 9 * DAY, {}, pain=8, therapist="Kim")
    store.discharge(ids["gone"], reason="goals met")
    return ids


def test_the_flags_are_those_of_review_for_every_patient(store: Store, clinic) -> None:
    table = caseload(store, today=TODAY).set_index("patient_id")
    assert list(table.reset_index().columns) == list(CASELOAD_COLUMNS)
    for pid in table.index:
        expected = review(
            store.measurements(pid), store.visits(pid), store.profile(pid), today=TODAY
        )
        assert set(table.at[pid, "flags"]) == set(expected["flag"]), store.patient(pid)["name"]
        assert len(table.at[pid, "flag_messages"]) == len(table.at[pid, "flags"])
    raised = {f for flags in table["flags"] for f in flags}
    assert raised == set(FLAGS)


def test_each_made_up_patient_gets_the_flag_it_was_built_for(store: Store, clinic) -> None:
    table = caseload(store, today=TODAY).set_index("patient_id")
    flags = table["flags"]
    assert "ready_to_progress" in flags[clinic["improving"]]
    assert {"worse", "low_adherence"} <= set(flags[clinic["worse"]])
    assert {"not_responding", "asymmetry", "reassess_due"} <= set(flags[clinic["flat"]])
    assert flags[clinic["red"]][0] == "red_flag"
    assert flags[clinic["new"]] == []
    assert clinic["gone"] not in table.index


def test_numbers_per_patient(store: Store, clinic) -> None:
    table = caseload(store, today=TODAY).set_index("patient_id")
    ann = table.loc[clinic["improving"]]
    assert (ann["visits"], ann["therapist"], ann["days_since_last"]) == (3, "Kim", 12.0)
    assert ann["first_visit"] == pd.Timestamp(TODAY - 40 * DAY)
    assert ann["last_visit"] == pd.Timestamp(TODAY - 12 * DAY)
    assert ann["pain_change"] == -4.0 and pd.isna(ann["odi_change"])
    assert ann["adherence_percent"] == pytest.approx(30 / 36 * 100)
    assert table.at[clinic["worse"], "pain_change"] == 5.0
    assert table.at[clinic["flat"], "most_limited_motion"].endswith("(left)")
    new = table.loc[clinic["new"]]
    assert new["visits"] == 0 and pd.isna(new["last_visit"]) and pd.isna(new["days_since_last"])


def test_sorted_by_most_severe_flag_then_longest_wait(store: Store, clinic) -> None:
    names = caseload(store, today=TODAY)["name"].tolist()
    # high (red flag, worse: the longer wait first), medium, low, nothing.
    assert names[:2] == ["Bo Worse", "Di Red"]
    assert names.index("Cy Flat") < names.index("Ann Improving") < names.index("Ed New")


def test_filter_by_therapist_of_the_last_visit(store: Store, clinic) -> None:
    kim = caseload(store, today=TODAY, therapist="Kim")
    assert set(kim["name"]) == {"Ann Improving", "Cy Flat"}
    assert caseload(store, therapist="Nobody").empty


def test_voided_visits_and_readmission(store: Store, clinic) -> None:
    last = store.visits(clinic["worse"])["visit_id"].iloc[-1]
    store.void_visit(last, reason="wrong patient")
    row = caseload(store, today=TODAY).set_index("patient_id").loc[clinic["worse"]]
    assert row["visits"] == 2 and row["pain_change"] == 1.0
    store.readmit(clinic["gone"], reason="back with pain")
    assert clinic["gone"] in set(caseload(store)["patient_id"])


def test_red_flags_answered_at_the_latest_visit_flag_the_patient(store: Store, clinic) -> None:
    store.log_visit(clinic["new"], TODAY, {}, pain=3, red_flags=["night_pain"])
    row = caseload(store).set_index("patient_id").loc[clinic["new"]]
    assert row["flags"] == ["red_flag"]
    store.log_visit(clinic["new"], TODAY, {}, pain=3, red_flags=[])
    assert caseload(store).set_index("patient_id").at[clinic["new"], "flags"] == []


def test_an_empty_store_gives_an_empty_caseload(store: Store) -> None:
    table = workbook.caseload(store)
    assert table.empty and list(table.columns) == list(CASELOAD_COLUMNS)


def test_patients_without_any_visit_are_listed_without_flags(store: Store) -> None:
    pid = store.add_patient("Gil Waiting", TODAY.year - 30, profile())
    table = caseload(store)
    assert table["patient_id"].tolist() == [pid]
    assert table.loc[0, "flags"] == [] and table.loc[0, "visits"] == 0
