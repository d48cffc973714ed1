"""The store's promise, as a property (Hypothesis): any input is either stored and read back
equal (as the field rules clean it), or refused with a WorkbookError, the store's files
byte-identical.

The counts of inputs tried, refused and accepted are printed (``pytest -s``) for the README's
reliability figures; the runs are derandomised, so the figures are reproducible.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbook.clinical import measures
from workbook.clinical.profile import PatientProfile
from workbook.clinical.routine import generate_routine
from workbook.clinical.routine_schema import check_routine
from workbook.errors import WorkbookError
from workbook.records.store import Store, open_store

PROFILE = PatientProfile(age=70, activity="sedentary", floor_transfer=False, kneeling="unable")
ROUTINE = generate_routine(PROFILE).to_dict()
TODAY = dt.date.today()
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
COUNTS: Counter[str] = Counter()

# Text with the characters that broke things: controls, bidi, zero-width, surrogates, NUL.
SPECIAL = "\x00\x01\n\t\u200b\u200d\u202e\u2066\ufeff\ud800e\u0301=+-@'\"%_;"
TEXT = st.text(alphabet=st.characters(codec=None) | st.sampled_from(SPECIAL), max_size=40)
NUMBER = st.one_of(
    st.integers(-(10**5), 10**5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.just(np.bool_(True)),
    st.just(10**400),
    st.just(pd.NaT),
    st.none(),
    st.sampled_from(["90", "9_0", " 45.5 ", "inf", "nan", "1e3", "", "-0"]),
    TEXT,
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
DATE = st.one_of(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY + dt.timedelta(days=400)),
    st.sampled_from(["2024-02-30", "yesterday", "", "2024-03-05", pd.NaT, None, 20240305]),
)


def mostly(good: st.SearchStrategy, bad: st.SearchStrategy) -> st.SearchStrategy:
    """Three good values in four, so that both the accepted and the refused paths are tried."""
    return st.integers(0, 3).flatmap(lambda i: bad if i == 0 else good)


GOOD_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]))
NAME = mostly(
    st.sampled_from(["Ann Lee", "Zoe\u0301 Ünal", "  O'Brien  "]) | GOOD_TEXT, TEXT | NUMBER
)
YEAR = mostly(st.integers(1910, TODAY.year) | st.sampled_from(["1950", 1950.0]), NUMBER)
MOTION = mostly(st.sampled_from(measures.MOTIONS), st.sampled_from(["hip_twist", 1]))
SIDE = mostly(st.sampled_from(["left", "right"]), st.sampled_from(["middle", None]))
DEGREES = mostly(st.floats(-10, 40) | st.integers(0, 30) | st.just("25"), NUMBER)
ROM = st.dictionaries(st.tuples(MOTION, SIDE), DEGREES, max_size=4)
PAIN = mostly(st.integers(0, 10) | st.none(), NUMBER)
VISIT_DATE = mostly(st.dates(dt.date(1990, 1, 1), TODAY), DATE)
NOTES = mostly(GOOD_TEXT, TEXT | NUMBER)
ITEM_CHANGES = st.dictionaries(
    st.sampled_from(["hold_s", "reps", "per_week", "note", "reason", "chosen_by", "movement"]),
    NUMBER | TEXT,
    max_size=2,
)
ROUTINE_INPUT = mostly(
    st.none() | st.just(ROUTINE),
    ITEM_CHANGES.map(lambda c: {**ROUTINE, "items": [{**ROUTINE["items"][0], **c}]}) | JSON,
)


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory() as folder, open_store(Path(folder) / "c.sqlite") as made:
        yield made
    print(
        "\nproperty test: "
        + "; ".join(
            f"{call}: {COUNTS[call + ' tried']} tried, {COUNTS[call + ' refused']} refused with "
            f"a WorkbookError, {COUNTS[call + ' accepted']} accepted"
            for call in ("add_patient", "log_visit", "amend_visit", "import_case")
        )
    )


def files(store: Store) -> dict[str, bytes]:
    """The store's database file and write-ahead log (the -shm index changes on reads)."""
    path = Path(store.location)
    return {p.name: p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()}


def attempt(store: Store, call: str, action) -> object:
    """Run ``action``; a refusal must be a WorkbookError that left the files byte-identical."""
    COUNTS[call + " tried"] += 1
    before = files(store)
    try:
        result = action()
    except WorkbookError:
        COUNTS[call + " refused"] += 1
        assert files(store) == before
        return None
    COUNTS[call + " accepted"] += 1
    return result


@pytest.fixture(scope="module")
def patient(store: Store) -> str:
    return store.add_patient("Property Patient", 1940, PROFILE)


@SETTINGS
@given(
    name=NAME,
    birth_year=YEAR,
    details=mostly(
        st.dictionaries(GOOD_TEXT, st.none() | GOOD_TEXT | st.integers(), max_size=3),
        st.dictionaries(TEXT, JSON, max_size=3),
    ),
)
def test_add_patient_stores_and_reads_back_or_refuses_leaving_no_trace(
    store: Store, name, birth_year, details
) -> None:
    pid = attempt(
        store, "add_patient", lambda: store.add_patient(name, birth_year, PROFILE, **details)
    )
    if pid is None:
        return
    record = store.patient(pid)
    assert record["name"] == measures.check_name(name)
    assert record["birth_year"] == measures.check_birth_year(birth_year)
    assert record["details"] == measures.check_json_value("details", details)
    store.patients()  # every read still works


