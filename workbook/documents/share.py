"""Share a case with a colleague, and import one: a bundle that needs no clinic store.

``share_case`` writes a folder (or a ``.zip``) holding:

- ``report.html``: one self-contained page, the progress chart embedded (the PNG of
  ``chart.png``), the progress table, pain and disability, the routine;
- ``measurements.csv`` and ``visits.csv``: the numbers, by day since the first visit;
- ``case.json``: case code, age band, clinical profile, the routine given;
- ``charts.ipynb``: a notebook, executed (table and chart saved in it), that rebuilds the chart
  from the CSV files (:mod:`~.share_notebook`);
- ``README.txt``: what the files are, and whether anything in them identifies the patient.

By default the bundle is de-identified by the Safe Harbor rules
(:mod:`workbook.records.deidentify`): no name, id, birth year, date, contact detail, therapist or
note; file names are fixed (never the patient's), zip entries carry a fixed timestamp, chart files
neutral metadata. A bundle that is not (``deidentify=False``) or may not be (``include_notes``)
free of identifiers says so in ``case.json``, ``README.txt`` and the report, and the call warns
(:class:`IdentifiedBundleWarning`). CSV cells are spreadsheet-safe
(:mod:`workbook.records.spreadsheet`), and reading a bundle is bounded
(:mod:`workbook.records.bundles`; limits in ``docs/limits.md``).

The bundle appears whole or not at all, readable by its owner only: it is built in a folder made
exclusively beside the target and moved into place only if the target is still absent (see
:mod:`workbook.documents.files`); on any failure, a full disk included, nothing is left behind.
The report page is built by :mod:`~.share_report`.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import warnings
import zipfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

from ..clinical.display import is_blank
from ..clinical.measures import (
    check_degrees,
    check_instrument,
    check_odi_sections,
    check_pain,
    check_position,
    check_side,
)
from ..clinical.profile import PatientProfile
from ..clinical.routine import Routine
from ..clinical.tables import require_columns
from ..errors import WorkbookError
from ..records.bundles import read_bundle
from ..records.deidentify import (
    MEASUREMENT_COLUMNS,
    VISIT_COLUMNS,
    DeidentifiedCase,
    band_floor,
    deidentify_case,
    sections_from_text,
)
from ..records.paths import workbook_version
from ..records.spreadsheet import guard_frame, unguard_frame
from .chart_export import EXPORT_DPI, encode_png, laid_out_once, png_picture
from .chart_kept import KEPT_CHARTS
from .charts import progress_chart
from .files import (
    atomic_path,
    check_target,
    disk_errors,
    private_workspace,
    write_bytes,
    write_text,
)
from .share_notebook import case_notebook
from .share_report import EPOCH, case_report_page, identifiers, with_chart

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

    from ..records.store import Store

__all__ = [
    "BUNDLE_FILES",
    "SAFE_HARBOR",
    "IdentifiedBundleWarning",
    "case_chart",
    "case_chart_png",
    "chart_frames",
    "import_case",
    "read_case",
    "share_case",
]

SAFE_HARBOR = "HIPAA Safe Harbor (45 CFR 164.514(b)(2))"

BUNDLE_FILES = (
    "README.txt",
    "case.json",
    "measurements.csv",
    "visits.csv",
    "report.html",
    "chart.png",
    "charts.ipynb",
)
# zlib level 1 for the chart: twice as fast as the default, the file a tenth larger.
_PNG_LEVEL = 1
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # zip's earliest date: no trace of when the case was shared
_DAY_STEPS = (7, 14, 21, 28, 42, 56, 84, 112, 182, 364)  # ticks every week(s): days read easily


class IdentifiedBundleWarning(UserWarning):
    """A shared case carries (or may carry) what identifies the patient: keep it in the clinic."""


def share_case(
    store: Store,
    patient_id: str,
    dest: str | os.PathLike[str],
    *,
    deidentify: bool = True,
    include_notes: bool = False,
) -> Path:
    """Write a case bundle for a colleague.

    Parameters
    ----------
    store : Store
    patient_id : str
    dest : path
        A new folder, or a file ending in ``.zip``. Must not exist yet.
    deidentify : bool, default True
        False writes the same bundle with the patient's name and the first visit's date in the
        report, for a transfer of care inside the clinic; ``case.json``, ``README.txt`` and the
        report say so (in red), and an :class:`IdentifiedBundleWarning` is issued.
    include_notes : bool, default False
        Keep free-text visit notes. They may name the patient, other people or places: the
        labels say so and an :class:`IdentifiedBundleWarning` is issued.

    Returns
    -------
    Path
        The folder or zip written.

    Raises
    ------
    WorkbookError
        For an existing ``dest`` (also one that appears while the bundle is written: nothing is
        replaced), a missing folder, a full disk; nothing is left behind.
    """
    target = check_target(dest, (), field="dest", new=True)
    patient = store.patient(patient_id)
    visits = store.visits(patient_id)
    measurements = store.measurements(patient_id)
    case = deidentify_case(
        patient["birth_year"],
        store.profile(patient_id),
        visits,
        measurements,
        include_notes=include_notes,
    )
    identified = (
        None
        if deidentify
        else {
            "name": patient["name"],
            "first_visit": pd.to_datetime(visits["visit_date"]).min(),
        }
    )
    found = identifiers(case, identified)
    if found:
        warnings.warn(
            IdentifiedBundleWarning(
                f"the shared case at {target.name} may identify the patient: "
                + "; ".join(found)
                + ". Keep it inside the clinic."
            ),
            stacklevel=2,
        )
    with disk_errors(target):
        files = _bundle_files(case, identified)
        if target.suffix.lower() == ".zip":
            # Zipped straight from memory: no working folder to write, read back and remove.
            with atomic_path(target, exclusive=True) as partial:
                _write_bundle(files, partial)
        else:
            with private_workspace(target) as folder:
                _write_bundle(files, folder)
    return target


def _bundle_files(case: DeidentifiedCase, identified: Mapping | None) -> dict[str, str | bytes]:
    """Every file of the bundle, by name, in the order of ``BUNDLE_FILES``."""
    measurements = guard_frame(case.measurements[list(MEASUREMENT_COLUMNS)])
    visits = case.visits if case.notes_included else case.visits.drop(columns="notes")
    # One drawing of the chart: chart.png, the report's chart and the notebook's output are
    # the same PNG (drawing this chart is most of the time a share takes).
    picture = _chart_picture(case, EXPORT_DPI)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="share-chart") as pool:
        # Pillow compresses the PNG outside Python's lock; the text files are made meanwhile.
        encoding = pool.submit(encode_png, picture, EXPORT_DPI, compress_level=_PNG_LEVEL)
        files: dict[str, str | bytes] = {
            "README.txt": _readme(case, identified),
            "case.json": json.dumps(_case_json(case, identified), indent=2) + "\n",
            "measurements.csv": measurements.to_csv(index=False),
            "visits.csv": guard_frame(visits).to_csv(index=False),
        }
        page = case_report_page(case, identified, chart_frames(case.measurements, case.visits))
        png = encoding.result()
    notebook = case_notebook(case.case_code, case.measurements, png)
    files["report.html"] = with_chart(page, png)
    files["chart.png"] = png
    files["charts.ipynb"] = json.dumps(notebook, indent=1) + "\n"
    return {name: files[name] for name in BUNDLE_FILES}


def _write_bundle(files: Mapping[str, str | bytes], where: Path) -> None:
    """The files into the folder ``where``, or as a zip into the file ``where``."""
    if where.is_dir():
        for name, data in files.items():
            if isinstance(data, bytes):
                write_bytes(where / name, data)
            else:
                write_text(where / name, data)
            os.utime(where / name, (0, 0))  # no trace of the sharing date in the files' times
        return
    with zipfile.ZipFile(where, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files.items():
            info = zipfile.ZipInfo(f"case/{name}", date_time=_ZIP_TIME)
            # A PNG is compressed already; the rest (text, base64 images) packs fast at level 1.
            packed = not name.endswith(".png")
            info.compress_type = zipfile.ZIP_DEFLATED if packed else zipfile.ZIP_STORED
            bundle.writestr(info, data, compresslevel=1)


def _case_json(case: DeidentifiedCase, identified: Mapping | None) -> dict[str, Any]:
    return {
        "format": "hip-mobility-workbook case",
        "format_version": 1,
        "workbook_version": workbook_version(),
        "case_code": case.case_code,
        "age_band": case.age_band,
        "deidentified": identified is None,
        "deidentification": SAFE_HARBOR if identified is None else None,
        # What identifies, or may identify, the patient (empty for a de-identified case).
        "identifiers": identifiers(case, identified),
        "notes_included": case.notes_included,
        "profile": case.profile.to_dict(),
        "routine": case.routine,
    }


def chart_frames(
    measurements: pd.DataFrame, visits: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A shared case's tables in the shape the chart takes, with the days as the time axis."""
    m = measurements.assign(visit_id=measurements["visit"].astype(str))
    v = visits.assign(visit_id=visits["visit"].astype(str))
    for frame in (m, v):
        frame["visit_date"] = EPOCH + pd.to_timedelta(frame["day"].astype("int64"), unit="D")
    if "routine" not in v:
        v["routine"] = None
    return m, v


