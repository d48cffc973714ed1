"""Reference values for judging progress: normal range of motion, measurement error, MCID.

Three editable tables in ``data/``, each number with its source:

- ``normal_rom.csv``: normal hip range of motion. A row for all adults per motion applies to
  everyone; rows restricted by sex, age band or test position (the age- and sex-specific
  studies) apply only when the patient and the measurement match, and then win. Every value in
  use lies inside the band shown with it (checked on loading).
- ``measurement_error.csv``: the minimal detectable change (MDC95) per motion. A change smaller
  than this may be measurement noise.
- ``mcid.csv``: the minimal clinically important difference for pain (NPRS) and disability (ODI),
  and the relative (30 %) improvement threshold.

A clinic changes a value by editing the table; every lookup says which reference it used.
Pure logic: pandas only.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import WorkbookError, one_of
from .measures import MOTIONS, POSITIONS, check_motion
from .paths import data_file
from .tables import (
    check_vocabulary,
    column_as_bool,
    column_as_number,
    load_data_table,
    row_label,
)

__all__ = [
    "SCORES",
    "SEXES",
    "NormalValue",
    "ScoreThreshold",
    "mcid_table",
    "mdc_degrees",
    "measurement_error_table",
    "normal_rom_table",
    "normal_value",
    "score_threshold",
]

SEXES: tuple[str, ...] = ("female", "male")
SCORES: tuple[str, ...] = ("pain_nprs", "odi_index")

# MDC95 = z(95 %) x sqrt(2) x SEM: the sqrt(2) because a change is the difference of two
# readings, each carrying the SEM (clinical.md section 2). A formula, not a clinical figure.
_Z95 = 1.96

_NORMAL_COLUMNS = (
    "motion",
    "reference",
    "label",
    "sex",
    "age_min",
    "age_max",
    "position",
    "normal_degrees",
    "low_degrees",
    "high_degrees",
    "in_use",
    "source",
    "range_label",
    "range_source",
)
_ERROR_COLUMNS = ("motion", "sem_degrees", "mdc95_degrees", "derivation", "source")
_MCID_COLUMNS = (
    "score",
    "label",
    "mcid_points",
    "mdc_points",
    "improvement_percent",
    "lower_is_better",
    "source",
)


def _optional_number(
    table: pd.DataFrame,
    column: str,
    key: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> pd.Series:
    """A numeric column where an empty cell means "not given" (NaN)."""
    filled = table[column] != ""
    numbers = pd.Series(float("nan"), index=table.index, dtype="float64")
    if filled.any():
        numbers[filled] = column_as_number(
            table[filled], column, key=key, minimum=minimum, maximum=maximum
        )
    return numbers


@functools.cache
def _normal_rom(path: Path) -> pd.DataFrame:
    table = load_data_table("normal_rom.csv", _NORMAL_COLUMNS)
    check_vocabulary(table, "motion", MOTIONS, key="reference")
    check_vocabulary(table, "sex", ("", *SEXES), key="reference")
    check_vocabulary(table, "position", ("", *POSITIONS), key="reference")
    for column in ("age_min", "age_max"):
        table[column] = _optional_number(table, column, "reference", minimum=0, maximum=120)
    table["normal_degrees"] = column_as_number(table, "normal_degrees", key="reference")
    for column in ("low_degrees", "high_degrees"):
        table[column] = _optional_number(table, column, "reference")
    table["in_use"] = column_as_bool(table, "in_use", key="reference")
    for index in table.index:
        row = table.loc[index]
        where = row_label(table, index, "reference")
        if pd.isna(row["low_degrees"]) != pd.isna(row["high_degrees"]):
            raise WorkbookError(
                "low_degrees/high_degrees",
                (row["low_degrees"], row["high_degrees"]),
                "both filled in (a range) or both empty",
                where=where,
            )
        if row["low_degrees"] > row["high_degrees"]:
            raise WorkbookError(
                "low_degrees", row["low_degrees"], "no more than high_degrees", where=where
            )
        if row["in_use"] and not (
            pd.isna(row["low_degrees"])
            or row["low_degrees"] <= row["normal_degrees"] <= row["high_degrees"]
        ):
            raise WorkbookError(
                "normal_degrees",
                row["normal_degrees"],
                f"a value inside its own band {row['low_degrees']:g}-{row['high_degrees']:g}",
                where=where,
            )
        if row["age_min"] > row["age_max"]:
            raise WorkbookError("age_min", row["age_min"], "no more than age_max", where=where)
        if not row["source"]:
            raise WorkbookError("source", "", "every value needs its source", where=where)
        if pd.notna(row["low_degrees"]) and not (row["range_label"] and row["range_source"]):
            raise WorkbookError(
                "range_label/range_source", "", "a range needs its label and source", where=where
            )
    # Two rows in use that apply to exactly the same patients would make the choice depend on
    # row order without the clinic noticing: refuse the table instead.
    applies = ["motion", "sex", "age_min", "age_max", "position"]
    in_use = table[table["in_use"]]
    clash = in_use[in_use.fillna({"age_min": -1, "age_max": -1}).duplicated(applies, keep=False)]
    if not clash.empty:
        first = clash.index[0]
        raise WorkbookError(
            "in_use",
            "true",
            "only one row in use per motion, sex, age band and position "
            f"(rows {', '.join(str(i + 2) for i in clash.index)} apply to the same patients)",
            where=row_label(table, first, "reference"),
        )
    return table


def normal_rom_table() -> pd.DataFrame:
    """``data/normal_rom.csv``, checked and typed (ages and degrees as floats, NaN when empty).

    Raises
    ------
    WorkbookError
        When the table is missing, a value is malformed, or two rows in use apply to the same
        patients.
    """
    return _normal_rom(data_file("normal_rom.csv")).copy()


@dataclass(frozen=True)
class NormalValue:
    """The normal value for one motion, and where it came from.

    Attributes
    ----------
    motion : str
    degrees : float
        The normal value used for "percent of normal".
    low_degrees, high_degrees : float
        The normal range (shaded on the chart); NaN when no table row in use gives one.
    reference : str
        The id of the table row's reference (``aaos_classic``, ``soucie_2011``...).
    label : str
        A short human-readable name of the reference, for a table or chart legend.
    source : str
        The full citation of ``degrees``.
    range_label, range_source : str
        The same for the range, which may come from a less specific row than the value.
    """

    motion: str
    degrees: float
    low_degrees: float
    high_degrees: float
    reference: str
    label: str
    source: str
    range_label: str
    range_source: str


def _check_sex(sex: object) -> str | None:
    if sex is None or (isinstance(sex, float) and math.isnan(sex)) or sex == "":
        return None
    if sex not in SEXES:
        raise WorkbookError("sex", sex, one_of(SEXES) + " or None (all adults)")
    return str(sex)


def _check_age(age: object) -> float | None:
    if age is None or (isinstance(age, float) and math.isnan(age)):
        return None
    if isinstance(age, bool) or not isinstance(age, int | float) or not 0 <= age <= 120:
        raise WorkbookError("age", age, "a number of years from 0 to 120, or None")
    return float(age)


@functools.cache
def _rows_in_use(path: Path, motion: str) -> tuple[dict[str, Any], ...]:
    """The motion's rows in use as plain dicts, in table order (a few dozen at most)."""
    table = _normal_rom(path)
    rows = table[(table["motion"] == motion) & table["in_use"]]
    records = rows.to_dict("records")
    return tuple(
        {"order": i, **{str(key): value for key, value in row.items()}}
        for i, row in zip(rows.index, records, strict=True)
    )


