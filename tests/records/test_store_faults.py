"""The store under bad input, hostile text, locks, concurrent writers and a killed writer.

Bad input, hostile text, a failed transaction and several writers at once run on SQLite and on
PostgreSQL (the ``store`` / ``new_store`` fixtures of tests/conftest.py). The lock tests and the
killed writer stay SQLite-only: they hold SQLite's file lock and check the file with SQLite's
own integrity pragmas; a PostgreSQL server has row locks and its own crash recovery.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from workbook.clinical.measures import MOTIONS, SIDES
from workbook.clinical.profile import PatientProfile
from workbook.clinical.routine import generate_routine
from workbook.errors import WorkbookError
from workbook.records import engine, visits
from workbook.records import store as store_module
from workbook.records.store import Store, StoreBusyError, open_store

TODAY = dt.date.today()
TOMORROW = TODAY + dt.timedelta(days=1)
BIRTH_YEAR = 1950
GOOD_ROM = {("hip_flexion", "left"): 100.0, ("hip_flexion", "right"): 102.0}


def profile() -> PatientProfile:
    return PatientProfile(
        age=TODAY.year - BIRTH_YEAR, activity="active", floor_transfer=True, kneeling="comfortable"
    )


@pytest.fixture
def patient(store: Store) -> str:
    pid = store.add_patient("Ada Example", BIRTH_YEAR, profile())
    store.log_visit(pid, TODAY - dt.timedelta(days=7), GOOD_ROM, pain=5)
    return pid


def snapshot(store: Store, folder: Path) -> dict[str, bytes]:
    """The whole store as exported bytes, to prove that nothing at all was written."""
    return {p.name: p.read_bytes() for p in store.export_csv(folder)}


# -- a matrix of bad input --------------------------------------------------------------------

DUPLICATE = pd.DataFrame(
    {"motion": ["hip_flexion", "hip_flexion"], "side": ["left", "left"], "degrees": [90, 95]}
)

BAD_VISITS = [
    # (id, changes to a good visit, field, value as the message shows it, allowed)
    (
        "degrees_above_range",
        {"rom": {("hip_flexion", "left"): 200}},
        "hip_flexion left (degrees)",
        "200",
        "from 0 to 150",
    ),
    (
        "extension_below_contracture_floor",
        {"rom": {("hip_extension", "right"): -45}},
        "hip_extension right (degrees)",
        "-45",
        "from -30 to 50",
    ),
    (
        "degrees_nan",
        {"rom": {("hip_abduction", "left"): math.nan}},
        "hip_abduction left (degrees)",
        "nan",
        "a number of degrees",
    ),
    (
        "degrees_text",
        {"rom": {("hip_flexion", "left"): "ninety"}},
        "hip_flexion left (degrees)",
        "'ninety'",
        "a number of degrees",
    ),
    (
        "degrees_none",
        {"rom": {("hip_flexion", "left"): None}},
        "hip_flexion left (degrees)",
        "None",
        "a number of degrees",
    ),
    (
        "degrees_bool",
        {"rom": {("hip_flexion", "left"): True}},
        "hip_flexion left (degrees)",
        "True",
        "a number of degrees",
    ),
    (
        "unknown_motion",
        {"rom": {("hip_twist", "left"): 30}},
        "motion",
        "'hip_twist'",
        "'hip_flexion'",
    ),
    ("unknown_side", {"rom": {("hip_flexion", "middle"): 30}}, "side", "'middle'", "'left'"),
    (
        "bad_instrument",
        {"rom": {("hip_flexion", "left"): {"degrees": 90, "instrument": "ruler"}}},
        "instrument",
        "'ruler'",
        "'goniometer'",
    ),
    (
        "bad_position",
        {"rom": {("hip_flexion", "left"): {"degrees": 90, "position": "upside"}}},
        "position",
        "'upside'",
        "'supine'",
    ),
    (
        "rom_key_not_a_pair",
        {"rom": {"hip_flexion": 90}},
        "rom key",
        "'hip_flexion'",
        "(motion, side) pair",
    ),
    ("rom_not_a_mapping", {"rom": [90, 95]}, "rom", "[90, 95]", "a mapping"),
    (
        "rom_frame_without_degrees",
        {"rom": pd.DataFrame({"motion": ["hip_flexion"], "side": ["left"]})},
        "rom",
        "columns",
        "degrees",
    ),
    (
        "duplicate_motion_side",
        {"rom": DUPLICATE},
        "rom",
        "('hip_flexion', 'left')",
        "once per visit",
    ),
    ("pain_above_10", {"pain": 11}, "pain (NPRS)", "11", "a whole number from 0 to 10"),
    ("pain_negative", {"pain": -1}, "pain (NPRS)", "-1", "a whole number from 0 to 10"),
    ("pain_fractional", {"pain": 2.5}, "pain (NPRS)", "2.5", "a whole number from 0 to 10"),
    ("pain_text", {"pain": "high"}, "pain (NPRS)", "'high'", "a whole number from 0 to 10"),
    (
        "odi_section_above_5",
        {"odi": [1, 2, 6, 1, 1, 1, 1, 1, 1, 1]},
        "odi section 3",
        "6",
        "from 0 to 5",
    ),
    (
        "odi_too_few_answered",
        {"odi": [1, 2, 3, None, None, None, None, None, None, None]},
        "odi",
        "3 of 10 sections answered",
        "at least 8",
    ),
    ("odi_wrong_length", {"odi": [1, 2, 3]}, "odi", "[1, 2, 3]", "10 section scores"),
    ("odi_text", {"odi": "bad back"}, "odi", "'bad back'", "10 section scores"),
    (
        "visit_in_the_future",
        {"visit_date": TOMORROW},
        "visit_date",
        TOMORROW.isoformat(),
        "no later than today",
    ),
    (
        "visit_before_birth_year",
        {"visit_date": dt.date(BIRTH_YEAR - 1, 12, 31)},
        "visit_date",
        f"{BIRTH_YEAR - 1}-12-31",
        f"birth year ({BIRTH_YEAR})",
    ),
    (
        "visit_date_not_a_date",
        {"visit_date": "2024-02-30"},
        "visit_date",
        "'2024-02-30'",
        "YYYY-MM-DD",
    ),
    ("visit_date_number", {"visit_date": 20240101}, "visit_date", "20240101", "YYYY-MM-DD"),
    (
        "unknown_patient",
        {"patient_id": "p_nobody0000"},
        "patient_id",
        "'p_nobody0000'",
        "the id of a patient",
    ),
    ("patient_id_not_text", {"patient_id": 42}, "patient_id", "42", "the id of a patient"),
    (
        "routine_not_a_dict",
        {"routine": "stretch daily"},
        "routine",
        "'stretch daily'",
        "a plain dict",
    ),
    (
        "routine_not_json",
        {"routine": {"when": dt.date(2024, 1, 1)}},
        "routine",
        "datetime.date",
        "a plain dict",
    ),
    ("therapist_not_text", {"therapist": 42}, "therapist", "42", "text of at most"),
    ("notes_too_long", {"notes": "x" * 20_001}, "notes", "'xxxx", "at most 20000 characters"),
]


@pytest.mark.parametrize(
    ("changes", "field", "value", "allowed"),
    [case[1:] for case in BAD_VISITS],
    ids=[case[0] for case in BAD_VISITS],
)
def test_a_bad_visit_names_field_value_and_allowed_and_writes_nothing(
    tmp_path: Path,
    store: Store,
    patient: str,
    changes: dict,
    field: str,
    value: str,
    allowed: str,
) -> None:
    args = {
        "patient_id": patient,
        "visit_date": TODAY,
        "rom": GOOD_ROM,
        "pain": 3,
        "odi": [1] * 10,
        "routine": generate_routine(profile()).to_dict(),
        "therapist": "Jo",
        "notes": "ok",
    }
    if isinstance(changes.get("rom"), dict):
        # The bad reading comes after good ones: the good ones must not be written either.
        changes = {**changes, "rom": {**GOOD_ROM, **changes["rom"]}}
    args.update(changes)
    before = snapshot(store, tmp_path / "before")
    with pytest.raises(WorkbookError) as caught:
        store.log_visit(args.pop("patient_id"), args.pop("visit_date"), args.pop("rom"), **args)
    message = str(caught.value)
    assert caught.value.field == field
    assert field in message
    assert value in message
    assert allowed in message
    assert snapshot(store, tmp_path / "after") == before


BAD_PATIENTS = [
    ("empty_name", {"name": "  "}, "name", "'  '", "non-empty text"),
    ("name_not_text", {"name": None}, "name", "None", "non-empty text"),
    ("name_too_long", {"name": "A" * 201}, "name", "'AAAA", "at most 200 characters"),
    (
        "birth_year_future",
        {"birth_year": TODAY.year + 1},
        "birth_year",
        str(TODAY.year + 1),
        f"to {TODAY.year}",
    ),
    ("birth_year_too_old", {"birth_year": 1800}, "birth_year", "1800", "a whole year from"),
    ("birth_year_fraction", {"birth_year": 1950.5}, "birth_year", "1950.5", "a whole year"),
    ("birth_year_text", {"birth_year": "19x0"}, "birth_year", "'19x0'", "a whole year"),
    ("birth_year_bool", {"birth_year": True}, "birth_year", "True", "a whole year"),
    (
        "profile_not_a_profile",
        {"profile": {"age": 70}},
        "profile",
        "{'age': 70}",
        "a PatientProfile",
    ),
    (
        "details_not_json",
        {"details": {"photo": b"\x89PNG"}},
        "details",
        "b'\\x89PNG'",
        "text, numbers",
    ),
]


@pytest.mark.parametrize(
    ("changes", "field", "value", "allowed"),
    [case[1:] for case in BAD_PATIENTS],
    ids=[case[0] for case in BAD_PATIENTS],
)
def test_a_bad_patient_names_field_value_and_allowed_and_writes_nothing(
    tmp_path: Path,
    store: Store,
    patient: str,
    changes: dict,
    field: str,
    value: str,
    allowed: str,
) -> None:
    args = {"name": "Bob Sample", "birth_year": 1960, "profile": profile(), "details": {}}
    args.update(changes)
    before = snapshot(store, tmp_path / "before")
    with pytest.raises(WorkbookError) as caught:
        store.add_patient(args["name"], args["birth_year"], args["profile"], **args["details"])
    message = str(caught.value)
    assert caught.value.field == field
    assert value in message and allowed in message
    assert snapshot(store, tmp_path / "after") == before


def test_a_failure_inside_the_transaction_rolls_back_the_whole_visit(
    store: Store, patient: str, monkeypatch
) -> None:
    before = store.table_counts()

    def broken_insert(conn, visit_id, version, values, readings):
        original(conn, visit_id, version, values, readings)  # visit and version written ...
        raise RuntimeError("power cut")  # ... then the measurements never arrive

    original = visits.insert_version
    monkeypatch.setattr(visits, "insert_version", broken_insert)
    with pytest.raises(RuntimeError):
        store.log_visit(patient, TODAY, GOOD_ROM, pain=2)
    assert store.table_counts() == before


# -- names and notes are data -----------------------------------------------------------------

HOSTILE = [
    'O\'Brien "Bobby"',
    "Robert'); DROP TABLE patients;--",
    "<script>alert('x')</script>",
    "Zoë Ünal-Łukasiewicz 🦴🧘‍♀️",
    "semi;colons;and,commas\nand a new line\r\nand a tab\t",
    "%_ LIKE wildcards \\ and backslash",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_names_and_notes_round_trip_unchanged(
    tmp_path: Path, store: Store, new_store, text: str
) -> None:
    # A name holds no control character (new lines, tabs: refused since issue 10); the free
    # texts (details, therapist, notes, the routine's reasons) keep them exactly.
    name = " ".join(text.split())
    routine = generate_routine(profile()).to_dict()
    routine["items"][0] |= {"reason": text, "note_patient": text}
    pid = store.add_patient(name, 1970, profile(), address=text)
    store.log_visit(pid, TODAY, GOOD_ROM, pain=1, therapist=text, notes=text, routine=routine)
    assert store.patient(pid)["name"] == name
    assert store.patient(pid)["details"] == {"address": text}
    visit = store.visits(pid).iloc[0]
    assert (visit["therapist"], visit["notes"], visit["routine"]) == (text, text, routine)
    assert list(store.find_patients(name[:12])["patient_id"]) == [pid]
    assert store.table_counts()["patients"] == 1  # nothing was executed as SQL
    store.export_csv(tmp_path / "out")
    with new_store("copy") as copy:
        copy.import_csv(tmp_path / "out")
        assert copy.patient(pid)["name"] == name
        assert copy.visits(pid).iloc[0]["notes"] == text
        assert copy.visits(pid).iloc[0]["routine"] == routine


# -- locks ------------------------------------------------------------------------------------


def hold_write_lock(path: Path, seconds: float, held: threading.Event) -> threading.Thread:
    """Another program holding the write lock on the store for ``seconds``."""

    def run() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_locked_store_is_waited_for_and_retried_not_reported(tmp_path: Path, monkeypatch) -> None:
    # A busy timeout far shorter than the lock, so that the retry loop must do the waiting.
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_S", 0.05)
    path = tmp_path / "c.sqlite"
    with open_store(path) as store:
        pid = store.add_patient("Ada Example", BIRTH_YEAR, profile())
        held = threading.Event()
        thread = hold_write_lock(path, 0.6, held)
        held.wait()
        visit = store.log_visit(pid, TODAY, GOOD_ROM, pain=3)
        thread.join()
        assert list(store.visits(pid)["visit_id"]) == [visit]


def test_a_store_locked_for_too_long_says_so_in_words_and_writes_nothing(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_S", 0.05)
    monkeypatch.setattr(engine, "RETRY_FOR_S", 0.3)
    path = tmp_path / "c.sqlite"
    with open_store(path) as store:
        pid = store.add_patient("Ada Example", BIRTH_YEAR, profile())
        held = threading.Event()
        thread = hold_write_lock(path, 1.0, held)
        held.wait()
        with pytest.raises(StoreBusyError) as caught:
            store.log_visit(pid, TODAY, GOOD_ROM, pain=3)
        thread.join()
        assert "database is locked" not in str(caught.value)
        assert "Nothing was saved" in str(caught.value)
        assert store.visits(pid).empty


# -- several processes at once ----------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from pathlib import Path
    from workbook.clinical.profile import PatientProfile
    from workbook.records.store import open_store
    from workbook.clinical.measures import MOTIONS, SIDES

    path, go, name, count = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    while not go.exists():  # start together
        time.sleep(0.005)
    store = open_store(path)
    profile = PatientProfile(age=60, activity="active", floor_transfer=True,
                             kneeling="comfortable")
    patient = store.add_patient(name, 1966, profile)
    print("patient", patient, flush=True)
    rom = {(m, s): 30.0 for m in MOTIONS for s in SIDES}
    day = dt.date.today() - dt.timedelta(days=400)
    for k in range(count):
        visit = store.log_visit(patient, day + dt.timedelta(days=k), rom, pain=k % 11,
                                notes=f"{name} visit {k}")
        print("visit", visit, flush=True)  # printed only after log_visit returned
    store.close()
    """
)