def case_chart(
    measurements: pd.DataFrame, visits: pd.DataFrame, profile: PatientProfile | None = None
) -> Figure:
    """The progress chart of a shared case, its time axis in days since the first visit."""
    m, v = chart_frames(measurements, visits)
    fig = progress_chart(m, v, profile=profile)
    _days_axis(fig, measurements, visits)
    return fig


def _days_axis(fig: Figure, measurements: pd.DataFrame, visits: pd.DataFrame) -> None:
    """The chart is drawn on stand-in dates; its ticks say days, never a date."""
    zero = mdates.date2num(EPOCH)
    last = int(pd.concat([measurements["day"], visits["day"]]).max() or 0)
    step = next((s for s in _DAY_STEPS if last / s <= 6), _DAY_STEPS[-1])
    ticks = zero + np.arange(0, last + step, step)
    for ax in fig.axes:
        if isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter):
            ax.xaxis.set_major_locator(FixedLocator(ticks))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x - zero:.0f}"))
            ax.xaxis.get_offset_text().set_visible(False)
            ax.set_xlabel("Days since the first visit")


def _chart_picture(case: DeidentifiedCase, dpi: float) -> PILImage:
    """The case's chart drawn at ``dpi``: the picture of :func:`case_chart`, drawn on a kept
    Figure (:mod:`.chart_kept`), laid out once."""
    m, v = chart_frames(case.measurements, case.visits)
    with KEPT_CHARTS.chart(m, v, profile=case.profile) as fig:
        _days_axis(fig, case.measurements, case.visits)
        with laid_out_once(fig, dpi):
            return png_picture(fig, dpi)