def _applies(row: dict[str, Any], age: float | None, sex: str | None, position: str | None) -> bool:
    # A restriction the caller cannot answer (sex unknown, say) rules the row out: never
    # guess that an unrecorded sex or position matches.
    if row["sex"] not in ("", sex) or row["position"] not in ("", position):
        return False
    low, high = row["age_min"], row["age_max"]
    if pd.isna(low) and pd.isna(high):
        return True
    if age is None:
        return False
    return (0 if pd.isna(low) else low) <= age <= (120 if pd.isna(high) else high)


def _specificity(row: dict[str, Any]) -> int:
    has_age = not (pd.isna(row["age_min"]) and pd.isna(row["age_max"]))
    return int(row["sex"] != "") + int(has_age) + int(row["position"] != "")


def _matching_rows(
    path: Path, motion: str, age: float | None, sex: str | None, position: str | None
) -> list[dict[str, Any]]:
    """Rows in use that apply to this patient and measurement, most specific first.

    Among equally specific rows the one higher in the table wins.
    """
    rows = [r for r in _rows_in_use(path, motion) if _applies(r, age, sex, position)]
    return sorted(rows, key=lambda r: (-_specificity(r), r["order"]))


def normal_value(
    motion: str,
    *,
    age: float | None = None,
    sex: str | None = None,
    position: str | None = None,
) -> NormalValue:
    """The normal range of motion that applies to a patient, with its reference.

    The most specific row in use of ``data/normal_rom.csv`` wins: a row restricted to the
    patient's sex, age band and test position beats one restricted to fewer of them, which beats
    the row for all adults (no restriction). An unknown sex, age or position (``None``) matches only
    rows without that restriction. The range comes from the most specific matching row that has
    one.

    Parameters
    ----------
    motion : str
        One of ``workbook.clinical.measures.MOTIONS``.
    age : float, optional
        Age in years.
    sex : {'female', 'male'}, optional
        ``None`` uses the references for all adults.
    position : str, optional
        The test position of the measurement (``supine``, ``seated``...).

    Returns
    -------
    NormalValue

    Examples
    --------
    >>> normal_value("hip_flexion").degrees
    121.0
    >>> normal_value("hip_extension", age=55, sex="female").label
    'Soucie 2011, women 45-69'
    """
    motion = check_motion(motion)
    age_years = _check_age(age)
    sex = _check_sex(sex)
    if position in ("", None) or (isinstance(position, float) and math.isnan(position)):
        position = None
    elif position not in POSITIONS:
        raise WorkbookError("position", position, one_of(POSITIONS) + " or None")
    # Cached per table file: the chart asks for the same few values on every redraw.
    return _normal_value(data_file("normal_rom.csv"), motion, age_years, sex, position)


