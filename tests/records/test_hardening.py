"""Issue 10, the store's side: each finding reproduced, and the store now holding."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from workbook.clinical.profile import PatientProfile
from workbook.clinical.routine import generate_routine
from workbook.documents.share import IdentifiedBundleWarning, import_case, share_case
from workbook.errors import WorkbookError
from workbook.records.demo import make_demo_store
from workbook.records.engine import StoreFailure
from workbook.records.erasure import ERASED_REASON
from workbook.records.store import Store, open_store

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
PROFILE = PatientProfile(age=70, activity="sedentary", floor_transfer=False, kneeling="unable")
ROM = {("hip_flexion", "left"): 95.0, ("hip_flexion", "right"): 97.0}


def files_of(path: Path) -> dict[str, bytes]:
    """Every file of an SQLite store (main, -wal, -shm), by name."""
    return {p.name: p.read_bytes() for p in path.parent.glob(path.name + "*")}


@pytest.fixture
def filled(tmp_path: Path) -> tuple[Store, str]:
    store = open_store(tmp_path / "clinic.sqlite")
    pid = store.add_patient("Ann Lee", 1950, PROFILE, phone="555 0100")
    for n in range(3):
        store.log_visit(pid, TODAY - (10 - n) * DAY, ROM, pain=3 + n, notes=f"visit {n}")
    store.log_visit(
        pid, TODAY - DAY, ROM, pain=2, routine=generate_routine(PROFILE).to_dict(), notes="last"
    )
    yield store, pid
    store.close()


# -- 1. import_case: all or nothing --------------------------------------------------------------


def _bundle(store: Store, pid: str, folder: Path) -> Path:
    with pytest.warns(IdentifiedBundleWarning):  # notes included: the call says so
        return share_case(store, pid, folder, include_notes=True)


def _edit_visits(bundle: Path, row: int, **values: object) -> None:
    visits = pd.read_csv(bundle / "visits.csv")
    for column, value in values.items():
        visits[column] = visits[column].astype(object)
        visits.loc[row, column] = value
    (bundle / "visits.csv").write_text(visits.to_csv(index=False))


def test_a_third_visit_with_a_too_long_note_leaves_nothing_of_the_case(
    filled, tmp_path: Path
) -> None:
    store, pid = filled
    bundle = _bundle(store, pid, tmp_path / "case")
    _edit_visits(bundle, 2, notes="x" * 20_001)
    with open_store(tmp_path / "other.sqlite") as other:
        before = other.table_counts()
        with pytest.raises(WorkbookError, match="notes"):
            import_case(other, bundle)
        assert other.table_counts() == before


def test_a_routine_holding_nan_in_case_json_leaves_nothing(filled, tmp_path: Path) -> None:
    store, pid = filled
    bundle = _bundle(store, pid, tmp_path / "case")
    meta = json.loads((bundle / "case.json").read_text())
    meta["routine"]["items"][0]["hold_s"] = float("nan")
    (bundle / "case.json").write_text(json.dumps(meta))  # json writes NaN
    with open_store(tmp_path / "other.sqlite") as other:
        before = other.table_counts()
        with pytest.raises(WorkbookError, match="hold_s"):
            import_case(other, bundle)
        assert other.table_counts() == before


def test_the_same_case_imported_twice_is_refused_unless_asked(filled, tmp_path: Path) -> None:
    store, pid = filled
    bundle = _bundle(store, pid, tmp_path / "case")
    with open_store(tmp_path / "other.sqlite") as other:
        first = import_case(other, bundle)
        assert len(other.visits(first)) == 4
        with pytest.raises(WorkbookError, match="allow_duplicate"):
            import_case(other, bundle)
        assert len(other.patients()) == 1
        second = import_case(other, bundle, allow_duplicate=True)
        assert second != first and len(other.patients()) == 2


KILLED_IMPORT = textwrap.dedent(
    """
    import datetime as dt, sys
    from workbook.clinical.profile import PatientProfile
    from workbook.records.case_import import check_case_record
    from workbook.records.store import open_store

    profile = PatientProfile(age=70, activity="sedentary", floor_transfer=False, kneeling="unable")
    day = dt.date.today() - dt.timedelta(days=9000)
    visits = [
        {"visit_date": day + dt.timedelta(days=n), "pain": n % 10,
         "rom": {("hip_flexion", "left"): 90 + n % 20}, "notes": "x" * 300}
        for n in range(8000)
    ]
    record = check_case_record(case_code="C-KILL", name="Shared case C-KILL", birth_year=1940,
                               profile=profile, details={}, visits=visits)
    with open_store(sys.argv[1]) as store:
        print("writing", flush=True)
        store.add_case(record)
        print("done", flush=True)
    """
)


def test_a_sigkill_during_a_large_import_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    open_store(path).close()
    script = tmp_path / "importer.py"
    script.write_text(KILLED_IMPORT)
    process = subprocess.Popen(
        [sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "writing"
    wal = Path(f"{path}-wal")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not wal.exists() or wal.stat().st_size < 400_000):
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert wal.stat().st_size >= 400_000  # killed mid-write, with visits already in the log
    with open_store(path) as store:
        assert store.patients().empty
        assert store.table_counts()["visits"] == 0


# -- 4. owner-only files ---------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_side_files_exports_and_demo_are_owner_only_whatever_the_umask(
    tmp_path: Path,
) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "new" / "clinic.sqlite"
        with open_store(path) as store:
            store.add_patient("Ann Lee", 1950, PROFILE)
            written = store.export_csv(tmp_path / "export")
            backup = store.backup(tmp_path / "copy.sqlite")
            side = {p.name: mode(p) for p in path.parent.iterdir()}  # while open: -wal, -shm
        make_demo_store(tmp_path / "demo.sqlite").close()
    finally:
        os.umask(old)
    assert mode(path.parent) == 0o700
    names = ("clinic.sqlite", "clinic.sqlite-wal", "clinic.sqlite-shm")
    assert side == dict.fromkeys(names, 0o600)
    assert mode(tmp_path / "export") == 0o700
    assert {mode(p) for p in written} == {0o600}
    assert mode(backup) == 0o600
    assert mode(tmp_path / "demo.sqlite") == 0o600


def test_an_existing_store_readable_by_others_is_narrowed_on_open(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    open_store(path).close()
    path.chmod(0o644)
    open_store(path).close()
    assert mode(path) == 0o600


def test_one_setting_widens_the_policy_to_the_group(tmp_path: Path, monkeypatch) -> None:
    from workbook.records import paths

    monkeypatch.setenv(paths.SHARED_GROUP_ENV, "1")
    with open_store(tmp_path / "shared" / "clinic.sqlite") as store:
        written = store.export_csv(tmp_path / "export")
    assert mode(tmp_path / "shared" / "clinic.sqlite") == 0o640
    assert mode(tmp_path / "shared") == 0o750
    assert {mode(p) for p in written} == {0o640}


def test_documents_use_the_one_policy_of_records_paths() -> None:
    from workbook.documents import files
    from workbook.records import paths

    assert (files.FILE_MODE, files.FOLDER_MODE) == (paths.FILE_MODE, paths.FOLDER_MODE)


# -- 6. errors without patient data ------------------------------------------------------------


def _on_every_connection(store: Store, pragma: str) -> None:
    sa.event.listen(store.engine, "connect", lambda conn, _r: conn.execute(pragma))
    store.engine.dispose()  # the pooled connections are replaced by ones with the pragma


def test_an_unwritable_store_says_so_without_the_patient(tmp_path: Path) -> None:
    with open_store(tmp_path / "clinic.sqlite") as store:
        assert store.engine.hide_parameters
        _on_every_connection(store, "PRAGMA query_only = ON")  # as root, chmod can't forbid
        with pytest.raises(StoreFailure) as caught:
            store.add_patient("Uniquename Qwx", 1950, PROFILE, phone="555-7731")
    message = str(caught.value)
    assert "cannot be written" in message and "not saved" in message
    assert "Qwx" not in message and "7731" not in message
    assert "Qwx" not in repr(caught.value.__context__ or "")  # hide_parameters
    assert isinstance(caught.value, WorkbookError)


def test_a_full_disk_says_so_and_saves_nothing(tmp_path: Path) -> None:
    with open_store(tmp_path / "clinic.sqlite") as store:
        pid = store.add_patient("Ann Lee", 1950, PROFILE)
        pages = store.engine.connect().exec_driver_sql("PRAGMA page_count").scalar()
        _on_every_connection(store, f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL
        before = store.table_counts()
        with pytest.raises(StoreFailure, match="the disk is full: this change was not saved"):
            store.log_visit(pid, TODAY, ROM, notes="Secret-Note-Qwx " * 1000)
        assert "Secret" not in str(store.table_counts())
        assert store.table_counts() == before


# -- 12. erasure that erases ---------------------------------------------------------------------


def test_erasure_with_a_reader_holding_a_snapshot_leaves_no_byte_once_released(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clinic.sqlite"
    store = open_store(path)
    keep = store.add_patient("Other Person", 1960, PROFILE)
    gone = store.add_patient("Uniquename-Qwx", 1950, PROFILE, phone="Qwx-7731")
    store.log_visit(gone, TODAY, ROM, notes="Secretnote-Qwx lives at the harbour")
    store.update_profile(gone, PROFILE, changed_by="Kim", reason="Uniquename-Qwx asked")
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM patients").fetchall()  # an open read snapshot
    store.remove_patient(gone, reason="erasure request", requested_by="Kim")
    reader.execute("COMMIT")
    reader.close()
    store.patients()  # any later call finishes the erasure once the reader let go
    raw = b"".join(files_of(path).values())
    for secret in (b"Uniquename-Qwx", b"Qwx-7731", b"Secretnote-Qwx"):
        assert secret not in raw
    log = store.audit_log()
    assert set(log.loc[log["patient_id"] == gone, "reason"]) <= {ERASED_REASON, "erasure request"}
    assert list(store.patients()["patient_id"]) == [keep]
    store.close()


def test_an_erasure_reason_may_not_name_the_patient(tmp_path: Path) -> None:
    with open_store(tmp_path / "clinic.sqlite") as store:
        pid = store.add_patient("Ann Lee", 1950, PROFILE)
        with pytest.raises(WorkbookError, match="does not name"):
            store.remove_patient(pid, reason="ann lee asked", requested_by="Kim")
        assert len(store.patients()) == 1


# -- 13. damage detected at open -----------------------------------------------------------------


def _refused(path: Path) -> str:
    before = path.read_bytes()
    with pytest.raises(WorkbookError) as caught:
        open_store(path)
    assert path.read_bytes() == before  # never silently repaired or recreated
    message = str(caught.value)
    assert str(path) in message and "restore" in message.lower()
    return message


def test_an_empty_file_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    path.touch()
    assert "empty" in _refused(path)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite"
    path.write_bytes(b"PK\x03\x04 not a database at all" * 100)
    assert "not" in _refused(path)


def test_a_dropped_measurements_table_is_refused_not_recreated(filled, tmp_path: Path) -> None:
    store, _pid = filled
    store.close()
    path = tmp_path / "clinic.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE measurements")
    conn.commit()
    conn.close()
    assert "measurements" in _refused(path)


def test_a_damaged_page_is_refused_at_open(filled, tmp_path: Path) -> None:
    store, _pid = filled
    store.close()
    path = tmp_path / "clinic.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute(
            "SELECT rootpage FROM sqlite_schema WHERE name = 'visit_versions'"
        ).fetchone()[0]
    data = bytearray(path.read_bytes())
    start = (root - 1) * page
    data[start : start + page] = b"\xa5" * page  # a b-tree page turned to garbage
    path.write_bytes(bytes(data))
    assert "damaged" in _refused(path)


# -- 7. import_csv checks every value; 5. spreadsheet-safe cells ---------------------------------


BAD_CELLS = [
    ("patients", "created_at", "yesterday", "created_at"),
    ("patients", "details", "not json", "details"),
    ("patients", "details", "[1, 2]", "details"),
    ("patients", "birth_year", "99999", "birth_year"),
    ("patients", "name", "\u200b\u200b", "name"),
    ("visit_versions", "odi_index", "500", "odi_index"),
    ("visit_versions", "odi_sections", "[9,9]", "odi"),
    ("visit_versions", "routine", '{"items": []}', "routine"),
    ("profiles", "profile", '{"age": "old"}', "profile"),
    ("audit_log", "at", "later", "at"),
]


@pytest.mark.parametrize(("table", "column", "value", "field"), BAD_CELLS)
def test_import_csv_refuses_values_that_would_break_every_read(
    filled, tmp_path: Path, table: str, column: str, value: str, field: str
) -> None:
    store, pid = filled
    store.update_profile(pid, PROFILE, changed_by="Kim", reason="reviewed")  # an audit line
    store.log_visit(pid, TODAY, ROM, odi=[1] * 10)
    folder = tmp_path / "export"
    store.export_csv(folder)
    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    frame.loc[0, column] = value
    frame.to_csv(folder / f"{table}.csv", index=False)
    with open_store(tmp_path / "copy.sqlite") as copy:
        with pytest.raises(WorkbookError) as caught:
            copy.import_csv(folder)
        assert caught.value.field.startswith(field)
        assert f"{table}.csv row" in str(caught.value)
        assert copy.table_counts()["patients"] == 0
        copy.patients(), copy.clinic_summary()  # every read still works


def test_formula_cells_are_neutralised_on_export_and_restored_exactly(tmp_path: Path) -> None:
    names = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-Ann", "'quoted"]
    with open_store(tmp_path / "a.sqlite") as store:
        ids = [store.add_patient(name, 1950, PROFILE) for name in names]
        store.log_visit(ids[0], TODAY, ROM, notes="\tleading tab =1+1")
        store.export_csv(tmp_path / "out")
        text = (tmp_path / "out" / "patients.csv").read_text()
        with open_store(tmp_path / "b.sqlite") as copy:
            copy.import_csv(tmp_path / "out")
            assert sorted(copy.patients()["name"]) == sorted(store.patients()["name"])
            assert copy.visits(ids[0]).loc[0, "notes"] == "\tleading tab =1+1"
            copy.visits(ids[0]), copy.measurements(ids[0]), copy.clinic_summary()
    for line in text.splitlines()[1:]:
        cell = line.split(",", 2)[1].lstrip('"')
        assert not cell.startswith(("=", "+", "-", "@", "\t"))
