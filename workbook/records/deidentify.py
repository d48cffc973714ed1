"""De-identification of one patient's case, by the HIPAA Safe Harbor rules.

What leaves the clinic carries none of the 18 Safe Harbor identifiers (45 CFR 164.514(b)(2),
``../shared/reference/clinical.md`` section 5):

- no name, no contact details, no record numbers: the patient id becomes a random case code that
  is not derived from anything about the patient;
- the birth year becomes a five-year age band (ages 90 and over: ``"90+"``);
- visit dates become days since the first visit, visit ids a running number;
- free-text notes are left out unless the therapist includes them explicitly (they may name
  people or places); the therapist's name is left out too (minimum necessary).

What goes out is chosen by an **allow-list**, never by removing what is known to identify: only
the columns in :data:`MEASUREMENT_COLUMNS` and :data:`VISIT_COLUMNS`, only the routine item keys
in :data:`ROUTINE_ITEM_KEYS` (each value checked against the workbook's own tables and bounds:
a movement, a stretch id of the table, whole numbers within the dosage bounds, who chose it, the
focus side) and only the profile's own fields. A key nobody listed (an item's ``"note"``, say) is
never copied, and a listed key holding anything but what the workbook writes is refused, so no
free text rides along in a field meant for a code. The routine's worded reasons stay home too:
they are rebuilt from the stretch table when the case is read.

Pure logic: pandas only. Writing the bundle is :mod:`workbook.documents.share`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..clinical.choosing import CHOSEN_BY
from ..clinical.measures import check_instrument, check_motion, check_position, check_side
from ..clinical.profile import PatientProfile
from ..clinical.stretches import DOSAGE_BOUNDS, MOVEMENTS, load_stretches
from ..errors import WorkbookError, one_of

__all__ = [
    "AGE_BAND_YEARS",
    "MEASUREMENT_COLUMNS",
    "OLDEST_EXACT_AGE",
    "ROUTINE_ITEM_KEYS",
    "VISIT_COLUMNS",
    "DeidentifiedCase",
    "age_band",
    "band_floor",
    "deidentify_case",
    "new_case_code",
    "sections_from_text",
    "shared_routine",
]

AGE_BAND_YEARS = 5
OLDEST_EXACT_AGE = 89  # Safe Harbor: ages over 89 are grouped as 90+

MEASUREMENT_COLUMNS = ("visit", "day", "motion", "side", "degrees", "instrument", "position")
VISIT_COLUMNS = ("visit", "day", "pain_nprs", "odi_index", "odi_sections", "notes")
#: The only keys of a routine item that leave the clinic (an allow-list; see the module notes).
ROUTINE_ITEM_KEYS = (
    "movement",
    "stretch_id",
    "hold_s",
    "reps",
    "per_week",
    "chosen_by",
    "focus_side",
)
_FOCUS_SIDES = ("left", "right", "")


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

    given = [r for r in order["routine"] if isinstance(r, dict)]
    routine = shared_routine(given[-1], shared_profile) if given else None
    return DeidentifiedCase(
        case_code=case_code or new_case_code(),
        age_band=band,
        profile=shared_profile,
        measurements=shared_measurements,
        visits=shared_visits,
        routine=routine,
        notes_included=include_notes,
    )


def shared_routine(routine: dict[str, Any], profile: PatientProfile) -> dict[str, Any]:
    """The part of a stored routine that may leave the clinic: an allow-list, key by key.

    Only :data:`ROUTINE_ITEM_KEYS` of each item are copied, each checked to hold what the workbook
    writes there; every other key (free text above all) stays home. ``profile`` is the
    de-identified profile, which replaces the stored one.

    Examples
    --------
    >>> profile = PatientProfile(age=60, activity="active", floor_transfer=True,
    ...                          kneeling="comfortable")
    >>> item = {"movement": "hip_flexion", "stretch_id": "", "hold_s": 30, "reps": 3,
    ...         "per_week": 5, "chosen_by": "workbook", "focus_side": "",
    ...         "note": "call Ann on 555-0101"}
    >>> shared = shared_routine({"items": [item]}, profile)
    >>> "note" in shared["items"][0], sorted(shared)
    (False, ['items', 'profile'])
    """
    items = routine.get("items") if isinstance(routine, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise WorkbookError("routine items", type(items).__name__, "a list of routine items")
    return {"profile": profile.to_dict(), "items": [_shared_item(i) for i in items]}


def _shared_item(item: dict[str, Any]) -> dict[str, Any]:
    stretch_ids = set(load_stretches()["stretch_id"])
    out: dict[str, Any] = {}
    movement = item.get("movement")
    if movement not in MOVEMENTS:
        raise WorkbookError("routine movement", movement, one_of(MOVEMENTS))
    out["movement"] = movement
    stretch = item.get("stretch_id") or ""
    if stretch and stretch not in stretch_ids:
        raise WorkbookError("routine stretch_id", stretch, "a stretch id of the stretch table")
    out["stretch_id"] = stretch
    for key, (low, high) in DOSAGE_BOUNDS.items():
        value = item.get(key)
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole or not low <= value <= high:  # type: ignore[operator]
            raise WorkbookError(f"routine {key}", value, f"a whole number from {low} to {high}")
        out[key] = int(value)  # type: ignore[arg-type]
    chosen = item.get("chosen_by", "workbook")
    if chosen not in CHOSEN_BY:
        raise WorkbookError("routine chosen_by", chosen, one_of(CHOSEN_BY))
    out["chosen_by"] = chosen
    side = item.get("focus_side") or ""
    if side not in _FOCUS_SIDES:
        raise WorkbookError("routine focus_side", side, one_of(_FOCUS_SIDES))
    out["focus_side"] = side
    return {key: out[key] for key in ROUTINE_ITEM_KEYS}


def _shared_measurements(
    measurements: pd.DataFrame, number: dict[str, int], day: dict[str, int]
) -> pd.DataFrame:
    """The readings with visit numbers and days in place of visit ids and dates."""
    shared = pd.DataFrame(
        {
            "visit": measurements["visit_id"].map(number),
            "day": measurements["visit_id"].map(day),
            # Text columns by allow-list too: only the workbook's own codes, never free text.
            "motion": measurements["motion"].map(check_motion),
            "side": measurements["side"].map(check_side),
            "degrees": measurements["degrees"].astype("float64"),
            "instrument": measurements["instrument"].map(check_instrument),
            "position": measurements["position"].map(check_position),
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
