"""The stretch table (``data/stretches.csv``): loading and checking it.

Therapists edit the table by hand, so the loader checks everything a routine depends on and
reports a mistake with its row, column, value and what is allowed. Pure logic.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd

from ..errors import WorkbookError, one_of
from .paths import data_file
from .profile import ACTIVITY_LEVELS, known_conditions, known_equipment
from .tables import (
    check_vocabulary,
    column_as_bool,
    column_as_number,
    load_data_table,
    read_table,
    row_label,
    split_list,
)

__all__ = [
    "BOOL_COLUMNS",
    "COLUMNS",
    "DOSAGE_BOUNDS",
    "INTENSITIES",
    "LIST_COLUMNS",
    "MOVEMENTS",
    "PATIENT_TEXT",
    "REQUIRED_TEXT",
    "SLUG",
    "THERAPIST_TEXT",
    "cue_steps",
    "cue_variants_table",
    "load_stretches",
    "movement_label",
    "movements_table",
    "stretch_positions_table",
]

INTENSITIES: tuple[str, ...] = ("gentle", "intense")

COLUMNS: tuple[str, ...] = (
    "stretch_id",
    "name",
    "movement",
    "target",
    "intensity",
    "min_activity",
    "position",
    "needs_floor",
    "needs_kneeling",
    "equipment",
    "per_side",
    "hold_s",
    "reps",
    "per_week",
    "cues",
    "feel",
    "stop_if",
    "cautions_patient",
    "therapist_note",
    "avoid_if",
    "caution_if",
    "suggest_if",
    "suggest_note",
    "side_focus_cue",
    "preferred",
    "variant_of",
    "pictogram",
    "source",
)
LIST_COLUMNS: tuple[str, ...] = ("equipment", "avoid_if", "caution_if", "suggest_if")
BOOL_COLUMNS: tuple[str, ...] = ("needs_floor", "needs_kneeling", "per_side", "preferred")
# Who reads each text column: the patient (handout) or the therapist (screen and report).
PATIENT_TEXT: tuple[str, ...] = (
    "name",
    "target",
    "cues",
    "feel",
    "stop_if",
    "cautions_patient",
    "side_focus_cue",
)
THERAPIST_TEXT: tuple[str, ...] = ("therapist_note", "suggest_note", "source")
# Bounds a hand-edited dosage must respect; outside them it is a typing error, not a choice.
DOSAGE_BOUNDS: dict[str, tuple[int, int]] = {
    "hold_s": (5, 300),
    "reps": (1, 10),
    "per_week": (1, 7),
}
REQUIRED_TEXT: tuple[str, ...] = (
    "name",
    "target",
    "cues",
    "feel",
    "stop_if",
    "pictogram",
    "source",
)
SLUG = re.compile(r"[a-z][a-z0-9_]*")


def movements_table() -> pd.DataFrame:
    """``data/movements.csv``: the four hip movements in routine order, with labels."""
    return load_data_table("movements.csv", ["movement", "label", "aim", "source"])


def stretch_positions_table() -> pd.DataFrame:
    """``data/stretch_positions.csv``: where a stretch is done, in plain words."""
    return load_data_table("stretch_positions.csv", ["position", "label"])


MOVEMENTS: tuple[str, ...] = tuple(movements_table()["movement"])


def movement_label(movement: str) -> str:
    """'hip_flexion' -> 'Hip flexion'."""
    labels = movements_table().set_index("movement")["label"]
    if movement not in labels.index:
        raise WorkbookError("movement", movement, one_of(MOVEMENTS))
    return str(labels[movement])


def load_stretches(path: str | Path | None = None) -> pd.DataFrame:
    """Load and check the stretch table.

    Parameters
    ----------
    path : str or Path, optional
        A CSV laid out like ``data/stretches.csv``; the shipped table when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per stretch, indexed by position in the file. Yes/no columns are booleans,
        dosage columns nullable integers (missing: use the age-based default), the condition and
        equipment columns tuples of ids.

    Raises
    ------
    WorkbookError
        For any mistake in the table, naming the row, the column, the value and what is allowed.
    """
    if path is None:
        return _shipped(data_file("stretches.csv")).copy()
    table = read_table(path, COLUMNS)
    table.attrs["file"] = Path(path).name
    return _check(table)


@functools.cache
def _shipped(path: Path) -> pd.DataFrame:
    """The data folder's stretch table, checked once per folder (about 100 ms a check).

    Every routine the screens generate starts from it; a hand-edited copy elsewhere
    (``load_stretches(path)``) is checked at every call.
    """
    return _check(load_data_table("stretches.csv", COLUMNS))


def _check(table: pd.DataFrame) -> pd.DataFrame:
    key = "stretch_id"
    if table.empty:
        raise WorkbookError("rows", 0, "the stretch table needs at least one stretch per movement")
    for index in table.index.tolist():
        stretch_id = str(table.at[index, key])
        if not SLUG.fullmatch(stretch_id):
            raise WorkbookError(
                key,
                stretch_id,
                "lower-case letters, digits and _ (a slug such as 'rock_back')",
                where=row_label(table, index),
            )
        for column in REQUIRED_TEXT:
            if not table.at[index, column]:
                raise WorkbookError(
                    column, "", "a non-empty text", where=row_label(table, index, key)
                )
        _check_cues(table, index)
        focus = str(table.at[index, "side_focus_cue"])
        if focus and "{side}" not in focus:
            raise WorkbookError(
                "side_focus_cue",
                focus[:40],
                "empty, or a phrase with {side} where 'left' or 'right' goes",
                where=row_label(table, index, key),
            )
    duplicated = table[key].duplicated()
    if duplicated.any():
        index = int(duplicated.to_numpy().argmax())
        index = int(table.index[index])
        raise WorkbookError(
            key,
            table.at[index, key],
            "each stretch_id must be unique (it is used twice)",
            where=row_label(table, index),
        )

    check_vocabulary(table, "movement", MOVEMENTS, key=key)
    check_vocabulary(table, "intensity", INTENSITIES, key=key)
    check_vocabulary(table, "min_activity", ACTIVITY_LEVELS, key=key)
    check_vocabulary(table, "position", stretch_positions_table()["position"], key=key)
    for column in BOOL_COLUMNS:
        table[column] = column_as_bool(table, column, key=key)
    for column, (low, high) in DOSAGE_BOUNDS.items():
        given = table[column] != ""
        checked = column_as_number(
            table[given], column, key=key, minimum=low, maximum=high, whole=True
        )
        table[column] = pd.array([pd.NA] * len(table), dtype="Int64")
        table.loc[given, column] = checked

    vocabularies = {
        "equipment": known_equipment(),
        "avoid_if": known_conditions(),
        "caution_if": known_conditions(),
        "suggest_if": known_conditions(),
    }
    for column, allowed in vocabularies.items():
        lists = table[column].map(split_list)
        for index, items in zip(table.index.tolist(), lists.tolist(), strict=True):
            for item in items:
                if item not in allowed:
                    raise WorkbookError(
                        column,
                        item,
                        f"each must be {one_of(allowed)} (separate several with ;)",
                        where=row_label(table, index, key),
                    )
        table[column] = lists

    ids = dict(zip(table[key], table["movement"], strict=True))
    for index in table.index:
        parent = table.at[index, "variant_of"]
        if not parent:
            continue
        if parent not in ids:
            raise WorkbookError(
                "variant_of",
                parent,
                "blank, or the stretch_id of another row in the table",
                where=row_label(table, index, key),
            )
        if ids[parent] != table.at[index, "movement"]:
            raise WorkbookError(
                "variant_of",
                parent,
                "a stretch of the same movement",
                where=row_label(table, index, key),
            )

    for movement in MOVEMENTS:
        present = set(table.loc[table["movement"] == movement, "intensity"])
        for intensity in INTENSITIES:
            if intensity not in present:
                raise WorkbookError(
                    "movement",
                    movement,
                    f"every movement needs at least one gentle and one intense stretch; "
                    f"{table.attrs.get('file', 'the table')} has no {intensity} one",
                )
    return table


def _check_cues(table: pd.DataFrame, index: int) -> None:
    """Cues are numbered steps, one per line: '1. ...', '2. ...'."""
    cues = str(table.at[index, "cues"])
    lines = [line.strip() for line in cues.splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        if not line.startswith(f"{number}. "):
            raise WorkbookError(
                "cues",
                line[:40],
                f"numbered steps, one per line, starting '1. ', '2. ' ...; step {number} "
                f"should start with '{number}. '",
                where=row_label(table, index, "stretch_id"),
            )


def cue_variants_table() -> pd.DataFrame:
    """``data/cue_variants.csv``: a step of a stretch's cues reworded for some conditions.

    Columns ``stretch_id``, ``when_any`` (tuple of condition ids), ``step`` (int), ``text``
    (patient words), ``source``. For a patient with any of ``when_any``, step ``step`` reads
    ``text``; when several rows touch one step, the first in the file wins, so the row written to
    satisfy several conditions at once goes first.
    """
    table = load_data_table(
        "cue_variants.csv", ["stretch_id", "when_any", "step", "text", "source"]
    )
    table["step"] = column_as_number(
        table, "step", key="stretch_id", minimum=1, maximum=20, whole=True
    )
    table["when_any"] = table["when_any"].map(split_list)
    allowed = known_conditions()
    for index, items in enumerate(table["when_any"].tolist()):
        for item in items:
            if item not in allowed:
                raise WorkbookError(
                    "when_any", item, one_of(allowed), where=row_label(table, index, "stretch_id")
                )
    return table


def cue_steps(cues: str) -> list[str]:
    """'1. Sit.\\n2. Lean.' -> ['Sit.', 'Lean.'] (numbers dropped, for lists that number)."""
    return [line.split(". ", 1)[1] for line in cues.splitlines() if ". " in line]
