"""What goes on a handout, shared by the HTML and the PDF layout: one block per stretch.

:func:`handout_items` reads a routine's table into :class:`HandoutItem` blocks of plain text
(numbered steps, the dose in words, what to feel, when to stop, the cautions). The therapist-facing
``reason`` column is never read: it is written for a colleague, not for the patient.

Examples
--------
>>> from workbook import PatientProfile, generate_routine
>>> profile = PatientProfile(age=80, activity="sedentary", floor_transfer=False,
...                          kneeling="unable")
>>> first = handout_items(generate_routine(profile))[0]
>>> first.dose.startswith("Hold "), first.steps[0][0].isdigit()
(True, False)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, SupportsFloat

import pandas as pd

from ..clinical.display import dose_sentence, is_blank
from ..errors import WorkbookError

if TYPE_CHECKING:  # pragma: no cover - the handout only reads a routine's table
    from ..clinical.routine import Routine

__all__ = [
    "FOOTER",
    "NO_STRETCH",
    "REQUIRED_COLUMNS",
    "SAFETY_LINE",
    "TITLE",
    "HandoutItem",
    "handout_items",
]

REQUIRED_COLUMNS: tuple[str, ...] = (
    "movement_label",
    "stretch_id",
    "name",
    "per_side",
    "hold_s",
    "reps",
    "per_week",
    "cues",
    "feel",
    "stop_if",
    "cautions_patient",
    "pictogram",
)

TITLE = "Your home stretches"
SAFETY_LINE = (
    "A stretch should feel like a steady pull, never like pain. Move into it slowly, breathe, and "
    "ease off if it starts to hurt; if the pain stays, stop and tell your therapist."
)
NO_STRETCH = "No stretch for this movement - ask your therapist."
FOOTER = "Bring this sheet to your next visit."


@dataclass(frozen=True)
class HandoutItem:
    """One block of the handout, as plain text ready for either format.

    ``name`` is empty when nothing in the stretch table was safe for the movement.
    """

    movement_label: str
    name: str
    pose: str
    steps: tuple[str, ...]
    dose: str
    equipment: str
    feel: str
    stop_if: str
    cautions: tuple[str, ...]

    @property
    def has_stretch(self) -> bool:
        return bool(self.name)


def _text(value: object) -> str:
    """A table cell as text: None and NaN (an empty cell) become ''."""
    return "" if is_blank(value) else str(value).strip()


def _lines(value: object) -> tuple[str, ...]:
    """One item per non-empty line (a list or tuple is taken item by item)."""
    if isinstance(value, list | tuple):
        return tuple(t for t in (_text(v) for v in value) if t)
    return tuple(line.strip() for line in _text(value).splitlines() if line.strip())


_STEP_NUMBER = re.compile(r"^\s*\d+\s*[.)]\s*")


def _steps(cues: object) -> tuple[str, ...]:
    """'1. Sit.\\n2. Lean.' -> ('Sit.', 'Lean.'): the sheet numbers the steps itself."""
    return tuple(_STEP_NUMBER.sub("", line) for line in _lines(cues))


def _whole(value: object, field: str, where: str, minimum: int) -> int:
    try:
        number = float(value) if isinstance(value, SupportsFloat | str) else math.nan
    except ValueError:
        number = math.nan
    if math.isnan(number) or math.isinf(number) or number != int(number) or number < minimum:
        raise WorkbookError(field, value, f"a whole number of at least {minimum}", where=where)
    return int(number)


def _is_true(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return bool(value) and not is_blank(value)


def handout_items(routine: Routine) -> list[HandoutItem]:
    """The routine's rows as handout blocks, in the routine's order.

    Raises
    ------
    WorkbookError
        When ``routine`` has no ``table`` with the needed columns, the table is empty, or a
        stretch's hold, repetitions or days a week are not whole numbers of at least 1.
    """
    referral = getattr(routine, "referral", "")
    if referral:  # a red flag stands: no home programme until a doctor has seen the patient
        raise WorkbookError("routine", "a red flag stands", f"no handout; {referral}")
    table = getattr(routine, "table", None)
    if not isinstance(table, pd.DataFrame):
        raise WorkbookError(
            "routine", type(routine).__name__, "a Routine from workbook.generate_routine"
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise WorkbookError(
            "routine.table columns",
            missing,
            f"a routine table has the columns {', '.join(REQUIRED_COLUMNS)}",
        )
    if table.empty:
        raise WorkbookError("routine.table", "no rows", "at least one movement")
    items = []
    for _, row in table.iterrows():
        label = _text(row["movement_label"])
        name = _text(row["name"]) if _text(row["stretch_id"]) else ""
        if not name:
            items.append(HandoutItem(label, "", "", (), "", "", "", "", ()))
            continue
        where = f"routine row {label or _text(row.get('movement'))}"
        dose = dose_sentence(
            _whole(row["hold_s"], "hold_s", where, 1),
            _whole(row["reps"], "reps", where, 1),
            _whole(row["per_week"], "per_week", where, 1),
            _is_true(row["per_side"]),
        )
        items.append(
            HandoutItem(
                movement_label=label,
                name=name,
                pose=_text(row["pictogram"]),
                steps=_steps(row["cues"]),
                dose=dose,
                equipment=_text(row.get("equipment", "")),
                feel=_text(row["feel"]),
                stop_if=_text(row["stop_if"]),
                cautions=_lines(row["cautions_patient"]),
            )
        )
    return items
