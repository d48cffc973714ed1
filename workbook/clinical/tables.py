"""Reading the editable tables in ``data/``: one reader, one kind of error.

Clinics edit these CSV files by hand. Whatever goes wrong (a missing file, a renamed column, a
number typed as text) comes back as a :class:`~workbook.errors.WorkbookError` naming the file, the
row, the column and what is allowed, never as a pandas traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..errors import WorkbookError, one_of
from .paths import data_file

__all__ = [
    "TRUE_WORDS",
    "check_vocabulary",
    "column_as_bool",
    "column_as_number",
    "load_data_table",
    "read_table",
    "require_columns",
    "row_label",
    "split_list",
]

TRUE_WORDS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def read_table(path: str | Path, required: Iterable[str]) -> pd.DataFrame:
    """Read a CSV table as text and check that its required columns are there.

    Every cell comes back as a stripped string ("" when empty); the caller converts types with
    :func:`column_as_number` and :func:`column_as_bool`, which name the row on failure.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise WorkbookError("file", str(path), "the table file must exist") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise WorkbookError("file", path.name, f"a readable CSV table is needed ({exc})") from None
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise WorkbookError(
            "columns",
            missing,
            f"{path.name} must have the columns {', '.join(required)}",
            where=path.name,
        )
    return table.apply(lambda col: col.str.strip())


def require_columns(frame: object, field: str, columns: Iterable[str]) -> pd.DataFrame:
    """``frame`` must be a DataFrame holding ``columns``; names what is missing otherwise."""
    columns = list(columns)
    if not isinstance(frame, pd.DataFrame):
        raise WorkbookError(field, type(frame).__name__, "a pandas DataFrame")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise WorkbookError(
            field,
            f"missing columns {', '.join(missing)}",
            f"a table with the columns {', '.join(columns)}",
        )
    return frame


def row_label(table: pd.DataFrame, index: int, key: str | None = None) -> str:
    """'stretches.csv row 4 (seated_hinge)': row numbers as a spreadsheet shows them."""
    name = str(table.attrs.get("file", "table"))
    label = f"{name} row {index + 2}"  # +1 for the header line, +1 for counting from 1
    if key and key in table.columns:
        label += " (" + str(table.at[index, key]) + ")"
    return label


def column_as_number(
    table: pd.DataFrame,
    column: str,
    *,
    key: str | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    whole: bool = False,
) -> pd.Series:
    """Convert a text column to numbers, naming the first row that is not one."""
    numbers = pd.to_numeric(table[column], errors="coerce").astype("float64")
    bad = numbers.isna()
    if whole:
        bad |= numbers.ne(numbers.round())
    if minimum is not None:
        bad |= numbers.lt(minimum)
    if maximum is not None:
        bad |= numbers.gt(maximum)
    if bad.any():
        allowed = "a whole number" if whole else "a number"
        if minimum is not None and maximum is not None:
            allowed += f" from {minimum:g} to {maximum:g}"
        _raise_at(table, bad, column, allowed, key)
    return numbers.astype("int64") if whole else numbers


def _raise_at(
    table: pd.DataFrame, bad: pd.Series, column: str, allowed: str, key: str | None
) -> None:
    """The error for the first row where ``bad`` holds, named as a spreadsheet shows it."""
    position = int(bad.to_numpy().nonzero()[0][0])
    index = table.index.to_list()[position]  # a label: callers may pass a slice of a table
    raise WorkbookError(
        column, table.at[index, column], allowed, where=row_label(table, index, key)
    )


def column_as_bool(table: pd.DataFrame, column: str, *, key: str | None = None) -> pd.Series:
    """Convert a yes/no column to booleans, naming the first row that is neither."""
    words = table[column].str.lower()
    bad = ~words.isin(list(TRUE_WORDS))
    if bad.any():
        _raise_at(table, bad, column, one_of(["true", "false"]), key)
    return words.map(TRUE_WORDS).astype(bool)


def check_vocabulary(
    table: pd.DataFrame, column: str, allowed: Iterable[str], *, key: str | None = None
) -> None:
    """Every cell of ``column`` must be one of ``allowed``."""
    allowed = list(allowed)
    for index in table.index:
        if table.at[index, column] not in allowed:
            raise WorkbookError(
                column, table.at[index, column], one_of(allowed), where=row_label(table, index, key)
            )


def split_list(text: str) -> tuple[str, ...]:
    """'a; b;c' -> ('a', 'b', 'c'); the empty cell is the empty tuple."""
    return tuple(part.strip() for part in text.split(";") if part.strip())


@functools.cache
def _load_cached(name: str, path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    table = read_table(path, required)
    table.attrs["file"] = name
    return table


def load_data_table(name: str, required: Iterable[str]) -> pd.DataFrame:
    """A table from the data folder, read once per path and returned as a fresh copy."""
    table = _load_cached(name, data_file(name), tuple(required)).copy()
    table.attrs["file"] = name
    return table
