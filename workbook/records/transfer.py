"""The whole store as CSV files, one per table, and back: for moving a clinic, or a backup.

The import is the bulk path: every file is checked whole-column (columns, vocabularies, bounds,
dates, ids) before anything is written, then inserted in chunks in one transaction, so a bad
file leaves the store empty. The bounds are those of ``data/`` (``workbook.clinical.measures``),
applied to a column at once rather than value by value; the values a column check can't judge
(names, JSON details, profiles, routines, ODI sections, time stamps) go through the same field
rules as the API, value by value (:mod:`~workbook.records.transfer_checks`), so that after any
import that succeeds every read works.

Text cells that a spreadsheet would run as a formula are guarded on export and restored on
import (:mod:`~workbook.records.spreadsheet`): a round trip gives back exactly what was stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..clinical import measures
from ..errors import WorkbookError, one_of
from .paths import file_mode
from .patient_summary import rebuild_summaries
from .schema import TABLES, V2_COLUMNS, audit_log_t, patients_t, store_meta
from .spreadsheet import guard_cell, unguard_frame
from .transfer_checks import check_values

__all__ = ["export_tables", "import_tables", "read_export"]

_INT_COLUMNS = {"birth_year", "version", "current_version", "pain_nprs"}
_INT_COLUMNS |= {"days_done", "days_prescribed", "voided"}  # schema version 2
_FLOAT_COLUMNS = {"degrees", "odi_index"}
_META_KEYS = ("store_id", "created_at", "is_demo")


def export_tables(conn: Connection, folder: Path) -> list[Path]:
    """Write every table to ``folder/<table>.csv`` (NULL as an empty cell); returns the files.

    Each file is written owner-only under a temporary name and the whole set is moved into
    place only once every table is written: a failure (a full disk) leaves no partial export.
    """
    partials: list[Path] = []
    try:
        for table in TABLES:
            partial = folder / f".{table.name}.csv.partial"
            partials.append(partial)
            _export_table(conn, table, partial)
        written = []
        for partial in partials:
            final = folder / partial.name[1:].removesuffix(".partial")
            partial.replace(final)
            written.append(final)
        return written
    except BaseException:
        for partial in partials:
            partial.unlink(missing_ok=True)
        raise


def _export_table(conn: Connection, table: sa.Table, path: Path) -> None:
    keys = [c.name for c in table.primary_key.columns]
    query = sa.select(table).order_by(*[table.c[k] for k in keys])
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, file_mode())
    os.fchmod(fd, file_mode())
    with open(fd, "w", newline="", encoding="utf-8") as handle:  # noqa: PTH123 - an fd
        writer = csv.writer(handle)
        writer.writerow([c.name for c in table.columns])
        result = conn.execution_options(yield_per=20_000).execute(query)
        for chunk in result.partitions():
            writer.writerows(["" if v is None else guard_cell(v) for v in row] for row in chunk)
        handle.flush()
        os.fsync(handle.fileno())


def read_export(folder: Path) -> dict[str, pd.DataFrame]:
    """Every table's file from ``folder``, typed and checked; nothing is written."""
    frames = {table.name: _read_table(folder, table) for table in TABLES}
    meta = frames["store_meta"]
    _first_bad(meta, ~meta["key"].isin(_META_KEYS), "store_meta", "key", one_of(_META_KEYS))
    _check_measurements(frames["measurements"])
    _check_visits(frames)
    check_values(frames)
    return frames


def import_tables(
    conn: Connection, frames: dict[str, pd.DataFrame], *, chunk_rows: int, location: str
) -> dict[str, int]:
    """Insert checked frames into an empty store; returns rows imported per table."""
    for table in (patients_t, audit_log_t):
        if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar():
            raise WorkbookError("store", location, "an empty store to import into")
    conn.execute(store_meta.delete())
    counts = {}
    for table in TABLES:
        frame = frames[table.name]
        counts[table.name] = len(frame)
        # The INSERT compiled once for this database, rows handed to the driver's executemany
        # as plain tuples (SQLAlchemy's per-row parameter handling would take most of the
        # import's time).
        compiled = table.insert().compile(dialect=conn.dialect)
        names = list(compiled.positiontup or []) if compiled.positional else None
        for start in range(0, len(frame), chunk_rows):
            rows = _rows(frame.iloc[start : start + chunk_rows], names)
            if not rows:
                continue
            try:
                conn.exec_driver_sql(str(compiled), rows)
            except IntegrityError as exc:
                raise WorkbookError(
                    f"{table.name}.csv",
                    "a row that breaks an id link or repeats a key",
                    f"ids that match the other files, each once ({exc.orig})",
                ) from None
    postgresql = conn.dialect.name == "postgresql"
    if postgresql:
        # Fresh planner statistics: without them PostgreSQL plans the bulk-loaded tables as
        # if empty (hash joins over whole tables for one patient's history, and for each
        # thousand patients the summaries are rebuilt from).
        conn.exec_driver_sql("ANALYZE")
    rebuild_summaries(conn)  # derived from the visits, never exported
    if postgresql:
        conn.exec_driver_sql("ANALYZE patient_summary, motion_summary")
    return counts