READER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from workbook.records.store import open_store

    path, go, seconds = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
    while not go.exists():
        time.sleep(0.005)
    time.sleep(0.2)
    store = open_store(path)
    end = time.monotonic() + seconds
    reads = 0
    while time.monotonic() < end:
        for pid in store.patients()["patient_id"]:
            store.measurements(pid)
            reads += 1
        store.clinic_summary()
    print("reads", reads, flush=True)
    """
)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(store_module.__file__).parents[2]), env.get("PYTHONPATH")])
    )
    return env


def test_several_processes_writing_at_once_lose_nothing_and_never_see_a_lock(
    tmp_path: Path, new_store
) -> None:
    # A brand-new file (or empty database): the processes also race to create the schema.
    path, go = new_store.location("shared"), tmp_path / "go"
    (tmp_path / "writer.py").write_text(WRITER)
    (tmp_path / "reader.py").write_text(READER)
    writers = [
        subprocess.Popen(
            [sys.executable, str(tmp_path / "writer.py"), str(path), str(go), f"Writer {n}", "25"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        for n in range(3)
    ]
    reader = subprocess.Popen(
        [sys.executable, str(tmp_path / "reader.py"), str(path), str(go), "1.5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    time.sleep(0.5)  # let the interpreters import, then start them together
    go.touch()
    outputs = [p.communicate(timeout=120) for p in [*writers, reader]]
    for process, (out, err) in zip([*writers, reader], outputs, strict=True):
        assert process.returncode == 0, err
        assert "locked" not in err.lower() and "locked" not in out.lower()
    visits = [
        line.split()[1]
        for out, _ in outputs[:3]
        for line in out.splitlines()
        if line.startswith("visit ")
    ]
    assert len(visits) == 75
    with open_store(path) as store:
        stored = set()
        for pid in store.patients()["patient_id"]:
            stored |= set(store.visits(pid)["visit_id"])
            assert len(store.measurements(pid)) == 25 * len(MOTIONS) * len(SIDES)
        assert stored == set(visits)
        assert store.table_counts()["patients"] == 3


# -- a writer killed in the middle ------------------------------------------------------------

KILLED_WRITER = textwrap.dedent(
    """
    import datetime as dt, sys
    from workbook.clinical.profile import PatientProfile
    from workbook.records.store import open_store
    from workbook.clinical.measures import MOTIONS, SIDES

    store = open_store(sys.argv[1])
    profile = PatientProfile(age=60, activity="active", floor_transfer=True,
                             kneeling="comfortable")
    patient = store.add_patient("Killed Writer", 1966, profile)
    print("patient", patient, flush=True)
    rom = {(m, s): 40.0 for m in MOTIONS for s in SIDES}
    day = dt.date.today() - dt.timedelta(days=3000)
    k = 0
    while True:  # until killed
        visit = store.log_visit(patient, day + dt.timedelta(days=k % 2900), rom, pain=k % 11,
                                odi=[k % 6] * 10, notes="x" * (k % 500))
        print("visit", visit, flush=True)
        if k % 7 == 3:
            store.amend_visit(visit, reason="correction", pain=(k + 1) % 11)
            print("amended", visit, flush=True)
        k += 1
    """
)


def test_a_writer_killed_mid_write_leaves_a_consistent_store_with_every_returned_visit(
    tmp_path: Path,
) -> None:
    path = tmp_path / "killed.sqlite"
    script = tmp_path / "killed_writer.py"
    script.write_text(KILLED_WRITER)
    confirmed: set[str] = set()
    amended: set[str] = set()
    for round_number in range(3):
        child = subprocess.Popen(
            [sys.executable, str(script), str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        seen = 0
        assert child.stdout is not None
        for line in child.stdout:
            if not line.endswith("\n"):
                break
            kind, ident = line.split()
            if kind == "visit":
                confirmed.add(ident)
                seen += 1
            elif kind == "amended":
                amended.add(ident)
            if seen >= 15 + 10 * round_number:
                break
        # Kill while it is busy writing the next visit (no chance to clean up).
        os.kill(child.pid, signal.SIGKILL)
        rest, _ = child.communicate(timeout=30)
        for line in rest.splitlines(keepends=True):  # lines it printed before dying
            if line.endswith("\n") and line.startswith("visit "):
                confirmed.add(line.split()[1])
            elif line.endswith("\n") and line.startswith("amended "):
                amended.add(line.split()[1])
        assert child.returncode == -signal.SIGKILL

    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        # All of a visit or none of it: every version has its twelve readings.
        counts = raw.execute(
            "SELECT COUNT(*) FROM visit_versions v LEFT JOIN measurements m "
            "ON m.visit_id = v.visit_id AND m.version = v.version "
            "GROUP BY v.visit_id, v.version"
        ).fetchall()
        assert {c for (c,) in counts} == {12}
        orphans = raw.execute(
            "SELECT COUNT(*) FROM visits v WHERE NOT EXISTS (SELECT 1 FROM visit_versions w "
            "WHERE w.visit_id = v.visit_id AND w.version = v.current_version)"
        ).fetchone()[0]
        assert orphans == 0
    with open_store(path) as store:
        stored: set[str] = set()
        versions: dict[str, int] = {}
        for pid in store.patients()["patient_id"]:
            table = store.visits(pid)
            stored |= set(table["visit_id"])
            versions.update(zip(table["visit_id"], table["version"], strict=True))
        assert confirmed <= stored
        assert all(versions[v] == 2 for v in amended)
        assert len(confirmed) >= 45
