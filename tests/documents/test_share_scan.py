"""No identifier in any byte of a bundle: planted in every free-text place the store accepts.

Each demo patient gets a name, contact details, a record number, an address, a therapist, notes,
a profile change reason and a correction reason, and a routine item carrying a note, all made of
words found nowhere else. Bundles are written (folder and zip, notes left out and included), the
zips unpacked, and every byte of every member searched for each identifier and each spelling of
each visit date and the birth year. ``SCAN_FIGURES`` gives the counts for the README:

    .venv/bin/python -m pytest tests/documents/test_share_scan.py -q -s -m "not postgresql"
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from tests.bundles import images_apart
from workbook import PatientProfile, WorkbookError, generate_routine
from workbook.documents.share import BUNDLE_FILES, share_case
from workbook.records.deidentify import deidentify_case

SCAN_FIGURES: dict[str, int] = {"bundles": 0, "members": 0, "identifiers": 0, "searches": 0}
SEARCHED: set[str] = set()  # every distinct identifier looked for (birth years as "year NNNN")


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


PLANTED = [
    {
        "name": "Ottoline Vasquez-Brandreth",
        "birth_year": 1947,
        "details": {
            "phone": "+1 (417) 555-0147",
            "email": "ottoline.vb@mailinator.example",
            "mrn": "MRN-4471-QZ",
            "address": "88 Quillfeather Row, Springfield MO 65806",
            "next_of_kin": "Ignatius Brandreth",
        },
        "therapist": "Percival Okonkwo-Frey",
        "note": "Call Ottoline on 417-555-0147 before Thursday; daughter Marisol drives her.",
        "item_note": "call Ottoline 417 555 0147",
        "reason": "Ottoline told Percival about her fall at Quillfeather Row",
        "dates": [dt.date(2025, 2, 3), dt.date(2025, 2, 21), dt.date(2025, 4, 9)],
    },
    {
        "name": "Barnaby Achterberg",
        "birth_year": 1962,
        "details": {"phone": "0117 496 0832", "email": "b.achterberg@example.net"},
        "therapist": "Wilhelmina Strood",
        "note": '=HYPERLINK("http://example.net/?Achterberg") Barnaby\'s wife Clementine rang.',
        "item_note": "Barnaby prefers mornings, ring 0117 496 0832",
        "reason": "Barnaby corrected the record on the phone",
        "dates": [dt.date(2024, 11, 27), dt.date(2025, 1, 8)],
    },
    {
        "name": "Saoirse Pemberton-Vale",
        "birth_year": 1933,  # over 89 at the visits: the band is 90+
        "details": {"email": "spv@example.org", "postcode": "BS8 1TH"},
        "therapist": "Gideon Harrowgate",
        "note": "Saoirse lives at Larkhill Care Home, room 12.",
        "item_note": "Larkhill Care Home staff help Saoirse",
        "reason": "Gideon amended after talking to Larkhill",
        "dates": [dt.date(2026, 6, 30), dt.date(2026, 7, 14), dt.date(2026, 7, 28)],
    },
]


def _plant(store, p: dict) -> tuple[str, list[str]]:
    profile = PatientProfile(
        age=p["dates"][0].year - p["birth_year"],
        activity="sedentary",
        floor_transfer=False,
        kneeling="unable",
        conditions={"spinal_stenosis"},
    )
    patient_id = store.add_patient(p["name"], p["birth_year"], profile, **p["details"])
    routine = generate_routine(profile).to_dict()
    poisoned = {**routine, "comment": p["item_note"]}
    poisoned["items"] = [{**routine["items"][0], "note": p["item_note"]}, *routine["items"][1:]]
    visit_ids = []
    for number, day in enumerate(p["dates"]):
        rom = {("hip_flexion", "left"): 88 + 4 * number, ("hip_flexion", "right"): 90 + number}
        kwargs = {"pain": 5, "odi": [2, 2, 1, 1, 2, 2, 1, 1, 2, 1], "therapist": p["therapist"]}
        try:  # a store that checks routines may refuse the poisoned one: it cannot leak then
            vid = store.log_visit(patient_id, day, rom, routine=poisoned, notes=p["note"], **kwargs)
        except WorkbookError:
            vid = store.log_visit(patient_id, day, rom, routine=routine, notes=p["note"], **kwargs)
        visit_ids.append(vid)
    store.update_profile(patient_id, profile, changed_by=p["therapist"], reason=p["reason"])
    store.amend_visit(visit_ids[0], reason=p["reason"], changed_by=p["therapist"], pain=4)
    words = [p["name"], *p["name"].replace("-", " ").split(), patient_id, *visit_ids]
    words += [p["therapist"], *p["therapist"].replace("-", " ").split()]
    words += [p["note"], p["item_note"], p["reason"], *p["details"].values()]
    words += ["Marisol", "Clementine", "Larkhill", "Quillfeather", "0147", "0832"]
    for day in p["dates"]:
        words += date_spellings(day)
    return patient_id, words


def _members(bundle: Path, tmp_path: Path) -> dict[str, bytes]:
    """Every file of the bundle after unpacking, every zip entry's time, the zip's own bytes."""
    if bundle.is_dir():
        return {p.name: p.read_bytes() for p in bundle.iterdir()}
    found = {"(zip file)": bundle.read_bytes()}
    with zipfile.ZipFile(bundle) as archive:
        out = tmp_path / f"unzipped-{bundle.stem}"
        archive.extractall(out)
        for info in archive.infolist():
            found[f"{info.filename} (entry time)"] = repr(info.date_time).encode()
    found.update({str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    return found


def _images_apart(members: dict[str, bytes]) -> dict[str, bytes]:
    """Each base64 PNG cut out of the page and the notebook, and kept decoded as a member
    (see ``tests/bundles.py``: base64 letters spell short names by chance)."""
    found = {}
    for name, data in members.items():
        text, images = images_apart(data)
        if images:
            found[name] = text
            found |= {f"{name} image {n}": image for n, image in enumerate(images)}
    return found


def _notebook_outputs(members: dict[str, bytes]) -> dict[str, bytes]:
    """The notebook's embedded outputs decoded (the PNG as bytes, the table as text)."""
    name = next(n for n in members if n.endswith("charts.ipynb"))
    notebook = json.loads(members[name])
    found = {}
    for cell in notebook["cells"]:
        for n, output in enumerate(cell.get("outputs", [])):
            for mime, data in output.get("data", {}).items():
                raw = base64.b64decode(data) if mime == "image/png" else "".join(data).encode()
                found[f"charts.ipynb {cell['id']} output {n} {mime}"] = raw
    return found