@functools.cache
def _normal_value(
    path: Path, motion: str, age_years: float | None, sex: str | None, position: str | None
) -> NormalValue:
    rows = _matching_rows(path, motion, age_years, sex, position)
    if not rows:
        raise WorkbookError(
            "motion",
            motion,
            "a motion with a normal value in use in normal_rom.csv for every patient "
            "(add a row without sex, age or position, with in_use true)",
        )
    value = rows[0]
    ranged = [r for r in rows if not pd.isna(r["low_degrees"])]
    if not ranged:
        low = high = float("nan")
        range_label = range_source = ""
    else:
        low, high = float(ranged[0]["low_degrees"]), float(ranged[0]["high_degrees"])
        range_label = str(ranged[0]["range_label"])
        range_source = str(ranged[0]["range_source"])
    return NormalValue(
        motion=motion,
        degrees=float(value["normal_degrees"]),
        low_degrees=low,
        high_degrees=high,
        reference=str(value["reference"]),
        label=str(value["label"]),
        source=str(value["source"]),
        range_label=range_label,
        range_source=range_source,
    )


@functools.cache
def _measurement_error(path: Path) -> pd.DataFrame:
    table = load_data_table("measurement_error.csv", _ERROR_COLUMNS)
    check_vocabulary(table, "motion", MOTIONS, key="motion")
    if table["motion"].duplicated().any():
        index = int(table.index[table["motion"].duplicated()][0])
        raise WorkbookError(
            "motion",
            table.at[index, "motion"],
            "each motion once",
            where=row_label(table, index, "motion"),
        )
    missing = [m for m in MOTIONS if m not in set(table["motion"])]
    if missing:
        raise WorkbookError(
            "motion", missing, "a row for every motion", where="measurement_error.csv"
        )
    table["sem_degrees"] = _optional_number(table, "sem_degrees", "motion", minimum=0, maximum=45)
    table["mdc95_degrees"] = _optional_number(
        table, "mdc95_degrees", "motion", minimum=0, maximum=45
    )
    unknown = table["sem_degrees"].isna() & table["mdc95_degrees"].isna()
    if unknown.any():
        raise WorkbookError(
            "mdc95_degrees",
            "",
            "a number, or an SEM to derive it from",
            where=row_label(table, table.index[unknown].tolist()[0], "motion"),
        )
    # An empty MDC is derived from the SEM, so a clinic can enter just the SEM it measured.
    derived = _Z95 * math.sqrt(2) * table["sem_degrees"]
    table["mdc95_degrees"] = table["mdc95_degrees"].fillna(derived)
    return table.set_index("motion", drop=False)