def case_chart_png(case: DeidentifiedCase, *, dpi: float = EXPORT_DPI) -> bytes:
    """A shared case's progress chart as PNG bytes (neutral metadata), for a notebook to show.

    The same bytes as the bundle's ``chart.png`` (print resolution). In a notebook,
    ``IPython.display.Image(case_chart_png(case), retina=True)`` shows the chart itself at
    screen size; a bare Figure would show as ``<Figure size ...>`` (the workbook never imports
    pyplot).
    """
    return encode_png(_chart_picture(case, dpi), dpi, compress_level=_PNG_LEVEL)


def _readme(case: DeidentifiedCase, identified: Mapping | None) -> str:
    found = identifiers(case, identified)
    if identified:
        label = "IDENTIFIED: this bundle names the patient. Do not send it outside the clinic.\n"
    else:
        label = f"De-identified by the {SAFE_HARBOR} rules.\n"
    if found:
        label += "".join(f"It contains {what}.\n" for what in found)
    return (
        f"Hip mobility case {case.case_code}\n\n{label}\n"
        "report.html       open in a browser: chart, progress, pain and disability, routine\n"
        "measurements.csv  range of motion: visit, day since first visit, motion, side, degrees\n"
        "visits.csv        pain (0-10) and Oswestry index per visit\n"
        "case.json         age band, clinical profile, routine\n"
        "chart.png         the progress chart, for slides or a letter\n"
        "charts.ipynb      the table and chart, saved in the notebook; re-run it with the\n"
        "                  workbook installed to rebuild them from the CSV files\n\n"
        "To add this case to your own workbook store: workbook.import_case(store, this_folder)\n"
    )


# -- reading and importing ------------------------------------------------------------------


_READ_FILES = ("case.json", "measurements.csv", "visits.csv")


def read_case(bundle: str | os.PathLike[str]) -> DeidentifiedCase:
    """Read a bundle written by :func:`share_case` back into a :class:`DeidentifiedCase`.

    The zip or folder is read within the limits of :func:`workbook.records.bundles.read_bundle`
    (member count and sizes, no links, devices, absolute paths, ``..`` or repeated names); the
    CSV cells guarded for spreadsheets are restored exactly.
    """
    files = read_bundle(bundle, _READ_FILES, prefix="case/")
    missing = [n for n in ("case.json", "measurements.csv", "visits.csv") if n not in files]
    if missing:
        raise WorkbookError("bundle", str(bundle), f"a case bundle; it lacks {', '.join(missing)}")
    try:
        meta = json.loads(files["case.json"])
        profile = PatientProfile.from_dict(meta["profile"])
        measurements = unguard_frame(pd.read_csv(io.BytesIO(files["measurements.csv"])))
        visits = unguard_frame(pd.read_csv(io.BytesIO(files["visits.csv"]), keep_default_na=True))
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, WorkbookError):
            raise
        raise WorkbookError("bundle", str(bundle), f"a readable case bundle ({exc})") from None
    require_columns(measurements, "measurements.csv", MEASUREMENT_COLUMNS)
    require_columns(visits, "visits.csv", VISIT_COLUMNS[:-1])  # notes travel only when included
    if "notes" not in visits:
        visits["notes"] = ""
    visits["notes"] = visits["notes"].fillna("").astype(str)
    visits["pain_nprs"] = visits["pain_nprs"].astype("Int64")
    return DeidentifiedCase(
        case_code=str(meta.get("case_code", "")),
        age_band=str(meta.get("age_band", "")),
        profile=profile,
        measurements=measurements,
        visits=visits,
        routine=meta.get("routine"),
        notes_included=bool(meta.get("notes_included", False)),
    )


