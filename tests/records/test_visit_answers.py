"""Schema version 2 in the store: red flags, PSFS and adherence per visit, optimistic
concurrency on corrections, voided visits, the visit of a day, and the migration from version 1.

Every test takes ``store`` (or ``new_store``), so each runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
import sqlalchemy as sa

from workbook.clinical.profile import PatientProfile
from workbook.errors import WorkbookError
from workbook.records.schema import SUMMARY_TABLES, V2_COLUMNS
from workbook.records.store import SCHEMA_VERSION, Store, open_store

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


@pytest.fixture
def patient(store: Store) -> str:
    profile = PatientProfile(age=70, activity="sedentary", floor_transfer=False, kneeling="unable")
    return store.add_patient("Ada Example", TODAY.year - 70, profile)


def test_a_visit_keeps_its_red_flags_psfs_and_adherence(store: Store, patient: str) -> None:
    store.log_visit(
        patient,
        TODAY - DAY,
        {("hip_flexion", "left"): 95},
        red_flags=["night_pain"],
        psfs={"Putting on socks": 4, "Walking 1 km": 6},
        days_done=5,
        days_prescribed=14,
    )
    row = store.visits(patient).iloc[0]
    assert row["red_flags"] == ["night_pain"]
    assert row["psfs"] == {"Putting on socks": 4, "Walking 1 km": 6}
    assert (row["days_done"], row["days_prescribed"]) == (5.0, 14.0)


def test_answers_not_asked_read_as_none_and_nan_and_an_empty_list_means_asked(
    store: Store, patient: str
) -> None:
    store.log_visit(patient, TODAY - 2 * DAY, {}, pain=3)
    store.log_visit(patient, TODAY - DAY, {}, pain=3, red_flags=[])
    first, second = store.visits(patient).to_dict("records")
    assert first["red_flags"] is None and first["psfs"] is None
    assert math.isnan(first["days_done"]) and math.isnan(first["days_prescribed"])
    assert second["red_flags"] == []


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"red_flags": ["no_such_flag"]}, "red flag"),
        ({"red_flags": "night_pain"}, "red flags"),
        ({"psfs": {"Stairs": 11}}, "psfs score for 'Stairs'"),
        ({"psfs": {"a": 1, "b": 2, "c": 3, "d": 4}}, "psfs"),
        ({"psfs": [("Stairs", 3)]}, "psfs"),
        ({"days_done": 3}, "adherence"),
        ({"days_done": 8, "days_prescribed": 7}, "days_done"),
        ({"days_done": 1, "days_prescribed": 0}, "days_prescribed"),
        ({"days_done": None, "days_prescribed": 7}, "adherence"),
    ],
)
def test_bad_answers_are_refused_naming_the_field_and_nothing_is_written(
    store: Store, patient: str, answers: dict, field: str
) -> None:
    before = store.table_counts()
    with pytest.raises(WorkbookError) as caught:
        store.log_visit(patient, TODAY - DAY, {}, pain=2, **answers)
    assert caught.value.field == field
    assert store.table_counts() == before


def test_amending_answers_carries_the_others_over_and_shows_what_changed(
    store: Store, patient: str
) -> None:
    visit = store.log_visit(
        patient,
        TODAY - DAY,
        {},
        pain=4,
        red_flags=[],
        psfs={"Stairs": 3},
        days_done=2,
        days_prescribed=7,
    )
    store.amend_visit(visit, reason="misheard", expected_version=1, days_done=3, days_prescribed=7)
    row = store.visits(patient).iloc[0]
    assert (row["days_done"], row["psfs"], row["red_flags"], row["pain_nprs"]) == (
        3.0,
        {"Stairs": 3},
        [],
        4.0,
    )
    history = store.visit_history(visit)
    assert history.loc[1, "changed"] == ("days_done",)
    with pytest.raises(WorkbookError, match="together"):
        store.amend_visit(visit, reason="x", days_done=1)


def test_a_correction_at_a_stale_version_is_refused_with_who_and_the_new_version(
    store: Store, patient: str
) -> None:
    visit = store.log_visit(patient, TODAY - DAY, {("hip_flexion", "left"): 90}, pain=5)
    store.amend_visit(visit, reason="typo", changed_by="Kim", expected_version=1, pain=4)
    before = store.table_counts()
    with pytest.raises(WorkbookError) as caught:
        store.amend_visit(visit, reason="mine", changed_by="Jo", expected_version=1, pain=6)
    message = str(caught.value)
    assert "changed by Kim" in message and "now at version 2" in message
    assert "reload" in message
    assert store.table_counts() == before
    assert store.visits(patient).loc[0, "pain_nprs"] == 4.0
    assert store.amend_visit(visit, reason="mine", expected_version=2, pain=6) == 3


@pytest.mark.parametrize("bad", [0, -1, "2", 1.5, True])
def test_expected_version_must_be_a_version_number(store: Store, patient: str, bad) -> None:
    visit = store.log_visit(patient, TODAY - DAY, {}, pain=5)
    with pytest.raises(WorkbookError, match="expected_version"):
        store.amend_visit(visit, reason="x", expected_version=bad, pain=4)


def test_a_voided_visit_leaves_every_reading_but_keeps_its_history(
    store: Store, patient: str
) -> None:
    kept = store.log_visit(patient, TODAY - 3 * DAY, {("hip_flexion", "left"): 90}, pain=5)
    wrong = store.log_visit(patient, TODAY - DAY, {("hip_flexion", "left"): 20}, pain=9)
    assert store.void_visit(wrong, reason="wrong patient", therapist="Kim") == 2
    assert store.visits(patient)["visit_id"].tolist() == [kept]
    assert store.measurements(patient)["visit_id"].tolist() == [kept]
    summary = store.clinic_summary()
    assert summary["latest_mean_degrees"].tolist() == [90.0]
    history = store.visit_history(wrong)
    assert history["voided"].tolist() == [False, True]
    assert history.loc[1, "reason"] == "wrong patient"
    assert history.loc[1, "changed_by"] == "Kim"
    assert history.loc[1, "rom"] == {("hip_flexion", "left"): 20.0}
    log = store.audit_log()
    assert log[log["event"] == "void_visit"]["visit_id"].tolist() == [wrong]
    with pytest.raises(WorkbookError, match="not void"):
        store.amend_visit(wrong, reason="x", pain=3)
    with pytest.raises(WorkbookError, match="not void"):
        store.void_visit(wrong, reason="again")


def test_void_needs_a_reason_and_respects_the_expected_version(store: Store, patient: str) -> None:
    visit = store.log_visit(patient, TODAY - DAY, {}, pain=5)
    with pytest.raises(WorkbookError, match="reason"):
        store.void_visit(visit, reason=" ")
    store.amend_visit(visit, reason="typo", pain=4)
    with pytest.raises(WorkbookError, match="now at version 2"):
        store.void_visit(visit, reason="duplicate", expected_version=1)
    assert len(store.visits(patient)) == 1


def test_visit_on_finds_the_days_visit_and_ignores_void_ones(store: Store, patient: str) -> None:
    assert store.visit_on(patient, TODAY) is None
    first = store.log_visit(patient, TODAY, {}, pain=5)
    store.log_visit(patient, TODAY, {}, pain=4)
    assert store.visit_on(patient, TODAY) == first
    assert store.visit_on(patient, TODAY.isoformat()) == first
    assert store.visit_on(patient, TODAY - DAY) is None
    store.void_visit(first, reason="duplicate")
    assert store.visit_on(patient, TODAY) not in (None, first)
    with pytest.raises(WorkbookError, match="patient_id"):
        store.visit_on("p_nobody", TODAY)


def test_inside_a_hub_corrections_and_voids_name_the_logged_in_user(
    store: Store, patient: str, monkeypatch
) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "kim")
    visit = store.log_visit(patient, TODAY - DAY, {}, pain=5)
    store.amend_visit(visit, reason="typo", pain=4)
    store.void_visit(visit, reason="duplicate")
    history = store.visit_history(visit)
    assert history["changed_by"].tolist() == ["kim", "kim", "kim"]
    assert set(store.audit_log()["actor"]) == {"kim"}


# -- migration from schema version 1 ----------------------------------------------------------


def _make_version_1(store: Store) -> None:
    """Turn a fresh store into one a version-1 workbook wrote: no v2 columns, version 1."""
    with store.engine.begin() as conn:
        for table, columns in V2_COLUMNS.items():
            for column in columns:
                conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        for table in SUMMARY_TABLES:  # version 3's tables
            conn.execute(sa.text(f"DROP TABLE {table.name}"))
        conn.execute(sa.text("DELETE FROM schema_version"))
        conn.execute(sa.text("INSERT INTO schema_version VALUES (1, '2024-01-01T00:00:00')"))


def test_a_version_1_store_is_migrated_on_open_and_reads_as_before(new_store) -> None:
    location = new_store.location("old")
    profile = PatientProfile(age=70, activity="sedentary", floor_transfer=False, kneeling="unable")
    with open_store(location) as store:
        pid = store.add_patient("Ada Example", TODAY.year - 70, profile)
        old = store.log_visit(pid, TODAY - 2 * DAY, {("hip_flexion", "left"): 90}, pain=5)
        _make_version_1(store)
        with store.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("visit_versions")}
        assert "psfs" not in columns
    with open_store(location) as store:
        assert store.meta()["schema_version"] == str(SCHEMA_VERSION) == "3"
        row = store.visits(pid).iloc[0]
        assert row["visit_id"] == old and row["pain_nprs"] == 5.0
        assert row["red_flags"] is None and math.isnan(row["days_done"])
        assert store.measurements(pid)["degrees"].tolist() == [90.0]
        store.log_visit(
            pid, TODAY - DAY, {}, pain=3, psfs={"Stairs": 5}, days_done=1, days_prescribed=2
        )
        assert store.visits(pid)["psfs"].tolist() == [None, {"Stairs": 5}]
        store.void_visit(old, reason="entered twice")
        assert len(store.visits(pid)) == 1
    with open_store(location) as store:  # a second open finds nothing to migrate
        assert store.meta()["schema_version"] == "3"
        assert len(store.visits(pid)) == 1
        assert store.check_summaries() == []


def test_an_export_made_before_version_2_still_imports(
    store: Store, patient: str, new_store, tmp_path
) -> None:
    import pandas as pd

    store.log_visit(patient, TODAY - DAY, {("hip_flexion", "left"): 90}, pain=5)
    folder = tmp_path / "export"
    for path in store.export_csv(folder):
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        old = table.drop(columns=list(V2_COLUMNS.get(path.stem, ())))
        old.to_csv(path, index=False)
    target = new_store("target")
    assert target.import_csv(folder)["visit_versions"] == 1
    row = target.visits(patient).iloc[0]
    assert row["pain_nprs"] == 5.0 and row["red_flags"] is None and not row["amended"]
    assert target.visit_on(patient, TODAY - DAY) == row["visit_id"]