def measurement_error_table() -> pd.DataFrame:
    """``data/measurement_error.csv``, indexed by motion, MDC95 derived from the SEM where empty."""
    return _measurement_error(data_file("measurement_error.csv")).copy()


def mdc_degrees(motion: str) -> float:
    """The minimal detectable change (95 %) for a motion, in degrees.

    >>> mdc_degrees("hip_flexion")
    9.7
    """
    motion = check_motion(motion)
    table = _measurement_error(data_file("measurement_error.csv"))
    return float(table["mdc95_degrees"].loc[motion])


@dataclass(frozen=True)
class ScoreThreshold:
    """When a change in pain or disability matters, from ``data/mcid.csv``.

    Attributes
    ----------
    score : str
        ``pain_nprs`` or ``odi_index``.
    label : str
    mcid_points : float
        The minimal clinically important difference, in the score's points.
    mdc_points : float
        The minimal detectable change, NaN when the table gives none.
    improvement_percent : float
        The relative improvement from baseline that also counts (30 % per Ostelo 2008).
    lower_is_better : bool
    source : str
    """

    score: str
    label: str
    mcid_points: float
    mdc_points: float
    improvement_percent: float
    lower_is_better: bool
    source: str


@functools.cache
def _mcid(path: Path) -> pd.DataFrame:
    table = load_data_table("mcid.csv", _MCID_COLUMNS)
    check_vocabulary(table, "score", SCORES, key="score")
    table["mcid_points"] = column_as_number(
        table, "mcid_points", key="score", minimum=0, maximum=100
    )
    table["mdc_points"] = _optional_number(table, "mdc_points", "score", minimum=0, maximum=100)
    table["improvement_percent"] = column_as_number(
        table, "improvement_percent", key="score", minimum=0, maximum=100
    )
    table["lower_is_better"] = column_as_bool(table, "lower_is_better", key="score")
    return table.set_index("score", drop=False)


def mcid_table() -> pd.DataFrame:
    """``data/mcid.csv``, indexed by score."""
    return _mcid(data_file("mcid.csv")).copy()


def score_threshold(score: str) -> ScoreThreshold:
    """The MCID and relative-improvement threshold for ``pain_nprs`` or ``odi_index``.

    >>> score_threshold("odi_index").mcid_points
    10.0
    """
    table = _mcid(data_file("mcid.csv"))
    if score not in SCORES:
        raise WorkbookError("score", score, one_of(SCORES))
    if score not in table.index:
        raise WorkbookError("score", score, "a score with a row in mcid.csv")
    row = table.loc[score].to_dict()
    return ScoreThreshold(
        score=score,
        label=str(row["label"]),
        mcid_points=float(row["mcid_points"]),
        mdc_points=float(row["mdc_points"]),
        improvement_percent=float(row["improvement_percent"]),
        lower_is_better=bool(row["lower_is_better"]),
        source=str(row["source"]),
    )