def _check_case(case: DeidentifiedCase) -> None:
    """Every value checked before anything is written, so a bad bundle leaves no half patient."""
    for row in case.measurements.to_dict("records"):
        check_degrees(row["motion"], row["degrees"], check_side(row["side"]))
        check_instrument(row["instrument"])
        check_position(row["position"])
    for visit in case.visits.to_dict("records"):
        if int(visit["day"]) < 0:
            raise WorkbookError(
                "visits.csv day", visit["day"], "0 or more days since the first visit"
            )
        if not is_blank(visit["pain_nprs"]):
            check_pain(visit["pain_nprs"])
        sections = sections_from_text(visit["odi_sections"])
        if sections is not None:
            check_odi_sections(sections)
    if case.routine is not None:
        Routine.from_dict(case.routine)


def import_case(
    store: Store, bundle: str | os.PathLike[str], *, allow_duplicate: bool = False
) -> str:
    """Add a shared case to a store as a new, de-identified patient.

    The patient is named after the case code. Dates are rebuilt so that the last visit falls on
    the day of import (the bundle holds days, not dates), and the birth year is the one that
    gives the band's youngest age at the first visit. Every value of the case is checked by the
    store's own rules first; then the patient, the profile, every visit and reading are written
    in one transaction, so a bad bundle, a full disk or a killed process leaves nothing behind.
    A case already imported into this store (same case code) is refused unless
    ``allow_duplicate`` is True.

    Returns
    -------
    str
        The new patient's id.
    """
    from ..clinical.routine_schema import check_routine
    from ..records.case_import import check_case_record

    case = read_case(bundle)
    check_routine(case.routine)  # the routine's shape first: _check_case rebuilds it
    _check_case(case)
    days = {}
    for visit in case.visits.to_dict("records"):
        day = visit["day"]
        if isinstance(day, bool) or not isinstance(day, int | np.integer) or not 0 <= day <= 36_500:
            raise WorkbookError("visits.csv day", day, "a whole number of days from 0 to 36500")
        if visit["visit"] in days:
            raise WorkbookError("visits.csv visit", visit["visit"], "each visit once")
        days[visit["visit"]] = int(day)
    orphans = set(case.measurements["visit"]) - set(days)
    if orphans:
        raise WorkbookError("measurements.csv visit", sorted(orphans)[0], "a visit of visits.csv")
    last_day = max(days.values(), default=0)
    first_visit = pd.Timestamp(dt.date.today()) - pd.Timedelta(days=last_day)
    last_visit = max(days, key=lambda v: (days[v], str(v)), default=None)
    visits = []
    for visit in case.visits.to_dict("records"):
        rows = case.measurements[case.measurements["visit"] == visit["visit"]]
        rom = {
            (r["motion"], r["side"]): {
                "degrees": r["degrees"],
                "instrument": r["instrument"],
                "position": r["position"],
            }
            for r in rows.to_dict("records")
        }
        if len(rom) != len(rows):
            raise WorkbookError("measurements.csv", visit["visit"], "each motion and side once")
        visits.append(
            {
                "visit_date": (first_visit + pd.Timedelta(days=days[visit["visit"]])).date(),
                "rom": rom,
                "pain": None if is_blank(visit["pain_nprs"]) else visit["pain_nprs"],
                "odi": sections_from_text(visit["odi_sections"]),
                "routine": case.routine if visit["visit"] == last_visit else None,
                "notes": visit["notes"],
            }
        )
    record = check_case_record(
        case_code=case.case_code,
        name=f"Shared case {case.case_code}",
        birth_year=first_visit.year - band_floor(case.age_band),
        profile=case.profile,
        details={"case_code": case.case_code, "age_band": case.age_band, "deidentified": True},
        visits=visits,
    )
    return store.add_case(record, allow_duplicate=allow_duplicate)