def _scan(members: dict[str, bytes], words: list[str], birth_year: int) -> list[str]:
    year = re.compile(rb"(?<![0-9.])" + str(birth_year).encode() + rb"(?![0-9.])")
    found = []
    for name, data in members.items():
        for word in words:
            SCAN_FIGURES["searches"] += 1
            if word.encode() in data or word.lower().encode() in data.lower():
                found.append(f"{word!r} in {name}")
        if year.search(data):
            found.append(f"birth year in {name}")
    return found


@pytest.fixture
def planted(store):
    return [(p, *_plant(store, p)) for p in PLANTED]


@pytest.mark.parametrize("include_notes", [False, True])
def test_no_identifier_in_any_byte_of_any_bundle(store, planted, tmp_path, include_notes):
    for p, patient_id, words in planted:
        for dest in ("case", "case.zip"):
            folder = tmp_path / f"{patient_id}-{include_notes}"
            folder.mkdir(exist_ok=True)
            bundle = (
                share_case(store, patient_id, folder / dest, include_notes=include_notes)
                if not include_notes
                else _share_warned(store, patient_id, folder / dest)
            )
            members = _members(bundle, tmp_path)
            members.update(_notebook_outputs(members))
            members.update(_images_apart(members))
            assert {Path(n).name for n in members} >= set(BUNDLE_FILES)
            # With notes included, the note itself (and the words it holds) may travel, and only
            # in visits.csv and the report; everything else is still searched everywhere.
            note_words = {p["note"], "Marisol", "Clementine", "Larkhill", "0147", "0832"}
            note_words |= {w for w in words if w in p["note"]}
            searched = [w for w in words if not (include_notes and w in note_words)]
            leaks = _scan(members, searched, p["birth_year"])
            if include_notes:
                notes_elsewhere = [
                    n
                    for n, data in members.items()
                    if p["note"].split()[-1].encode() in data
                    and not n.endswith(("visits.csv", "report.html", "(zip file)"))
                ]
                assert notes_elsewhere == []
            assert leaks == [], leaks
            SCAN_FIGURES["bundles"] += 1
            SCAN_FIGURES["members"] += len(members)
            SEARCHED.update([*searched, f"year {p['birth_year']}"])
            SCAN_FIGURES["identifiers"] = len(SEARCHED)
    print(f"\nscan figures (include_notes={include_notes}, cumulative): {SCAN_FIGURES}")


def _share_warned(store, patient_id, dest):
    from workbook.documents.share import IdentifiedBundleWarning

    with pytest.warns(IdentifiedBundleWarning, match="free-text visit notes"):
        return share_case(store, patient_id, dest, include_notes=True)


def test_routine_items_travel_by_allow_list_only():
    profile = PatientProfile(age=70, activity="active", floor_transfer=True, kneeling="comfortable")
    routine = generate_routine(profile).to_dict()
    routine["items"][0] = {**routine["items"][0], "note": "call Ann Lee 555-0101"}
    routine["comment"] = "Ann Lee, 555-0101"
    visits = pd.DataFrame(
        {
            "visit_id": ["v1"],
            "visit_date": [pd.Timestamp("2026-01-05")],
            "pain_nprs": [3],
            "odi_index": [20.0],
            "odi_sections": [None],
            "notes": [""],
            "routine": [routine],
        }
    )
    case = deidentify_case(1956, profile, visits, pd.DataFrame(columns=_MEASUREMENT_COLUMNS))
    assert case.routine is not None
    text = json.dumps(case.routine)
    assert "555-0101" not in text and "Ann Lee" not in text
    assert set(case.routine) == {"profile", "items"}
    assert {k for item in case.routine["items"] for k in item} <= {
        "movement",
        "stretch_id",
        "hold_s",
        "reps",
        "per_week",
        "chosen_by",
        "focus_side",
    }


_MEASUREMENT_COLUMNS = ["visit_id", "motion", "side", "degrees", "instrument", "position"]


@pytest.mark.parametrize(
    ("key", "value"),
    [("stretch_id", "call Ann Lee 555-0101"), ("hold_s", "lots"), ("chosen_by", "Ann Lee")],
)
def test_free_text_in_a_coded_routine_field_is_refused(key, value):
    profile = PatientProfile(age=70, activity="active", floor_transfer=True, kneeling="comfortable")
    routine = generate_routine(profile).to_dict()
    routine["items"][0] = {**routine["items"][0], key: value}
    visits = pd.DataFrame(
        {
            "visit_id": ["v1"],
            "visit_date": [pd.Timestamp("2026-01-05")],
            "pain_nprs": [3],
            "odi_index": [20.0],
            "odi_sections": [None],
            "notes": [""],
            "routine": [routine],
        }
    )
    with pytest.raises(WorkbookError, match=f"routine {key}"):
        deidentify_case(1956, profile, visits, pd.DataFrame(columns=_MEASUREMENT_COLUMNS))
