"""The demo store: fictional patients that show every screen, rebuilt the same every time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from workbook.clinical.profile import PatientProfile
from workbook.errors import WorkbookError
from workbook.records.demo import make_demo_store
from workbook.records.demo_cases import CASES
from workbook.records.store import Store, open_store

TODAY = dt.date(2026, 3, 18)  # a fixed Wednesday, so every test sees the same histories


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = make_demo_store(tmp_path_factory.mktemp("demo") / "demo.sqlite", today=TODAY)
    yield store
    store.close()


def content(store: Store) -> pd.DataFrame:
    """Every reading of every patient, by name and date: the store without ids and stamps."""
    frames = []
    for row in store.patients().itertuples():
        table = store.measurements(row.patient_id).drop(columns="visit_id")
        frames.append(table.assign(name=row.name))
    return pd.concat(frames, ignore_index=True)


def test_demo_store_is_flagged_as_a_demo(demo: Store) -> None:
    assert demo.is_demo


def test_demo_has_six_to_eight_fictional_patients_with_demo_details(demo: Store) -> None:
    patients = demo.patients()
    assert 6 <= len(patients) <= 8
    for pid in patients["patient_id"]:
        details = demo.patient(pid)["details"]
        assert details["demo"] is True
        assert details["email"].endswith("@example.org")
        assert details["phone"].startswith("555-01")


def test_demo_covers_the_articles_cases(demo: Store) -> None:
    profiles = [demo.profile(pid) for pid in demo.patients()["patient_id"]]
    conditions = set().union(*(p.conditions for p in profiles))
    assert {
        "spinal_stenosis",
        "sciatica",
        "knee_pain",
        "degenerative_disc_disease",
        "hip_labral_tear",
    } <= conditions
    assert any(p.activity == "athletic" for p in profiles)
    assert any(p.kneeling == "unable" for p in profiles)
    assert any(
        p.age >= 75
        and p.activity == "sedentary"
        and not p.floor_transfer
        and p.kneeling == "unable"
        and "spinal_stenosis" in p.conditions
        for p in profiles
    )


def test_demo_visits_are_four_to_twelve_in_the_past_on_weekdays(demo: Store) -> None:
    for pid in demo.patients()["patient_id"]:
        visits = demo.visits(pid)
        assert 4 <= len(visits) <= 12
        assert visits["visit_date"].max() < pd.Timestamp(TODAY - dt.timedelta(days=2))
        assert (visits["visit_date"].dt.day_of_week < 5).all()
        assert visits["visit_date"].is_monotonic_increasing
        assert visits["therapist"].str.len().gt(0).all()
        assert visits["notes"].str.len().gt(0).all()


def test_demo_range_of_motion_improves_with_noise_and_missed_readings(demo: Store) -> None:
    missed = 0
    for pid in demo.patients()["patient_id"]:
        table = demo.measurements(pid)
        by_visit = table.groupby("visit_date")["degrees"]
        per_visit = table.groupby("visit_date").size()
        missed += int((per_visit < 12).sum())
        first = table[table["visit_date"] == table["visit_date"].min()]
        last = table[table["visit_date"] == table["visit_date"].max()]
        key = ["motion", "side"]
        gain = last.set_index(key)["degrees"] - first.set_index(key)["degrees"]
        assert gain.mean() > 0  # better overall by the last visit
        assert (by_visit.mean().diff().dropna() < 0).any() or len(per_visit) < 6  # not a ramp
    assert missed >= 1


def test_demo_pain_falls_and_odi_is_taken_at_some_visits(demo: Store) -> None:
    for pid in demo.patients()["patient_id"]:
        visits = demo.visits(pid)
        assert visits["pain_nprs"].iloc[-1] < visits["pain_nprs"].iloc[0]
        odi = visits["odi_index"].notna()
        assert odi.iloc[0] and odi.iloc[-1]
        assert not odi.all()


def test_demo_visits_carry_the_routine_given(demo: Store) -> None:
    pid = demo.patients()["patient_id"].iloc[0]
    routine = demo.visits(pid)["routine"].iloc[0]
    assert {"profile", "items"} <= set(routine)
    assert all("stretch_id" in item for item in routine["items"])


def test_demo_has_a_correction_and_a_profile_update_to_show(demo: Store) -> None:
    log = demo.audit_log()
    assert {"amend_visit", "update_profile"} <= set(log["event"])
    visit = log.loc[log["event"] == "amend_visit", "visit_id"].iloc[0]
    history = demo.visit_history(visit)
    assert list(history["version"]) == [1, 2]
    assert history.loc[1, "changed"] == ("rom",)


def test_demo_is_deterministic(tmp_path: Path, demo: Store) -> None:
    with make_demo_store(tmp_path / "again.sqlite", today=TODAY) as again:
        pd.testing.assert_frame_equal(content(again), content(demo))


def test_demo_rebuilds_an_existing_demo_store(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    make_demo_store(path, today=TODAY).close()
    with make_demo_store(path, today=TODAY) as store:
        assert len(store.patients()) == len(CASES)


def test_demo_never_overwrites_a_clinic_store(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    profile = PatientProfile(age=60, activity="active", floor_transfer=True, kneeling="comfortable")
    with open_store(path) as store:
        pid = store.add_patient("Real Patient", 1966, profile)
    with pytest.raises(WorkbookError, match="never overwrites"):
        make_demo_store(path)
    with open_store(path) as store:
        assert list(store.patients()["patient_id"]) == [pid]
        assert not store.is_demo