def _expected_visit(visit_date, rom, pain, routine, notes) -> dict:
    return {
        "visit_date": pd.Timestamp(measures.check_visit_date(visit_date)),
        "pain_nprs": None if pain is None else measures.check_pain(pain),
        "routine": check_routine(routine),
        "notes": measures.check_text("notes", notes),
        "rom": {k: measures.check_degrees(k[0], v, k[1]) for k, v in rom.items()},
    }


def _stored_visit(store: Store, pid: str, visit_id: str) -> dict:
    row = store.visits(pid).set_index("visit_id").loc[visit_id]
    m = store.measurements(pid)
    m = m[m["visit_id"] == visit_id]
    pain = row["pain_nprs"]
    return {
        "visit_date": row["visit_date"],
        "pain_nprs": None if isinstance(pain, float) and math.isnan(pain) else int(pain),
        "routine": row["routine"],
        "notes": row["notes"],
        "rom": {(r.motion, r.side): r.degrees for r in m.itertuples()},
    }


@SETTINGS
@given(visit_date=VISIT_DATE, rom=ROM, pain=PAIN, routine=ROUTINE_INPUT, notes=NOTES)
def test_log_visit_stores_and_reads_back_or_refuses_leaving_no_trace(
    store: Store, patient: str, visit_date, rom, pain, routine, notes
) -> None:
    visit_id = attempt(
        store,
        "log_visit",
        lambda: store.log_visit(
            patient, visit_date, rom, pain=pain, routine=routine, notes=notes, therapist=""
        ),
    )
    if visit_id is None:
        return
    assert _stored_visit(store, patient, str(visit_id)) == _expected_visit(
        visit_date, rom, pain, routine, notes
    )


@SETTINGS
@given(
    changes=st.fixed_dictionaries(
        {},
        optional={
            "visit_date": VISIT_DATE,
            "rom": ROM,
            "pain": PAIN,
            "notes": NOTES,
            "routine": ROUTINE_INPUT,
        },
    ),
    reason=mostly(st.just("typo"), TEXT),
)
def test_amend_visit_stores_and_reads_back_or_refuses_leaving_no_trace(
    store: Store, patient: str, changes, reason
) -> None:
    visit_id = store.log_visit(patient, TODAY, {("hip_flexion", "left"): 90}, pain=3, notes="n")
    before = _stored_visit(store, patient, visit_id)
    version = attempt(
        store, "amend_visit", lambda: store.amend_visit(visit_id, reason=reason, **changes)
    )
    if version is None:
        return
    after = _stored_visit(store, patient, visit_id)
    field = {"pain": "pain_nprs"}
    for key, value in changes.items():
        if key == "visit_date":
            assert after["visit_date"] == pd.Timestamp(measures.check_visit_date(value))
        elif key == "rom":
            assert after["rom"] == _expected_visit(TODAY, value or {}, None, None, "")["rom"]
        elif key == "pain":
            assert after["pain_nprs"] == (None if value is None else measures.check_pain(value))
        elif key == "routine":
            assert after["routine"] == check_routine(value)
        else:
            assert after[field.get(key, key)] == measures.check_text(key, value)
    untouched = set(before) - {field.get(k, k) for k in changes}
    assert {k: after[k] for k in untouched} == {k: before[k] for k in untouched}


VISIT = st.fixed_dictionaries(
    {"visit_date": VISIT_DATE},
    optional={"rom": ROM, "pain": PAIN, "notes": NOTES, "routine": ROUTINE_INPUT},
)


@settings(SETTINGS, max_examples=60)
@given(visits=st.lists(VISIT, min_size=1, max_size=4), code=NAME)
def test_a_whole_case_is_stored_and_read_back_or_refused_leaving_no_trace(
    store: Store, visits, code
) -> None:
    """What ``import_case`` does once it has read a bundle: check every value, then write all."""
    from workbook.records.case_import import check_case_record

    def write() -> str:
        record = check_case_record(
            case_code=code,
            name="Shared case",
            birth_year=1940,
            profile=PROFILE,
            details={"deidentified": True},
            visits=visits,
        )
        return store.add_case(record, allow_duplicate=True)

    pid = attempt(store, "import_case", write)
    if pid is None:
        return
    stored = store.visits(str(pid))
    assert len(stored) == len(visits)
    expected = sorted(
        (
            _expected_visit(
                v["visit_date"], v.get("rom") or {}, v.get("pain"), v.get("routine"), v.get("notes")
            )
            for v in visits
        ),
        key=lambda e: (e["visit_date"], e["notes"]),
    )
    got = sorted(
        (_stored_visit(store, str(pid), visit_id) for visit_id in stored["visit_id"]),
        key=lambda e: (e["visit_date"], e["notes"]),
    )
    assert got == expected
