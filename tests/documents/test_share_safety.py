"""Sharing a case safely: honest labels, spreadsheet-safe CSV, bounded reading, safe writes."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import stat
import warnings
import zipfile
from pathlib import Path

import pytest

from workbook import PatientProfile, WorkbookError, generate_routine
from workbook.documents import share
from workbook.documents.share import IdentifiedBundleWarning, read_case, share_case
from workbook.records import bundles

NAME = "Hortensia Blackwood"
FORMULA_NOTE = '=HYPERLINK("http://example.org","Hortensia")'
NOTES = [FORMULA_NOTE, "-5 degrees after the walk", "@SUM(A1)", "'quoted already"]


@pytest.fixture(scope="module")
def store(module_store):
    return module_store


@pytest.fixture(scope="module")
def patient(store):
    profile = PatientProfile(age=66, activity="active", floor_transfer=True, kneeling="comfortable")
    patient_id = store.add_patient(NAME, 1960, profile, phone="555-0188")
    routine = generate_routine(profile).to_dict()
    for n, note in enumerate(NOTES):
        store.log_visit(
            patient_id,
            dt.date(2026, 1, 5) + dt.timedelta(days=14 * n),
            {("hip_flexion", "left"): 95 + n, ("hip_flexion", "right"): 97 + n},
            pain=5 - n,
            routine=routine,
            notes=note,
        )
    return patient_id


def _quiet_share(*args, **kwargs) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a de-identified share warns of nothing
        return share_case(*args, **kwargs)


# -- honest labels ---------------------------------------------------------------------------


def test_deidentified_bundle_says_so_and_warns_of_nothing(store, patient, tmp_path):
    bundle = _quiet_share(store, patient, tmp_path / "case")
    meta = json.loads((bundle / "case.json").read_text())
    assert meta["deidentified"] is True and meta["identifiers"] == []
    assert "Safe Harbor" in meta["deidentification"]
    assert "De-identified" in (bundle / "README.txt").read_text()
    assert "IDENTIFIED" not in (bundle / "report.html").read_text()


def test_identified_bundle_says_so_everywhere_and_the_call_warns(store, patient, tmp_path):
    with pytest.warns(IdentifiedBundleWarning, match="may identify the patient"):
        bundle = share_case(store, patient, tmp_path / "case", deidentify=False)
    meta = json.loads((bundle / "case.json").read_text())
    assert meta["deidentified"] is False and meta["deidentification"] is None
    assert any("name" in what for what in meta["identifiers"])
    readme = (bundle / "README.txt").read_text()
    assert readme.splitlines()[2].startswith("IDENTIFIED") and "De-identified" not in readme
    page = (bundle / "report.html").read_text()
    assert "IDENTIFIED" in page and NAME in page


def test_included_notes_are_labelled_as_free_text_that_may_identify(store, patient, tmp_path):
    with pytest.warns(IdentifiedBundleWarning, match="free-text"):
        bundle = share_case(store, patient, tmp_path / "case", include_notes=True)
    meta = json.loads((bundle / "case.json").read_text())
    assert meta["notes_included"] is True
    assert any("free-text" in what and "may name" in what for what in meta["identifiers"])
    assert "may name the patient" in (bundle / "README.txt").read_text()
    page = (bundle / "report.html").read_text()
    assert "Free-text notes are included" in page and "may identify the patient" in page
    assert "De-identified (HIPAA Safe Harbor): no name" not in page  # the plain banner is gone


# -- spreadsheet-safe CSV --------------------------------------------------------------------


def test_bundle_csv_cells_cannot_run_as_formulas_and_read_back_exactly(store, patient, tmp_path):
    with pytest.warns(IdentifiedBundleWarning):
        bundle = share_case(store, patient, tmp_path / "case.zip", include_notes=True)
    with zipfile.ZipFile(bundle) as archive:
        csv_text = archive.read("case/visits.csv").decode()
    cells = [c.strip('"') for line in csv_text.splitlines() for c in line.split(",")]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert "'=HYPERLINK(" in csv_text and "'-5 degrees" in csv_text and "''quoted" in csv_text
    assert list(read_case(bundle).visits["notes"]) == NOTES


# -- bounded reading -------------------------------------------------------------------------


def _zip_with(tmp_path: Path, members: dict[str, bytes], *, link: str = "") -> Path:
    path = tmp_path / "hostile.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            if name == link:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, data)
    return path


@pytest.fixture
def good_files(store, patient, tmp_path) -> dict[str, bytes]:
    bundle = _quiet_share(store, patient, tmp_path / "good")
    return {f"case/{p.name}": p.read_bytes() for p in bundle.iterdir()}


@pytest.mark.parametrize(
    ("extra", "link", "message"),
    [
        ({"case/../../etc/evil": b"x"}, "", "no absolute path"),
        ({"/etc/evil": b"x"}, "", "no absolute path"),
        ({"case/notes": b"/etc/passwd"}, "case/notes", "no link or device"),
    ],
)
def test_read_case_refuses_hostile_members(good_files, tmp_path, extra, link, message):
    with pytest.raises(WorkbookError, match=message):
        read_case(_zip_with(tmp_path, {**good_files, **extra}, link=link))


def test_read_case_refuses_duplicate_members(good_files, tmp_path):
    path = tmp_path / "twice.zip"
    with zipfile.ZipFile(path, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate it is asked to write
        for name, data in good_files.items():
            archive.writestr(name, data)
        archive.writestr("case/visits.csv", good_files["case/visits.csv"])
    with pytest.raises(WorkbookError, match="repeated"):
        read_case(path)


def test_read_case_stops_reading_at_the_size_limit(good_files, tmp_path, monkeypatch):
    big = good_files["case/visits.csv"] + b"\n" * 200_000
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in {**good_files, "case/visits.csv": big}.items():
            archive.writestr(name, data)
    monkeypatch.setattr(bundles, "MAX_MEMBER_BYTES", 100_000)
    with pytest.raises(WorkbookError, match="bytes unpacked"):
        read_case(path)


def test_read_case_refuses_a_folder_member_that_is_a_link(store, patient, tmp_path):
    bundle = _quiet_share(store, patient, tmp_path / "case")
    outside = tmp_path / "outside.json"
    outside.write_bytes((bundle / "case.json").read_bytes())
    (bundle / "case.json").unlink()
    (bundle / "case.json").symlink_to(outside)
    with pytest.raises(WorkbookError, match="no link or device"):
        read_case(bundle)


# -- safe writes -----------------------------------------------------------------------------


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("dest", ["case", "case.zip"])
@pytest.mark.parametrize("planted", ["file", "folder", "link"])
def test_a_target_that_appears_during_the_write_is_never_replaced(
    store, patient, tmp_path, monkeypatch, dest, planted
):
    target = tmp_path / dest
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    original = share._write_bundle

    def write_then_race(*args):
        original(*args)
        if planted == "file":
            target.write_text("someone else's file")
        elif planted == "folder":
            target.mkdir()
        else:
            target.symlink_to(elsewhere)

    monkeypatch.setattr(share, "_write_bundle", write_then_race)
    with pytest.raises(WorkbookError, match="nothing was overwritten"):
        _quiet_share(store, patient, target)
    assert _listing(tmp_path) == sorted([dest, "elsewhere"])  # no temporary file or folder left
    assert _listing(elsewhere) == []
    if planted == "file":
        assert target.read_text() == "someone else's file"
    elif planted == "folder":
        assert _listing(target) == []
    else:
        assert target.is_symlink()


@pytest.mark.parametrize("dest", ["case", "case.zip"])
def test_links_planted_at_temporary_names_redirect_nothing(store, patient, tmp_path, dest):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    names = [f"{dest}.partial", f".{dest}.partial", f".{dest}-partial", ".share-case", ".case"]
    for name in names:
        (tmp_path / name).symlink_to(victim)
    bundle = _quiet_share(store, patient, tmp_path / dest)
    assert victim.read_text() == "keep me"
    assert all((tmp_path / name).is_symlink() for name in names)
    assert read_case(bundle).case_code.startswith("CASE-")
    assert _listing(tmp_path) == sorted([dest, "victim.txt", *names])


def _disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_while_zipping_leaves_nothing_and_says_so(
    store, patient, tmp_path, monkeypatch
):
    monkeypatch.setattr(zipfile.ZipFile, "writestr", _disk_full)
    with pytest.raises(WorkbookError, match="the disk is full, nothing was written"):
        _quiet_share(store, patient, tmp_path / "case.zip")
    assert _listing(tmp_path) == []


def test_a_full_disk_while_writing_a_folder_leaves_nothing_and_says_so(
    store, patient, tmp_path, monkeypatch
):
    calls: list[Path] = []
    monkeypatch.setattr(share, "write_text", _failing_write_text(calls))
    with pytest.raises(WorkbookError, match="the disk is full"):
        _quiet_share(store, patient, tmp_path / "case")
    assert calls and _listing(tmp_path) == []


def _failing_write_text(calls: list):
    from workbook.documents.files import write_text

    def write(target, text, **kwargs):
        calls.append(target)
        if len(calls) == 3:  # the first two files are written, the third finds the disk full
            with open(target, "w") as handle:  # noqa: PTH123 - half a file, as a full disk leaves
                handle.write(text[:10])
            _disk_full()
        return write_text(target, text, **kwargs)

    return write