def _read_table(folder: Path, table: sa.Table) -> pd.DataFrame:
    path = folder / f"{table.name}.csv"
    columns = [c.name for c in table.columns]
    if not path.is_file():
        raise WorkbookError("file", str(path), f"the folder must hold {table.name}.csv")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise WorkbookError(
            "file", str(path), f"a CSV file written by export_csv ({type(exc).__name__})"
        ) from None
    frame = unguard_frame(frame)
    frame = _add_v2_columns(frame, table)
    if list(frame.columns) != columns:
        raise WorkbookError(
            f"{table.name}.csv columns", list(frame.columns), f"exactly {', '.join(columns)}"
        )
    for column in table.columns:
        name = column.name
        if name in _INT_COLUMNS or name in _FLOAT_COLUMNS:
            frame[name] = _numbers(frame, table.name, name, nullable=bool(column.nullable))
        elif column.nullable:
            frame[name] = frame[name].where(frame[name] != "", None)
    return frame


def _add_v2_columns(frame: pd.DataFrame, table: sa.Table) -> pd.DataFrame:
    """An export of a version-1 store: the columns version 2 added, empty (or 0), in place."""
    columns = [c.name for c in table.columns]
    missing = [c for c in columns if c not in frame.columns]
    if not missing or list(frame.columns) != [c for c in columns if c not in missing]:
        return frame
    if not set(missing) <= set(V2_COLUMNS.get(table.name, ())):
        return frame
    for name in missing:
        default = table.c[name].server_default
        frame[name] = "0" if default is not None else ""
    return frame[columns]


def _numbers(frame: pd.DataFrame, table: str, name: str, *, nullable: bool) -> pd.Series:
    """A text column as numbers (Int64 or float64), naming the first cell that is not one."""
    values = frame[name]
    text = values.where(values != "")
    try:  # the quick parse; to_numeric (three times slower) only to find a bad cell
        numbers = text.astype("float64")
    except (TypeError, ValueError):
        numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = (numbers.isna() | np.isinf(numbers)) & (values != "")
    if not nullable:
        bad |= values == ""
    whole = name in _INT_COLUMNS
    if whole:
        bad |= numbers.notna() & (numbers != numbers.round())
    _first_bad(frame, bad, table, name, "a whole number" if whole else "a number")
    return numbers.astype("Int64") if whole else numbers


def _first_bad(frame: pd.DataFrame, bad: pd.Series, table: str, column: str, allowed: str) -> None:
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise WorkbookError(
            column, frame[column].iloc[row], allowed, where=f"{table}.csv row {row + 2}"
        )


def _check_measurements(m: pd.DataFrame) -> None:
    for column, allowed in (
        ("motion", measures.MOTIONS),
        ("side", measures.SIDES),
        ("instrument", measures.INSTRUMENTS),
        ("position", measures.POSITIONS),
    ):
        _first_bad(m, ~m[column].isin(allowed), "measurements", column, one_of(allowed))
    motions = measures.motions_table()
    low = m["motion"].map(motions["min_degrees"])
    high = m["motion"].map(motions["max_degrees"])
    _first_bad(
        m,
        ~m["degrees"].between(low, high),
        "measurements",
        "degrees",
        "a number of degrees within the motion's bounds in data/motions.csv",
    )


def _check_visits(frames: dict[str, pd.DataFrame]) -> None:
    vv, visits = frames["visit_versions"], frames["visits"]
    pain, rule = vv["pain_nprs"], measures.score_rule("pain_nprs")
    _first_bad(
        vv,
        pain.notna() & ~pain.between(rule.min_value, rule.max_value),
        "visit_versions",
        "pain_nprs",
        f"a whole number from {rule.min_value} to {rule.max_value}, or empty",
    )
    today = pd.Timestamp(dt.date.today())
    for name, frame in (("visit_versions", vv), ("visits", visits)):
        dates = pd.to_datetime(frame["visit_date"], format="%Y-%m-%d", errors="coerce")
        _first_bad(
            frame,
            dates.isna() | (dates > today),
            name,
            "visit_date",
            "a date written YYYY-MM-DD, no later than today",
        )
    current = visits.set_index(["visit_id", "current_version"]).index
    versions = vv.set_index(["visit_id", "version"]).index
    _first_bad(
        visits,
        pd.Series(~current.isin(versions), index=visits.index),
        "visits",
        "current_version",
        "a version present in visit_versions.csv",
    )


def _rows(frame: pd.DataFrame, names: list[str] | None) -> list[Any]:
    """Rows of plain Python values (None where missing): tuples in ``names`` order, else dicts."""
    columns = list(frame.columns) if names is None else names
    lists = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in columns]
    if names is not None:
        return list(zip(*lists, strict=True))
    return [dict(zip(columns, values, strict=True)) for values in zip(*lists, strict=True)]
