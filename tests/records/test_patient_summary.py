"""The per-patient summaries (schema version 3) stay equal to a recomputation from the visits.

After every kind of change (log, same-day second visit, amend, void, discharge, erase, bulk
import, shared case, restore from a backup, migration from version 2) ``check_summaries`` finds
nothing, and a Hypothesis property drives random sequences of changes, checking after each
sequence that the summaries agree with the visits and that the caseload's flags are still
``clinical.review``'s for every patient. On SQLite and PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import contextlib
import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbook.clinical.measures import MOTIONS, SIDES
from workbook.clinical.profile import PatientProfile
from workbook.clinical.review import review
from workbook.errors import WorkbookError
from workbook.records.backup import restore_store
from workbook.records.case_import import check_case_record
from workbook.records.caseload import caseload
from workbook.records.schema import SCHEMA_VERSION, SUMMARY_TABLES, motion_summary_t
from workbook.records.store import Store, open_store

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
PROFILE = PatientProfile(age=60, activity="active", floor_transfer=True, kneeling="comfortable")


def rom(base: float, left_offset: float = 0.0) -> dict[tuple[str, str], float]:
    return {(m, s): base + (left_offset if s == "left" else 0.0) for m in MOTIONS for s in SIDES}


def summary_rows(store: Store) -> dict[str, list[tuple]]:
    with store.engine.connect() as conn:
        return {
            t.name: sorted(tuple(map(str, r)) for r in conn.execute(sa.select(t)))
            for t in SUMMARY_TABLES
        }


def assert_agrees_with_review(store: Store) -> None:
    """The summaries match the visits, and the caseload's flags are review()'s per patient.

    review() reads the profile's red flags only; the caseload also those answered at the latest
    visit that asked them, which are checked here from the visits themselves.
    """
    assert store.check_summaries() == []
    table = caseload(store, today=TODAY).set_index("patient_id")
    for pid in table.index:
        visits = store.visits(pid)
        expected = set(
            review(store.measurements(pid), visits, store.profile(pid), today=TODAY)["flag"]
        )
        asked = [f for f in visits["red_flags"] if f is not None]
        if asked and asked[-1]:
            expected.add("red_flag")
        assert set(table.at[pid, "flags"]) == expected, pid


@pytest.fixture
def ann(store: Store) -> str:
    pid = store.add_patient("Ann Summary", TODAY.year - 60, PROFILE)
    for i, day in enumerate((40, 26, 12)):
        store.log_visit(pid, TODAY - day * DAY, rom(30 + 10 * i, -12), pain=6 - i, therapist="Kim")
    return pid


def test_logging_a_visit_writes_the_patients_summary(store: Store, ann: str) -> None:
    rows = summary_rows(store)
    assert len(rows["patient_summary"]) == 1 and len(rows["motion_summary"]) == 12
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(motion_summary_t).where(
                (motion_summary_t.c.patient_id == ann)
                & (motion_summary_t.c.motion == "hip_flexion")
                & (motion_summary_t.c.side == "left")
            )
        ).one()
    assert (row.first_degrees, row.last_degrees, row.n, row.gap_degrees) == (18, 38, 3, -12)
    assert row.last_date == (TODAY - 12 * DAY).isoformat()
    assert_agrees_with_review(store)


def test_every_kind_of_change_keeps_the_summary_equal_to_the_visits(store: Store, ann) -> None:
    first, second, last = store.visits(ann)["visit_id"]
    store.log_visit(ann, TODAY - 12 * DAY, {("hip_flexion", "right"): 70}, pain=9)  # same day
    assert store.check_summaries() == []
    store.amend_visit(second, reason="typo", pain=1, rom=rom(45))
    assert store.check_summaries() == []
    store.amend_visit(first, reason="wrong date", visit_date=TODAY - 5 * DAY)  # now the latest
    assert store.check_summaries() == []
    store.void_visit(last, reason="entered twice")
    assert store.check_summaries() == []
    store.discharge(ann, reason="goals met")
    assert store.check_summaries() == [] and ann not in set(caseload(store)["patient_id"])
    store.readmit(ann, reason="back")
    assert_agrees_with_review(store)
    store.remove_patient(ann, reason="asked to be forgotten", requested_by="Kim")
    assert summary_rows(store) == {"patient_summary": [], "motion_summary": []}


def test_voiding_every_visit_leaves_no_summary_row(store: Store) -> None:
    pid = store.add_patient("Bo Void", TODAY.year - 50, PROFILE)
    visit = store.log_visit(pid, TODAY, rom(40), pain=4)
    store.void_visit(visit, reason="wrong patient")
    assert summary_rows(store) == {"patient_summary": [], "motion_summary": []}
    row = caseload(store).iloc[0]
    assert row["visits"] == 0 and row["flags"] == []


def test_a_bulk_import_and_a_shared_case_build_their_summaries(
    store: Store, ann: str, new_store, tmp_path
) -> None:
    store.log_visit(
        ann, TODAY, {}, pain=2, red_flags=["night_pain"], days_done=3, days_prescribed=7
    )
    store.export_csv(tmp_path / "export")
    target = new_store("target")
    target.import_csv(tmp_path / "export")
    assert summary_rows(target) == summary_rows(store)
    assert target.check_summaries() == []
    visits = [
        {"visit_date": TODAY - (20 - n) * DAY, "pain": n, "rom": rom(30 + n)} for n in range(3)
    ]
    record = check_case_record(
        case_code="C-1", name="Cy Case", birth_year=1950, profile=PROFILE, details={}, visits=visits
    )
    target.add_case(record)
    assert_agrees_with_review(target)


def test_a_restored_backup_and_a_version_2_store_read_the_same_caseload(tmp_path) -> None:
    path = tmp_path / "clinic.sqlite"
    with open_store(path) as store:
        pid = store.add_patient("Di Backup", TODAY.year - 40, PROFILE)
        store.log_visit(pid, TODAY - 30 * DAY, rom(30, -15), pain=7)
        store.log_visit(pid, TODAY - 2 * DAY, rom(50, -15), pain=3)
        before = caseload(store, today=TODAY)
        backup = store.backup(tmp_path / "monday.sqlite")
        store.log_visit(pid, TODAY, rom(45), pain=1)
    restore_store(backup, path)
    with open_store(path) as store:
        pd.testing.assert_frame_equal(caseload(store, today=TODAY), before)
        assert store.check_summaries() == []
        # What a version-2 workbook left: no summary tables.
        with store.engine.begin() as conn:
            for table in SUMMARY_TABLES:
                conn.execute(sa.text(f"DROP TABLE {table.name}"))
            conn.execute(sa.text("DELETE FROM schema_version"))
            conn.execute(sa.text("INSERT INTO schema_version VALUES (2, '2026-01-01T00:00:00')"))
    with open_store(path) as store:
        assert store.meta()["schema_version"] == str(SCHEMA_VERSION) == "3"
        pd.testing.assert_frame_equal(caseload(store, today=TODAY), before)
        assert store.check_summaries() == []


def test_the_check_names_a_tampered_summary_and_a_rebuild_repairs_it(
    store: Store, ann: str
) -> None:
    before = caseload(store, today=TODAY)
    with store.engine.begin() as conn:
        conn.execute(motion_summary_t.update().values(last_degrees=1.0))
    problems = store.check_summaries()
    assert problems and all(ann in p and "motion_summary" in p for p in problems)
    store.rebuild_summaries()
    assert store.check_summaries() == []
    pd.testing.assert_frame_equal(caseload(store, today=TODAY), before)


# -- a property: any sequence of changes ------------------------------------------------------

READING = st.floats(5, 45).map(round)
ROM = st.dictionaries(st.sampled_from([(m, s) for m in MOTIONS for s in SIDES]), READING)
VISIT = st.fixed_dictionaries(
    {
        "days_ago": st.integers(0, 50),
        "rom": ROM,
        "pain": st.none() | st.integers(0, 10),
        "red_flags": st.none() | st.sampled_from([[], ["night_pain"]]),
        "days_done": st.none() | st.integers(0, 7),
    }
)
STEP = st.one_of(
    st.tuples(st.just("log"), st.integers(0, 2), VISIT),
    st.tuples(st.just("amend"), st.integers(0, 20), VISIT),
    st.tuples(st.just("void"), st.integers(0, 20), st.none()),
    st.tuples(st.just("discharge"), st.integers(0, 2), st.none()),
    st.tuples(st.just("erase"), st.integers(0, 2), st.none()),
)


def _apply(store: Store, patients: list[str], step: tuple) -> None:
    kind, which, visit = step
    if kind in ("log", "discharge", "erase"):
        pid = patients[which]
        if kind == "log":
            store.log_visit(
                pid,
                TODAY - visit["days_ago"] * DAY,
                visit["rom"],
                pain=visit["pain"],
                red_flags=visit["red_flags"],
                days_done=visit["days_done"],
                days_prescribed=None if visit["days_done"] is None else 7,
            )
        elif kind == "discharge":
            try:
                store.discharge(pid, reason="done")
            except WorkbookError:  # already discharged: back on the caseload
                store.readmit(pid, reason="back")
        else:
            store.remove_patient(pid, reason="asked", requested_by="Kim")
            patients[which] = store.add_patient("Fresh Start", TODAY.year - 30, PROFILE)
        return
    current = [v for p in patients for v in store.visits(p)["visit_id"]]
    if not current:
        return
    visit_id = current[which % len(current)]
    if kind == "void":
        store.void_visit(visit_id, reason="wrong")
        return
    with contextlib.suppress(WorkbookError):  # refused: nothing differs from the current one
        store.amend_visit(
            visit_id,
            reason="fix",
            visit_date=TODAY - visit["days_ago"] * DAY,
            pain=visit["pain"],
            rom=visit["rom"],
        )


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=8))
def test_any_sequence_of_changes_keeps_summary_and_flags_right(store: Store, steps) -> None:
    patients = [store.add_patient(f"Pat {i}", TODAY.year - 40 - i, PROFILE) for i in range(3)]
    for step in steps:
        _apply(store, patients, step)
    assert_agrees_with_review(store)


def test_one_therapists_caseload_reads_only_their_patients(store: Store, ann: str) -> None:
    odd = "O'Brien 100%"  # a quote and a percent sign, written into the query as text
    pid = store.add_patient("Ed Odd", TODAY.year - 45, PROFILE)
    store.log_visit(pid, TODAY - 3 * DAY, rom(30), pain=5, therapist=odd)
    assert caseload(store, therapist=odd)["patient_id"].tolist() == [pid]
    assert caseload(store, therapist="Kim")["patient_id"].tolist() == [ann]
    store.log_visit(pid, TODAY, rom(32), pain=4, therapist="Kim")  # now Kim's
    assert set(caseload(store, therapist="Kim")["patient_id"]) == {ann, pid}
    assert caseload(store, therapist=odd).empty
