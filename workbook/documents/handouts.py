"""The patient handout: the home routine as a printable sheet, in HTML or PDF.

One block per stretch: its name, a stick-figure drawing of the position, numbered steps, how long
to hold and how often, what the patient should feel, when to stop, and the cautions that apply to
this patient (:mod:`~workbook.documents.handout_content`). The therapist-facing ``reason`` column
is never printed: it is written for a colleague, not for the patient.

The format follows the file's suffix:

- ``.html``: one self-contained file (:mod:`~workbook.documents.handout_html_layout`);
- ``.pdf``: A4 pages, one or two stretches per page (:mod:`~workbook.documents.handout_pdf_layout`).

The PDF's metadata is neutral: no patient name, no creation date. Files are written through
:mod:`workbook.documents.files`: a failure never leaves half a handout behind, and the file is
readable by its owner only, since it names a patient.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..clinical.home_sheet import home_sheet
from ..errors import WorkbookError, one_of
from .files import atomic_path, check_target, write_text
from .handout_content import (
    FOOTER,
    NO_STRETCH,
    REQUIRED_COLUMNS,
    SAFETY_LINE,
    TITLE,
    HandoutItem,
    handout_items,
)
from .handout_home_sheet_pdf import home_sheet_blocks
from .handout_html_layout import handout_html
from .handout_pdf_layout import paginate, pdf_pages, write_pdf

if TYPE_CHECKING:  # pragma: no cover - the handout only reads a routine's table
    from ..clinical.routine import Routine

__all__ = [
    "FOOTER",
    "NO_STRETCH",
    "REQUIRED_COLUMNS",
    "SAFETY_LINE",
    "SUFFIXES",
    "TITLE",
    "HandoutItem",
    "handout",
    "handout_html",
    "handout_items",
    "paginate",
    "pdf_pages",
]

SUFFIXES: tuple[str, ...] = (".html", ".pdf")


def _optional_text(field: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise WorkbookError(field, value, "text, or None to leave it out")


def handout(
    routine: Routine,
    path: str | os.PathLike[str],
    *,
    patient_name: str | None = None,
    clinic: str | None = None,
    note: str = "",
    printed_on: dt.date | None = None,
) -> Path:
    """Write the patient's home-routine handout; the format follows the file's suffix.

    Parameters
    ----------
    routine : Routine
        From :func:`workbook.generate_routine` (only its ``table`` is read).
    path : str or path-like
        Where to write: ``.html`` for a self-contained web page with a print stylesheet,
        ``.pdf`` for A4 pages. The folder must exist; an existing file is replaced.
    patient_name, clinic : str, optional
        Printed in the header when given (escaped in HTML; never in PDF metadata).
    note : str
        A note from the therapist, printed in the header (escaped in HTML).
    printed_on : datetime.date, optional
        The date printed on the sheet; today when None.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    WorkbookError
        For a suffix other than ``.html`` or ``.pdf``, a missing folder, non-text name, clinic
        or note, or a routine without the needed table.

    Examples
    --------
    >>> import tempfile
    >>> import workbook
    >>> profile = workbook.PatientProfile(age=80, activity="sedentary", floor_transfer=False,
    ...                                   kneeling="unable")
    >>> routine = workbook.generate_routine(profile)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = workbook.handout(routine, Path(folder) / "routine.pdf")
    ...     print(path.name, path.read_bytes()[:5], oct(path.stat().st_mode & 0o777))
    routine.pdf b'%PDF-' 0o600
    """
    suffix = Path(path).suffix
    if suffix.lower() not in SUFFIXES:
        raise WorkbookError("suffix", suffix or "(none)", one_of(SUFFIXES))
    target = check_target(path, SUFFIXES)
    patient_name = _optional_text("patient_name", patient_name)
    clinic = _optional_text("clinic", clinic)
    if not isinstance(note, str):
        raise WorkbookError("note", note, "text ('' for no note)")
    if printed_on is not None and not isinstance(printed_on, dt.date):
        raise WorkbookError("printed_on", printed_on, "a datetime.date, or None for today")
    day = printed_on or dt.date.today()
    items = handout_items(routine)
    sheet = home_sheet(routine.table)

    if suffix.lower() == ".html":
        text = handout_html(
            items, sheet=sheet, patient_name=patient_name, clinic=clinic, note=note, printed_on=day
        )
        return write_text(target, text)
    figures = pdf_pages(
        items,
        patient_name=patient_name,
        clinic=clinic,
        note=note,
        printed_on=day,
        extra=home_sheet_blocks(sheet),
    )
    with atomic_path(target) as temporary:
        write_pdf(temporary, figures)
    return target
