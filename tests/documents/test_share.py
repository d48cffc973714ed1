"""Sharing a case: nothing in the bundle identifies the patient, and a colleague can import it."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from workbook import PatientProfile, WorkbookError, generate_routine
from workbook.documents.chart_export import MIN_EXPORT_DPI
from workbook.documents.share import (
    BUNDLE_FILES,
    IdentifiedBundleWarning,
    import_case,
    read_case,
    share_case,
)
from workbook.records.deidentify import age_band, deidentify_case

NAME = "Zebulon Quartermaine"
BIRTH_YEAR = 1941
DETAILS = {
    "phone": "314-555-0199",
    "email": "zeb.q@example.org",
    "mrn": "MRN-88231-X",
    "address": "12 Larkspur Lane, Ballwin MO 63011",
}
THERAPIST = "Dr Philippa Underhill"
NOTE = "Lives with daughter Rosalind in Chesterfield; retired from Boeing."
VISIT_DATES = [dt.date(2026, 3, 14), dt.date(2026, 4, 2), dt.date(2026, 5, 19)]


def date_spellings(day: dt.date) -> list[str]:
    return [
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        day.strftime("%m/%d/%Y"),
        day.strftime("%Y%m%d"),
        day.strftime("%d.%m.%Y"),
        day.strftime("%B %-d, %Y"),
        day.strftime("%-d %b %Y"),
        day.strftime("%b %-d"),
        day.strftime("%Y/%m/%d"),
    ]


@pytest.fixture(scope="module")
def store(module_store):
    """One store for the module, on SQLite and on PostgreSQL (tests/conftest.py): sharing reads
    it and never changes the source patient."""
    return module_store


@pytest.fixture(scope="module")
def patient(store):
    profile = PatientProfile(
        age=85,
        activity="sedentary",
        floor_transfer=False,
        kneeling="unable",
        conditions={"spinal_stenosis", "sciatica"},
    )
    patient_id = store.add_patient(NAME, BIRTH_YEAR, profile, **DETAILS)
    routine = generate_routine(profile).to_dict()
    for number, day in enumerate(VISIT_DATES):
        store.log_visit(
            patient_id,
            day,
            {
                ("hip_flexion", "left"): 90 + 6 * number,
                ("hip_flexion", "right"): 92 + 5 * number,
                ("hip_extension", "left"): 2 + 4 * number,
            },
            pain=6 - 2 * number,
            odi=[3, 2, 2, 1, 2, 3, 1, 2, 2, 1],
            routine=routine,
            therapist=THERAPIST,
            notes=NOTE,
        )
    return patient_id


def identifiers(patient_id: str) -> list[bytes]:
    words = [NAME, *NAME.split(), patient_id, THERAPIST, NOTE, "Rosalind", *DETAILS.values()]
    for day in VISIT_DATES:
        words += date_spellings(day)
    return [w.encode() for w in words]


def all_bytes(path: Path) -> dict[str, bytes]:
    """Every file of a bundle, plus the zip's own bytes and each member's content."""
    if path.is_dir():
        return {p.name: p.read_bytes() for p in path.iterdir()}
    found = {"(zip file)": path.read_bytes()}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            found[info.filename] = archive.read(info)
            found[f"{info.filename} (zip entry)"] = repr(info.date_time).encode()
    return found


@pytest.mark.parametrize("dest_name", ["case", "case.zip"])
def test_bundle_holds_no_identifier_in_any_byte(store, patient, tmp_path, dest_name):
    bundle = share_case(store, patient, tmp_path / dest_name)
    contents = all_bytes(bundle)
    assert {Path(n).name for n in contents} >= set(BUNDLE_FILES)
    # the year as a number of its own (not a digit run inside a coordinate such as 219.41)
    birth_year = re.compile(rb"(?<![0-9.])" + str(BIRTH_YEAR).encode() + rb"(?![0-9.])")
    for name, data in contents.items():
        for word in identifiers(patient):
            assert word not in data, f"{word!r} found in {name}"
        assert not birth_year.search(data), f"birth year found in {name}"
        assert b"2026" not in data, f"a visit year found in {name}"
    assert "2026" not in str(bundle.name)


def test_bundle_keeps_the_clinical_picture_by_days_and_age_band(store, patient, tmp_path):
    case = read_case(share_case(store, patient, tmp_path / "case"))
    assert case.age_band == "85-89"
    assert list(case.visits["day"]) == [0, 19, 66]
    assert list(case.visits["pain_nprs"]) == [6, 4, 2]
    assert case.profile.conditions == {"spinal_stenosis", "sciatica"}
    assert len(case.measurements) == 9
    assert set(case.visits["notes"]) == {""}


def test_notes_travel_only_when_the_therapist_includes_them(store, patient, tmp_path):
    with pytest.warns(IdentifiedBundleWarning):
        bundle = share_case(store, patient, tmp_path / "case", include_notes=True)
    assert NOTE in (bundle / "visits.csv").read_text()
    assert read_case(bundle).notes_included


def test_html_report_parses_and_embeds_the_chart(store, patient, tmp_path):
    bundle = share_case(store, patient, tmp_path / "case")
    page = (bundle / "report.html").read_text()
    tags = []
    images = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append(tag)
            if tag == "img":
                images.append(dict(attrs))

    Collector().feed(page)
    # The chart is in the page itself, at print quality, with words for who cannot see it.
    # (It was inline SVG; it is now chart.png's own PNG, so a share draws the chart once.)
    assert "table" in tags and len(images) == 1
    chart = (bundle / "chart.png").read_bytes()
    assert chart.startswith(b"\x89PNG\r\n\x1a\n")
    prefix = "data:image/png;base64,"
    assert images[0]["src"].startswith(prefix)
    assert base64.b64decode(images[0]["src"][len(prefix) :]) == chart
    with Image.open(io.BytesIO(chart)) as drawn:
        assert min(drawn.info["dpi"]) >= MIN_EXPORT_DPI  # prints sharp
        assert int(images[0]["width"]) == drawn.width // 2  # shown at screen size
    assert "range of motion" in images[0]["alt"]
    # nothing is loaded from outside (XML namespaces are names, not loads)
    assert not re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)


def test_notebook_in_the_bundle_has_only_table_and_chart_outputs_and_no_metadata(
    store, patient, tmp_path
):
    # Issue 13 wants the notebook executed; what it carries is only the de-identified table and
    # chart (the identifier scan in test_share_scan.py reads those outputs too).
    notebook = json.loads(
        (share_case(store, patient, tmp_path / "case") / "charts.ipynb").read_text()
    )
    assert set(notebook["metadata"]) == {"kernelspec"}
    kinds = {k for c in notebook["cells"] for o in c.get("outputs", []) for k in o["data"]}
    assert kinds == {"text/html", "text/plain", "image/png"}
    assert all(not c["metadata"] for c in notebook["cells"])


def test_ages_over_89_become_90_plus():
    assert age_band(89) == "85-89" and age_band(90) == "90+" and age_band(103) == "90+"


def test_case_codes_are_random_not_derived_from_the_patient(store, patient, tmp_path):
    first = read_case(share_case(store, patient, tmp_path / "a")).case_code
    second = read_case(share_case(store, patient, tmp_path / "b")).case_code
    assert first != second and patient not in first


def test_identified_bundle_is_explicit_and_says_so(store, patient, tmp_path):
    with pytest.warns(IdentifiedBundleWarning):
        bundle = share_case(store, patient, tmp_path / "case", deidentify=False)
    page = (bundle / "report.html").read_text()
    assert "IDENTIFIED" in page and NAME in page


def test_import_round_trip_adds_a_new_deidentified_patient(store, patient, tmp_path):
    bundle = share_case(store, patient, tmp_path / "case.zip")
    before = store.measurements(patient)
    new_id = import_case(store, bundle)
    assert new_id != patient
    assert store.patient(new_id)["name"].startswith("Shared case CASE-")
    after = store.measurements(new_id)
    assert sorted(after["degrees"]) == sorted(before["degrees"])
    dates = store.visits(new_id)["visit_date"]
    assert (dates.diff().dt.days.dropna().tolist()) == [19, 47]
    assert dates.max().date() == dt.date.today()
    assert list(store.visits(new_id)["pain_nprs"]) == [6, 4, 2]
    assert store.profile(new_id).conditions == {"spinal_stenosis", "sciatica"}


def test_import_of_a_tampered_bundle_writes_nothing(store, patient, tmp_path):
    bundle = share_case(store, patient, tmp_path / "case")
    text = (bundle / "measurements.csv").read_text().replace(",90.0,", ",900.0,", 1)
    (bundle / "measurements.csv").write_text(text)
    count = len(store.patients())
    with pytest.raises(WorkbookError, match="900"):
        import_case(store, bundle)
    assert len(store.patients()) == count


def test_share_never_overwrites(store, patient, tmp_path):
    (tmp_path / "case").mkdir()
    with pytest.raises(WorkbookError, match="does not exist yet"):
        share_case(store, patient, tmp_path / "case")


def test_deidentify_needs_a_visit():
    profile = PatientProfile(age=50, activity="active", floor_transfer=True, kneeling="comfortable")
    with pytest.raises(WorkbookError, match="at least one logged visit"):
        deidentify_case(
            1976, profile, pd.DataFrame(columns=["visit_id", "visit_date"]), pd.DataFrame()
        )
