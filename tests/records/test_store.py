"""The clinic store: opening, patients, visits, corrections, erasure, export and import.

Tests that take ``store`` or ``new_store`` (tests/conftest.py) run on SQLite and on PostgreSQL;
the ones that open a file by path check what only an SQLite file has (WAL, pragmas, the bytes
on disk, a file that is not a database).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from workbook.clinical.measures import MOTIONS, SIDES, default_position
from workbook.clinical.profile import PatientProfile
from workbook.clinical.routine import generate_routine
from workbook.errors import WorkbookError
from workbook.records.paths import default_store_path
from workbook.records.store import SCHEMA_VERSION, Store, open_store

REPO_ROOT = Path(__file__).resolve().parents[2]

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


def full_rom(base: float = 30.0) -> dict[tuple[str, str], float]:
    """All twelve readings, each motion at ``base`` plus a small offset per side."""
    return {(m, s): base + (1.0 if s == "right" else 0.0) for m in MOTIONS for s in SIDES}


ROUTINE = generate_routine(
    PatientProfile(age=70, activity="sedentary", floor_transfer=False, kneeling="unable")
).to_dict()


@pytest.fixture
def profile() -> PatientProfile:
    return PatientProfile(
        age=70,
        activity="sedentary",
        floor_transfer=False,
        kneeling="unable",
        conditions={"spinal_stenosis"},
        equipment={"armless_chair"},
    )


@pytest.fixture
def patient(store: Store, profile: PatientProfile) -> str:
    return store.add_patient("Ada Example", TODAY.year - 70, profile, phone="555-0100")


# -- opening ----------------------------------------------------------------------------------


def test_open_creates_schema_with_version_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "clinic.sqlite"
    with open_store(path) as store:
        assert store.location == str(path.resolve())
        assert store.meta()["schema_version"] == str(SCHEMA_VERSION)
        assert store.is_demo is False
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    assert path.exists()


def test_open_accepts_a_sqlalchemy_url(tmp_path: Path) -> None:
    path = tmp_path / "url.sqlite"
    with open_store(f"sqlite:///{path}") as store:
        assert store.location == str(path)
        assert store.patients().empty


def test_open_without_location_uses_workbook_db(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBOOK_DB", str(tmp_path / "env.sqlite"))
    with open_store() as store:
        assert Path(store.location) == (tmp_path / "env.sqlite").resolve()


def test_default_store_path_is_outside_the_repository() -> None:
    assert not default_store_path().resolve().is_relative_to(REPO_ROOT)
    assert default_store_path().name == "clinic.sqlite"


def test_reopening_keeps_the_records(new_store, profile: PatientProfile) -> None:
    location = new_store.location()
    with open_store(location) as store:
        pid = store.add_patient("Ada Example", 1950, profile)
        store.log_visit(pid, TODAY - DAY, full_rom(), pain=5)
    with open_store(location) as store:
        assert list(store.patients()["patient_id"]) == [pid]
        assert len(store.measurements(pid)) == 12


def test_open_refuses_a_database_that_is_not_a_workbook_store(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(WorkbookError, match="invoices"):
        open_store(path)


def test_open_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not a database, just some text " * 50)
    with pytest.raises(WorkbookError, match="store"):
        open_store(path)


def test_open_refuses_a_store_from_a_newer_workbook(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    open_store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (?, '2030-01-01')", (SCHEMA_VERSION + 1,))
    with pytest.raises(WorkbookError, match="newer workbook"):
        open_store(path)


def test_open_runs_pending_migrations(new_store, monkeypatch) -> None:
    from workbook.records import schema

    path = new_store.location()
    open_store(path).close()
    ran = []
    monkeypatch.setattr(schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(schema.MIGRATIONS, SCHEMA_VERSION + 1, ran.append)
    with open_store(path) as store:
        assert store.meta()["schema_version"] == str(SCHEMA_VERSION + 1)
    assert len(ran) == 1


def test_the_store_is_a_context_manager_that_closes(new_store) -> None:
    with open_store(new_store.location()) as store:
        assert isinstance(store, Store)
    assert store.engine.pool.checkedout() == 0


# -- patients ---------------------------------------------------------------------------------


def test_add_patient_returns_an_opaque_id(store: Store, profile: PatientProfile) -> None:
    first = store.add_patient("Ada Example", 1950, profile)
    second = store.add_patient("Ada Example", 1950, profile)
    assert first != second
    assert first.startswith("p_") and len(first) == 12
    assert "Ada" not in first and "1950" not in first


def test_patients_lists_age_visits_and_last_visit_sorted_by_name(
    store: Store, profile: PatientProfile
) -> None:
    zed = store.add_patient("zed Example", TODAY.year - 40, profile)
    ada = store.add_patient("Ada Example", TODAY.year - 70, profile)
    store.log_visit(ada, TODAY - 10 * DAY, {}, pain=4)
    store.log_visit(ada, TODAY - 3 * DAY, {}, pain=3)
    table = store.patients()
    assert list(table["patient_id"]) == [ada, zed]
    for column in (
        "patient_id",
        "name",
        "birth_year",
        "age",
        "created_at",
        "n_visits",
        "last_visit_date",
    ):
        assert column in table.columns
    assert list(table["age"]) == [70, 40]
    assert list(table["n_visits"]) == [2, 0]
    assert table.loc[0, "last_visit_date"] == pd.Timestamp(TODAY - 3 * DAY)
    assert pd.isna(table.loc[1, "last_visit_date"])


def test_patients_of_an_empty_store_has_the_columns(store: Store) -> None:
    table = store.patients()
    assert table.empty
    assert {"patient_id", "name", "age", "n_visits", "last_visit_date"} <= set(table.columns)


def test_find_patients_matches_any_case_substring_or_exact_id(
    store: Store, profile: PatientProfile
) -> None:
    ada = store.add_patient("Ada Émile Example", 1950, profile)
    store.add_patient("Bob Sample", 1960, profile)
    assert list(store.find_patients("émile")["patient_id"]) == [ada]
    assert list(store.find_patients(ada)["patient_id"]) == [ada]
    assert len(store.find_patients("EXAMPLE")) == 1
    assert len(store.find_patients("%")) == 0
    assert len(store.find_patients("")) == 2


def test_patient_returns_name_details_and_profile(store: Store, profile: PatientProfile) -> None:
    pid = store.add_patient(
        "  Ada Example ", 1950, profile, phone="555-0100", address={"city": "Springfield"}
    )
    record = store.patient(pid)
    assert record["name"] == "Ada Example"
    assert record["birth_year"] == 1950
    assert record["details"] == {"phone": "555-0100", "address": {"city": "Springfield"}}
    assert record["profile"] == profile.to_dict()
    assert store.profile(pid) == profile


def test_update_profile_keeps_the_old_profile_in_the_history(
    store: Store, patient: str, profile: PatientProfile
) -> None:
    better = PatientProfile(
        age=70,
        activity="active",
        floor_transfer=True,
        kneeling="painful",
        conditions={"spinal_stenosis"},
    )
    assert store.update_profile(patient, better, changed_by="Jo", reason="can kneel now") == 2
    assert store.profile(patient) == better
    history = store.profile_history(patient)
    assert list(history["version"]) == [1, 2]
    assert history.loc[0, "profile"] == profile.to_dict()
    assert list(history["activity"]) == ["sedentary", "active"]
    assert history.loc[1, "changed_by"] == "Jo"
    assert history.loc[1, "reason"] == "can kneel now"


def test_unknown_patient_is_an_error_naming_the_id(store: Store) -> None:
    for call in (
        store.patient,
        store.profile,
        store.visits,
        store.measurements,
        store.profile_history,
    ):
        with pytest.raises(WorkbookError, match="p_nobody"):
            call("p_nobody")


# -- visits -----------------------------------------------------------------------------------


def test_log_visit_stores_readings_with_default_instrument_and_position(
    store: Store, patient: str
) -> None:
    visit = store.log_visit(patient, TODAY - DAY, full_rom(), pain=6)
    table = store.measurements(patient)
    assert list(table.columns) == [
        "visit_id",
        "visit_date",
        "motion",
        "side",
        "degrees",
        "instrument",
        "position",
    ]
    assert len(table) == 12
    assert set(table["visit_id"]) == {visit}
    assert (table["instrument"] == "goniometer").all()
    for motion, position in zip(table["motion"], table["position"], strict=True):
        assert position == default_position(motion)
    assert table["degrees"].dtype == "float64"
    assert pd.api.types.is_datetime64_any_dtype(table["visit_date"])


def test_log_visit_accepts_dict_values_with_instrument_and_position(
    store: Store, patient: str
) -> None:
    rom = {
        ("hip_internal_rotation", "left"): {
            "degrees": 31,
            "instrument": "inclinometer",
            "position": "supine",
        },
        ("hip_flexion", "right"): 101,
    }
    store.log_visit(patient, (TODAY - DAY).isoformat(), rom)
    table = store.measurements(patient).set_index(["motion", "side"])
    assert table.loc[("hip_internal_rotation", "left"), "instrument"] == "inclinometer"
    assert table.loc[("hip_internal_rotation", "left"), "position"] == "supine"
    assert table.loc[("hip_flexion", "right"), "degrees"] == 101.0


def test_log_visit_accepts_a_dataframe(store: Store, patient: str) -> None:
    rom = pd.DataFrame(
        {
            "motion": ["hip_flexion", "hip_extension"],
            "side": ["left", "left"],
            "degrees": [95.5, -5.0],
            "instrument": ["smartphone", None],
        }
    )
    store.log_visit(patient, TODAY - DAY, rom)
    table = store.measurements(patient).set_index("motion")
    assert table.loc["hip_flexion", "degrees"] == 95.5
    assert table.loc["hip_flexion", "instrument"] == "smartphone"
    assert table.loc["hip_extension", "degrees"] == -5.0
    assert table.loc["hip_extension", "instrument"] == "goniometer"


def test_a_visit_may_hold_only_a_pain_rating(store: Store, patient: str) -> None:
    visit = store.log_visit(patient, TODAY - DAY, {}, pain=3)
    assert store.measurements(patient).empty
    assert store.visits(patient).loc[0, "visit_id"] == visit


def test_visits_returns_pain_odi_routine_and_version_sorted_by_date(
    store: Store, patient: str
) -> None:
    routine = ROUTINE  # the shape Routine.to_dict() writes (the store refuses any other)
    later = store.log_visit(patient, TODAY - DAY, {}, pain=2, therapist="Jo", notes="better")
    first = store.log_visit(
        patient,
        TODAY - 20 * DAY,
        full_rom(),
        pain=7,
        odi=[2, 1, 3, 2, 0, 1, 2, 1, 1, None],
        routine=routine,
    )
    table = store.visits(patient)
    assert list(table["visit_id"]) == [first, later]
    for column in (
        "visit_id",
        "visit_date",
        "pain_nprs",
        "odi_index",
        "odi_sections",
        "therapist",
        "notes",
        "routine",
        "version",
        "amended",
    ):
        assert column in table.columns
    assert pd.api.types.is_datetime64_any_dtype(table["visit_date"])
    assert list(table["pain_nprs"]) == [7.0, 2.0]
    assert table.loc[0, "odi_index"] == pytest.approx(13 / 45 * 100)
    assert table.loc[0, "odi_sections"] == (2, 1, 3, 2, 0, 1, 2, 1, 1, None)
    assert table.loc[1, "odi_sections"] is None
    assert pd.isna(table.loc[1, "odi_index"])
    assert table.loc[0, "routine"] == routine
    assert table.loc[1, "routine"] is None
    assert table.loc[1, "therapist"] == "Jo"
    assert list(table["version"]) == [1, 1]
    assert not table["amended"].any()


def test_visits_of_a_patient_without_visits_is_empty_with_columns(
    store: Store, patient: str
) -> None:
    table = store.visits(patient)
    assert table.empty and "visit_date" in table.columns
    assert store.measurements(patient).empty


def test_visits_of_one_patient_do_not_show_another_patients(
    store: Store, patient: str, profile: PatientProfile
) -> None:
    other = store.add_patient("Bob Sample", 1960, profile)
    store.log_visit(other, TODAY - DAY, full_rom(), pain=1)
    assert store.visits(patient).empty
    assert store.measurements(patient).empty


def test_a_visit_today_is_allowed_and_in_the_birth_year_too(
    store: Store, profile: PatientProfile
) -> None:
    baby = store.add_patient("Baby Example", TODAY.year, profile)
    store.log_visit(baby, TODAY, {}, pain=0)
    assert len(store.visits(baby)) == 1


def test_inside_a_hub_a_visit_without_therapist_names_the_logged_in_user(
    store: Store, patient: str, monkeypatch
) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "kim")
    unnamed = store.log_visit(patient, TODAY - 2 * DAY, {}, pain=4)
    named = store.log_visit(patient, TODAY - DAY, {}, pain=3, therapist="Jo")
    visits = store.visits(patient).set_index("visit_id")
    assert visits.loc[unnamed, "therapist"] == "kim"
    assert visits.loc[named, "therapist"] == "Jo"
    assert store.visit_history(unnamed).loc[0, "changed_by"] == "kim"


def test_outside_a_hub_a_visit_without_therapist_stays_unnamed(
    store: Store, patient: str, monkeypatch
) -> None:
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    visit = store.log_visit(patient, TODAY - DAY, {}, pain=4)
    assert store.visits(patient).set_index("visit_id").loc[visit, "therapist"] == ""


# -- corrections ------------------------------------------------------------------------------


def test_amend_visit_writes_a_new_version_and_keeps_the_original(
    store: Store, patient: str
) -> None:
    visit = store.log_visit(patient, TODAY - 5 * DAY, full_rom(), pain=6, therapist="Jo")
    version = store.amend_visit(visit, reason="pain was 4, typed 6", changed_by="Kim", pain=4)
    assert version == 2
    visits = store.visits(patient)
    assert visits.loc[0, "pain_nprs"] == 4.0
    assert visits.loc[0, "version"] == 2 and bool(visits.loc[0, "amended"])
    history = store.visit_history(visit)
    assert list(history["version"]) == [1, 2]
    assert list(history["pain_nprs"]) == [6.0, 4.0]
    assert history.loc[1, "changed_by"] == "Kim"
    assert history.loc[1, "reason"] == "pain was 4, typed 6"
    assert history.loc[1, "changed"] == ("pain_nprs",)
    assert history.loc[1, "rom"] == history.loc[0, "rom"]
    assert len(store.measurements(patient)) == 12


def test_amending_rom_replaces_the_whole_set(store: Store, patient: str) -> None:
    visit = store.log_visit(patient, TODAY - 5 * DAY, full_rom(30.0))
    store.amend_visit(visit, reason="only flexion was measured", rom={("hip_flexion", "left"): 95})
    table = store.measurements(patient)
    assert list(zip(table["motion"], table["side"], table["degrees"], strict=True)) == [
        ("hip_flexion", "left", 95.0)
    ]
    history = store.visit_history(visit)
    assert len(history.loc[0, "rom"]) == 12
    assert history.loc[1, "rom"] == {("hip_flexion", "left"): 95.0}
    assert history.loc[1, "changed"] == ("rom",)


def test_amending_the_date_moves_the_visit(store: Store, patient: str) -> None:
    early = store.log_visit(patient, TODAY - 10 * DAY, {}, pain=5)
    late = store.log_visit(patient, TODAY - 5 * DAY, {}, pain=4)
    store.amend_visit(early, reason="wrong day", visit_date=TODAY - 2 * DAY)
    assert list(store.visits(patient)["visit_id"]) == [late, early]
    assert store.patients().loc[0, "last_visit_date"] == pd.Timestamp(TODAY - 2 * DAY)


def test_amending_can_clear_a_value_and_set_odi_and_routine(store: Store, patient: str) -> None:
    visit = store.log_visit(patient, TODAY - 5 * DAY, {}, pain=5)
    store.amend_visit(
        visit,
        reason="pain not asked; ODI filled in",
        pain=None,
        odi=[1] * 10,
        routine=ROUTINE,
    )
    row = store.visits(patient).iloc[0]
    assert pd.isna(row["pain_nprs"])
    assert row["odi_index"] == pytest.approx(20.0)
    assert row["routine"] == ROUTINE


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "x"}, "changes"),
        ({"reason": "x", "weight_kg": 70}, "changes"),
        ({"reason": "x", "pain": 5}, "changes"),  # the same as now: nothing to correct
        ({"reason": "x", "pain": 11}, "pain"),
        ({"reason": "x", "visit_date": TODAY + DAY}, "visit_date"),
    ],
)
def test_a_bad_amendment_is_refused_and_writes_nothing(
    store: Store, patient: str, kwargs: dict, field: str
) -> None:
    visit = store.log_visit(patient, TODAY - 5 * DAY, {}, pain=5)
    before = store.table_counts()
    with pytest.raises(WorkbookError, match=field):
        store.amend_visit(visit, **kwargs)
    assert store.table_counts() == before


def test_amending_an_unknown_visit_names_it(store: Store) -> None:
    with pytest.raises(WorkbookError, match="v_nothere"):
        store.amend_visit("v_nothere", reason="x", pain=1)
    with pytest.raises(WorkbookError, match="v_nothere"):
        store.visit_history("v_nothere")


def test_amendments_are_in_the_audit_log(store: Store, patient: str) -> None:
    visit = store.log_visit(patient, TODAY - 5 * DAY, {}, pain=5)
    store.amend_visit(visit, reason="typo", changed_by="Kim", pain=4)
    log = store.audit_log()
    row = log[log["event"] == "amend_visit"].iloc[0]
    assert (row["visit_id"], row["patient_id"], row["actor"]) == (visit, patient, "Kim")
    assert row["detail"] == {"version": 2, "changed": ["pain_nprs"]}


# -- erasure ----------------------------------------------------------------------------------


def _erase_one_of_two(store: Store, profile: PatientProfile) -> tuple[str, str, dict[str, int]]:
    gone = store.add_patient("Zelda Uniquename-Qwx", 1950, profile, phone="555-0199")
    kept = store.add_patient("Bob Sample", 1960, profile)
    visit = store.log_visit(
        gone, TODAY - 5 * DAY, full_rom(), pain=5, notes="Zelda's note Qwx-7731"
    )
    store.amend_visit(visit, reason="typo", pain=4)
    store.log_visit(kept, TODAY - 5 * DAY, full_rom(), pain=5)
    counts = store.remove_patient(gone, reason="erasure request", requested_by="front desk")
    return gone, kept, counts


def test_remove_patient_purges_the_records_and_logs_who_asked(
    store: Store, profile: PatientProfile
) -> None:
    gone, kept, counts = _erase_one_of_two(store, profile)
    assert counts["measurements"] == 24 and counts["visits"] == 1
    assert list(store.patients()["patient_id"]) == [kept]
    with pytest.raises(WorkbookError):
        store.visits(gone)
    log = store.audit_log()
    row = log[log["event"] == "remove_patient"].iloc[0]
    assert (row["patient_id"], row["actor"], row["reason"]) == (
        gone,
        "front desk",
        "erasure request",
    )
    assert len(store.measurements(kept)) == 12
    dump = "".join(
        frame.to_csv() for frame in (store.patients(), store.audit_log(), store.clinic_summary())
    )
    assert "Uniquename-Qwx" not in dump and "Qwx-7731" not in dump


def test_an_erased_patient_leaves_no_byte_in_the_sqlite_file(
    tmp_path: Path, profile: PatientProfile
) -> None:
    # SQLite only: the file and its WAL are the whole store (secure_delete overwrites freed
    # pages). A PostgreSQL server keeps dead rows until VACUUM; see docs/deploy.md.
    path = tmp_path / "c.sqlite"
    with open_store(path) as store:
        _erase_one_of_two(store, profile)
    # Nothing of the erased patient is left in the file, not even in freed pages.
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("c.sqlite"))
    assert b"Uniquename-Qwx" not in raw
    assert b"Qwx-7731" not in raw


@pytest.mark.parametrize(
    "kwargs", [{"reason": "", "requested_by": "x"}, {"reason": "x", "requested_by": " "}]
)
def test_remove_patient_needs_a_reason_and_a_requester(
    store: Store, patient: str, kwargs: dict
) -> None:
    with pytest.raises(WorkbookError):
        store.remove_patient(patient, **kwargs)
    assert len(store.patients()) == 1


# -- clinic summary ---------------------------------------------------------------------------


def test_clinic_summary_compares_each_patients_first_and_latest_reading(
    store: Store, profile: PatientProfile
) -> None:
    a = store.add_patient("A Example", 1950, profile)
    b = store.add_patient("B Example", 1960, profile)
    flex = ("hip_flexion", "left")
    store.log_visit(a, TODAY - 30 * DAY, {flex: 80})
    store.log_visit(a, TODAY - 20 * DAY, {flex: 90})
    store.log_visit(a, TODAY - 10 * DAY, {flex: 100})
    # b's first visit misses flexion: the baseline is the first visit that measured it.
    store.log_visit(b, TODAY - 30 * DAY, {("hip_flexion", "right"): 50}, pain=5)
    store.log_visit(b, TODAY - 20 * DAY, {flex: 110})
    late = store.log_visit(b, TODAY - 10 * DAY, {flex: 120})
    store.amend_visit(late, reason="typo", rom={flex: 116})
    summary = store.clinic_summary().set_index(["motion", "side"])
    row = summary.loc[flex]
    assert row["n_patients"] == 2 and row["n_followed"] == 2
    assert row["baseline_mean_degrees"] == pytest.approx((80 + 110) / 2)
    assert row["latest_mean_degrees"] == pytest.approx((100 + 116) / 2)
    assert row["baseline_median_degrees"] == pytest.approx(95)
    assert row["change_mean_degrees"] == pytest.approx((20 + 6) / 2)
    right = summary.loc[("hip_flexion", "right")]
    assert right["n_patients"] == 1 and right["n_followed"] == 0
    assert pd.isna(right["change_mean_degrees"])


def test_clinic_summary_of_an_empty_store_is_empty_with_columns(store: Store) -> None:
    summary = store.clinic_summary()
    assert summary.empty
    assert {
        "motion",
        "side",
        "n_patients",
        "baseline_mean_degrees",
        "latest_median_degrees",
    } <= set(summary.columns)


# -- export and import ------------------------------------------------------------------------


def _filled_store(store: Store, profile: PatientProfile) -> None:
    a = store.add_patient(
        'Ann "Quote" O\'Neil; DROP TABLE patients;--',
        1950,
        profile,
        mrn="DEMO-1",
        email="ann@example.org",
    )
    b = store.add_patient("Bo <script>alert(1)</script> 🦴", 1980, profile)
    v = store.log_visit(
        a,
        TODAY - 9 * DAY,
        full_rom(40.25),
        pain=6,
        odi=[2, 1, None, 2, 0, 1, 2, 1, 1, 3],
        routine=ROUTINE,
        therapist="Jo",
        notes='line one\nline, two; "quoted"\r\n',
    )
    store.log_visit(b, TODAY - 2 * DAY, {("hip_extension", "left"): -12.5}, notes="")
    store.amend_visit(v, reason="typo", changed_by="Kim", pain=5)
    store.update_profile(b, profile, changed_by="Kim", reason="reviewed")


def test_export_then_import_gives_an_identical_store(
    tmp_path: Path, store: Store, new_store, profile: PatientProfile
) -> None:
    _filled_store(store, profile)
    first = store.export_csv(tmp_path / "one")
    assert sorted(p.name for p in first) == sorted(
        f"{t}.csv"
        for t in (
            "store_meta",
            "patients",
            "profiles",
            "visits",
            "visit_versions",
            "measurements",
            "audit_log",
        )
    )
    with new_store("copy") as copy:
        counts = copy.import_csv(tmp_path / "one")
        assert counts["measurements"] == 25
        second = copy.export_csv(tmp_path / "two")
        for a, b in zip(first, second, strict=True):
            assert a.read_bytes() == b.read_bytes(), a.name
        pid = store.patients()["patient_id"].iloc[0]
        pd.testing.assert_frame_equal(copy.visits(pid), store.visits(pid))
        pd.testing.assert_frame_equal(copy.measurements(pid), store.measurements(pid))
        assert copy.patient(pid) == store.patient(pid)


def test_import_refuses_a_store_that_is_not_empty(
    tmp_path: Path, store: Store, profile: PatientProfile
) -> None:
    _filled_store(store, profile)
    store.export_csv(tmp_path / "out")
    with pytest.raises(WorkbookError, match="empty store"):
        store.import_csv(tmp_path / "out")


@pytest.mark.parametrize(
    ("table", "column", "bad", "field"),
    [
        ("measurements", "degrees", "400", "degrees"),
        ("measurements", "motion", "hip_twist", "motion"),
        ("measurements", "degrees", "ten", "degrees"),
        ("visit_versions", "pain_nprs", "12", "pain_nprs"),
        ("visit_versions", "visit_date", "2020-13-40", "visit_date"),
        ("measurements", "visit_id", "v_nowhere00", "measurements.csv"),
    ],
)
def test_import_of_a_bad_file_names_the_row_and_leaves_the_store_empty(
    tmp_path: Path,
    store: Store,
    new_store,
    profile: PatientProfile,
    table: str,
    column: str,
    bad: str,
    field: str,
) -> None:
    _filled_store(store, profile)
    store.export_csv(tmp_path / "out")
    path = tmp_path / "out" / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[0, column] = bad
    frame.to_csv(path, index=False)
    with new_store("copy") as copy:
        before = copy.table_counts()
        with pytest.raises(WorkbookError, match=field):
            copy.import_csv(tmp_path / "out")
        assert copy.table_counts() == before


def test_import_needs_every_table_file(tmp_path: Path, store: Store, new_store) -> None:
    store.export_csv(tmp_path / "out")
    (tmp_path / "out" / "visits.csv").unlink()
    with (
        new_store("copy") as copy,
        pytest.raises(WorkbookError, match=r"visits\.csv"),
    ):
        copy.import_csv(tmp_path / "out")


def test_export_keeps_details_as_json(
    tmp_path: Path, store: Store, profile: PatientProfile
) -> None:
    store.add_patient("Ada Example", 1950, profile, phone="555-0100")
    store.export_csv(tmp_path / "out")
    frame = pd.read_csv(tmp_path / "out" / "patients.csv", dtype=str)
    assert json.loads(frame.loc[0, "details"]) == {"phone": "555-0100"}


@pytest.mark.parametrize(
    "sections",
    [
        [2, 1, 3, 2, 0, 1, 2, 1, 1, 2],
        [2, 1, 3, 2, 0, 1, 2, 1, 1, None],
        [5, 5, 5, 5, 5, 5, 5, 5, None, None],
        (0,) * 10,
        ["2", 1, 3, 2, 0, 1, 2.0, 1, 1, float("nan")],  # typed in a form: the slow path
    ],
)
def test_the_stored_odi_index_is_measures_odi_index(
    store: Store, patient: str, sections: list
) -> None:
    from workbook.clinical.measures import check_odi_sections, odi_index

    store.log_visit(patient, TODAY - DAY, {}, odi=sections)
    row = store.visits(patient).iloc[0]
    assert row["odi_index"] == odi_index(sections)
    assert row["odi_sections"] == check_odi_sections(sections)


def test_clinic_summary_equals_a_brute_force_count_over_every_reading(new_store) -> None:
    from workbook.records.demo import make_demo_store

    # The demo has readings missed at first and last visits, a correction and a single-visit
    # patient is added: the summary's shortcut must agree with reading everything.
    with make_demo_store(new_store.location("demo")) as store:
        profile = PatientProfile(
            age=40, activity="active", floor_transfer=True, kneeling="comfortable"
        )
        once = store.add_patient("Once Example", TODAY.year - 40, profile)
        store.log_visit(once, TODAY - DAY, full_rom(33.0))
        rows = []
        for pid in store.patients()["patient_id"]:
            for (motion, side), group in store.measurements(pid).groupby(["motion", "side"]):
                rows.append(
                    {
                        "motion": motion,
                        "side": side,
                        "baseline": group["degrees"].iloc[0],
                        "latest": group["degrees"].iloc[-1],
                        "n": len(group),
                    }
                )
        every = pd.DataFrame(rows)
        followed = every[every["n"] >= 2]
        summary = store.clinic_summary().set_index(["motion", "side"])
        for (motion, side), group in every.groupby(["motion", "side"]):
            row = summary.loc[(motion, side)]
            moved = followed[(followed["motion"] == motion) & (followed["side"] == side)]
            assert row["n_patients"] == len(group)
            assert row["n_followed"] == len(moved)
            assert row["baseline_mean_degrees"] == pytest.approx(group["baseline"].mean())
            assert row["baseline_median_degrees"] == pytest.approx(group["baseline"].median())
            assert row["latest_mean_degrees"] == pytest.approx(group["latest"].mean())
            assert row["latest_median_degrees"] == pytest.approx(group["latest"].median())
            assert row["change_mean_degrees"] == pytest.approx(
                (moved["latest"] - moved["baseline"]).mean()
            )


def test_import_restores_foreign_key_checks_on_the_connection(
    tmp_path: Path, store: Store, profile: PatientProfile
) -> None:
    _filled_store(store, profile)
    store.export_csv(tmp_path / "out")
    with open_store(tmp_path / "copy.sqlite") as copy:
        copy.import_csv(tmp_path / "out")
        for _ in range(3):  # whichever pooled connection comes back
            with copy.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
