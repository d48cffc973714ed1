"""De-identification of one patient's case, by the HIPAA Safe Harbor rules.

What leaves the clinic carries none of the 18 Safe Harbor identifiers (45 CFR 164.514(b)(2),
``../shared/reference/clinical.md`` section 5):

- no name, no contact details, no record numbers: the patient id becomes a random case code that
  is not derived from anything about the patient;
- the birth year becomes a five-year age band (ages 90 and over: ``"90+"``);
- visit dates become days since the first visit, visit ids a running number;
- free-text notes are left out unless the therapist includes them explicitly (they may name
  people or places); the therapist's name is left out too (minimum necessary).

Pure logic: pandas only. Writing the bundle is :mod:`workbook.documents.share`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..clinical.profile import PatientProfile
from ..errors import WorkbookError

__all__ = [
    "AGE_BAND_YEARS",
    "MEASUREMENT_COLUMNS",
    "OLDEST_EXACT_AGE",
    "VISIT_COLUMNS",
    "DeidentifiedCase",
    "age_band",
    "band_floor",
    "deidentify_case",
    "new_case_code",
    "sections_from_text",
]

AGE_BAND_YEARS = 5
OLDEST_EXACT_AGE = 89  # Safe Harbor: ages over 89 are grouped as 90+

MEASUREMENT_COLUMNS = ("visit", "day", "motion", "side", "degrees", "instrument", "position")
VISIT_COLUMNS = ("visit", "day", "pain_nprs", "odi_index", "odi_sections", "notes")


def age_band(age: int) -> str:
    """'60-64' for 62; '90+' from 90 on.

    >>> age_band(62), age_band(89), age_band(90), age_band(104)
    ('60-64', '85-89', '90+', '90+')
    """
    if isinstance(age, bool) or not isinstance(age, int) or age < 0:
        raise WorkbookError("age", age, "a whole number of years, 0 or more")
    if age > OLDEST_EXACT_AGE:
        return f"{OLDEST_EXACT_AGE + 1}+"
    low = age - age % AGE_BAND_YEARS
    return f"{low}-{low + AGE_BAND_YEARS - 1}"


def band_floor(band: str) -> int:
    """The youngest age of a band: '60-64' -> 60, '90+' -> 90."""
    try:
        return int(band.rstrip("+").split("-")[0])
    except (AttributeError, ValueError):
        raise WorkbookError("age_band", band, "a band such as '60-64' or '90+'") from None


def new_case_code() -> str:
    """A random code such as 'CASE-7F3A9C' (random, so it cannot be traced back)."""
    return f"CASE-{secrets.token_hex(3).upper()}"


@dataclass(frozen=True, eq=False)
class DeidentifiedCase:
    """One patient's course of care with the identifiers removed.

    Attributes
    ----------
    case_code : str
        Random, e.g. 'CASE-7F3A9C'.
    age_band : str
        At the first visit, e.g. '60-64' or '90+'.
    profile : PatientProfile
        The clinical profile with the age rounded down to its band.
    measurements : DataFrame
        ``MEASUREMENT_COLUMNS``: visit number, day since the first visit, motion, side, degrees,
        instrument, position.
    visits : DataFrame
        ``VISIT_COLUMNS``; ``notes`` is empty unless notes were included.
    routine : dict or None
        The latest routine given (stretch ids and dosage), with the de-identified profile.
    notes_included : bool
    """

    case_code: str
    age_band: str
    profile: PatientProfile
    measurements: pd.DataFrame
    visits: pd.DataFrame
    routine: dict[str, Any] | None
    notes_included: bool = False


def deidentify_case(
    birth_year: int,
    profile: PatientProfile,
    visits: pd.DataFrame,
    measurements: pd.DataFrame,
    *,
    include_notes: bool = False,
    case_code: str | None = None,
) -> DeidentifiedCase:
    """Strip one patient's record down to what a colleague needs.

    Parameters
    ----------
    birth_year : int
    profile : PatientProfile
    visits, measurements : DataFrame
        As ``store.visits()`` and ``store.measurements()`` return them.
    include_notes : bool, default False
        Keep the free-text notes. They may name people or places: only when the therapist has
        read them and chooses to.
    case_code : str, optional
        A code to use instead of a new random one.
    """
    if visits.empty:
        raise WorkbookError("visits", 0, "at least one logged visit to share")
    dates = pd.to_datetime(visits["visit_date"]).dt.normalize()
    first = dates.min()
    age = int(first.year - int(birth_year))
    band = age_band(max(age, 0))
    shared_profile = PatientProfile.from_dict({**profile.to_dict(), "age": band_floor(band)})

    order = visits.assign(_date=dates).sort_values(["_date", "visit_id"], kind="stable")
    number = {vid: i for i, vid in enumerate(order["visit_id"], start=1)}
    day = {
        vid: int((d - first).days) for vid, d in zip(order["visit_id"], order["_date"], strict=True)
    }

    shared_visits = pd.DataFrame(
        {
            "visit": order["visit_id"].map(number).astype("int64"),
            "day": order["visit_id"].map(day).astype("int64"),
            "pain_nprs": order["pain_nprs"].astype("Int64"),
            "odi_index": order["odi_index"].astype("float64"),
            "odi_sections": order["odi_sections"].map(_sections_text),
            "notes": order["notes"].fillna("").astype(str) if include_notes else "",
        }
    ).reset_index(drop=True)

    shared_measurements = _shared_measurements(measurements, number, day)

    routine = None
    given = [r for r in order["routine"] if isinstance(r, dict)]
    if given:
        routine = {"profile": shared_profile.to_dict(), "items": list(given[-1].get("items", []))}
    return DeidentifiedCase(
        case_code=case_code or new_case_code(),
        age_band=band,
        profile=shared_profile,
        measurements=shared_measurements,
        visits=shared_visits,
        routine=routine,
        notes_included=include_notes,
    )


def _shared_measurements(
    measurements: pd.DataFrame, number: dict[str, int], day: dict[str, int]
) -> pd.DataFrame:
    """The readings with visit numbers and days in place of visit ids and dates."""
    shared = pd.DataFrame(
        {
            "visit": measurements["visit_id"].map(number),
            "day": measurements["visit_id"].map(day),
            "motion": measurements["motion"],
            "side": measurements["side"],
            "degrees": measurements["degrees"].astype("float64"),
            "instrument": measurements["instrument"],
            "position": measurements["position"],
        }
    )
    if shared["visit"].isna().any():
        raise WorkbookError(
            "measurements",
            "a visit_id not among the visits",
            "measurements of the patient's own visits",
        )
    shared = shared.astype({"visit": "int64", "day": "int64"})
    return shared.sort_values(["visit", "motion", "side"], kind="stable").reset_index(drop=True)


def _sections_text(sections: object) -> str:
    """(2, 1, None, ...) -> '2;1;;...' (empty where unanswered); '' when no ODI was taken."""
    if not isinstance(sections, list | tuple):
        return ""
    return ";".join("" if s is None else str(int(s)) for s in sections)


def sections_from_text(text: object) -> list[int | None] | None:
    """The inverse of the CSV form of the ODI sections."""
    if not isinstance(text, str) or not text.strip():
        return None
    return [int(part) if part.strip() else None for part in text.split(";")]
